/**
 * A dialog's live check by the server (the Train dialog's `POST /api/runs/check`, the sweep dialog's
 * `POST /api/sweeps/check`): `ask(signal)` is called 300 ms after `key` last changed, an older answer never
 * replaces a newer one (lib/run-check), and a request still in flight is aborted. `key` null: nothing to
 * check, and no answer.
 */
import { useEffect, useRef, useState } from "react";
import { checkFromError, newerCheck, type Check } from "@/lib/run-check";

export const CHECK_DELAY_MS = 300;

export function useServerCheck<P>(key: string | null, ask: (signal: AbortSignal) => Promise<P>, onAsk?: () => void): Check<P> | null {
  const [check, setCheck] = useState<Check<P> | null>(null);
  const seqRef = useRef(0);
  const latest = useRef({ ask, onAsk });
  latest.current = { ask, onAsk };
  useEffect(() => {
    if (key === null) {
      setCheck(null);
      return;
    }
    const seq = ++seqRef.current;
    latest.current.onAsk?.();
    setCheck((c) => newerCheck(c, { state: "checking", seq }));
    const controller = new AbortController();
    const timer = setTimeout(() => {
      latest.current.ask(controller.signal).then(
        (plan) => setCheck((c) => newerCheck(c, { state: "ok", seq, plan })),
        (e: unknown) => {
          if (!controller.signal.aborted) setCheck((c) => newerCheck(c, checkFromError<P>(seq, e)));
        },
      );
    }, CHECK_DELAY_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [key]);
  return check;
}
