/**
 * The user's run list socket (ws/runs/): a snapshot of every run, then a `status` message (the run's
 * whole summary) for each change, queue positions included. Reconnects by itself; a 4401 close sends
 * the browser to log in and back.
 */
import { useEffect, useRef } from "react";
import { wsUrl } from "@/lib/api";
import { CLOSE_UNAUTHENTICATED, loginUrl, openStream } from "@/lib/run-socket";
import type { RunSummary, StatusData } from "@/lib/run-types";

export type RunListMessage = { type: "snapshot"; data: { runs: RunSummary[] } } | { type: "status"; data: StatusData };

/** Calls `onMessage` with every message of the run list socket while the component is mounted. */
export function useRunUpdates(onMessage: (message: RunListMessage) => void): void {
  const handler = useRef(onMessage);
  handler.current = onMessage;
  useEffect(() => {
    const handle = openStream<RunListMessage>(() => wsUrl("/ws/runs/"), {
      onMessage: (m) => handler.current(m),
      onRefused: (code) => {
        if (code === CLOSE_UNAUTHENTICATED) window.location.assign(loginUrl(window.location.pathname));
      },
    });
    return () => handle.close();
  }, []);
}
