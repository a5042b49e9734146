/**
 * One sweep, kept current: loaded once, then each `status` message of one of its runs (the run list
 * socket) goes into its row at once and asks the server for the sweep again shortly after (its status
 * and the runs' figures are the server's). An older answer never replaces a newer one.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import { useRunUpdates } from "@/hooks/use-run-updates";
import { api, ApiError } from "@/lib/api";
import { applySweepStatus } from "@/lib/sweep";
import type { SweepDetail } from "@/lib/sweep-types";

export const REFRESH_DELAY_MS = 400;

export function useSweep(sweepId: number): { sweep: SweepDetail | null; error: string | null; missing: boolean; reload(): void } {
  const [sweep, setSweep] = useState<SweepDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [missing, setMissing] = useState(false);
  const seq = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const reload = useCallback(() => {
    const mine = ++seq.current;
    api.sweep(sweepId).then(
      (d) => {
        if (mine !== seq.current) return;
        setSweep(d);
        setError(null);
      },
      (e: unknown) => {
        if (mine !== seq.current) return;
        if (e instanceof ApiError && e.status === 404) setMissing(true);
        setError(`Could not load sweep ${sweepId}: ${e instanceof Error ? e.message : String(e)}`);
      },
    );
  }, [sweepId]);

  const soon = useCallback(() => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      timer.current = null;
      reload();
    }, REFRESH_DELAY_MS);
  }, [reload]);

  useEffect(() => {
    reload();
    return () => {
      if (timer.current) clearTimeout(timer.current);
      seq.current++;
    };
  }, [reload]);

  useRunUpdates((m) => {
    // A (re)connect may have missed changes: ask again.
    if (m.type === "snapshot") soon();
    else if (m.data.sweep === sweepId) {
      setSweep((d) => (d ? applySweepStatus(d, m.data) : d));
      soon();
    }
  });

  return { sweep, error, missing, reload };
}
