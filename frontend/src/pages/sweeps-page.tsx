/** The user's sweeps (kept current as their runs change) and New sweep over saved architectures. */
import { useCallback, useEffect, useRef, useState } from "react";
import { AppLink } from "@/components/app-link";
import { StatusBadge } from "@/components/status-badge";
import { SweepDialog } from "@/components/sweep-dialog";
import { useRunUpdates } from "@/hooks/use-run-updates";
import { api } from "@/lib/api";
import type { SweepSummary } from "@/lib/sweep-types";

const REFRESH_DELAY_MS = 500;

function useSweepList(): { sweeps: SweepSummary[] | null; error: string | null } {
  const [sweeps, setSweeps] = useState<SweepSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const seq = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const reload = useCallback(() => {
    const mine = ++seq.current;
    api.sweeps().then(
      (list) => {
        if (mine !== seq.current) return;
        setSweeps(list);
        setError(null);
      },
      (e: unknown) => {
        if (mine === seq.current) setError(`Could not load sweeps: ${e instanceof Error ? e.message : String(e)}`);
      },
    );
  }, []);
  useEffect(() => {
    reload();
    return () => {
      if (timer.current) clearTimeout(timer.current);
    };
  }, [reload]);
  // A sweep's status is its runs': ask again shortly after one of them changes.
  useRunUpdates((m) => {
    if (m.type === "status" && m.data.sweep === null) return;
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(reload, REFRESH_DELAY_MS);
  });
  return { sweeps, error };
}

export function SweepsPage() {
  const { sweeps, error } = useSweepList();
  const [dialog, setDialog] = useState(false);
  const close = useCallback(() => setDialog(false), []);
  useEffect(() => {
    document.title = "Sweeps · NetBuilder";
  }, []);
  return (
    <main className="runs-page sweeps-page" data-testid="sweeps-page">
      <header className="runs-head">
        <h1>Sweeps</h1>
        <span className="muted">{sweeps ? `${sweeps.length} sweep${sweeps.length === 1 ? "" : "s"}` : "loading…"}</span>
        <span className="spacer" />
        <button type="button" className="primary" onClick={() => setDialog(true)} data-testid="new-sweep">
          + New sweep
        </button>
      </header>
      {error && <p className="load-error inline">{error}</p>}
      <div className="runs-table-box">
        <table className="runs-table" data-testid="sweeps-table">
          <thead>
            <tr>
              <th>#</th>
              <th>Name</th>
              <th>Status</th>
              <th>Varies</th>
              <th className="num">Runs</th>
              <th>Created</th>
            </tr>
          </thead>
          <tbody>
            {(sweeps ?? []).map((s) => (
              <tr key={s.id} data-testid={`sweep-list-row-${s.id}`} data-status={s.status}>
                <td className="muted">{s.id}</td>
                <td>
                  <AppLink to={`/sweeps/${s.id}/`} testId={`sweep-link-${s.id}`}>
                    {s.name}
                  </AppLink>
                </td>
                <td>
                  <StatusBadge status={s.status} />
                </td>
                <td>{s.options.join(", ")}</td>
                <td className="num">{s.runs.length}</td>
                <td className="muted" title={s.created_at}>
                  {new Date(s.created_at).toLocaleString()}
                </td>
              </tr>
            ))}
            {sweeps && !sweeps.length && (
              <tr>
                <td colSpan={6} className="empty-row muted">
                  No sweeps yet: press + New sweep, or Sweep… next to Train in the builder.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      {dialog && <SweepDialog onClose={close} />}
    </main>
  );
}
