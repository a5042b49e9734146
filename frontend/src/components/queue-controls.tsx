/**
 * A queued run's controls: hold or release it, move it up or down (priority ±1), cancel it. The server
 * answers 409 for a run that left the queue meanwhile; its message is shown as it is. The new places
 * come back as status messages on the run list socket.
 */
import { memo, useState } from "react";
import { api, ApiError } from "@/lib/api";
import type { RunSummary } from "@/lib/run-types";

export interface QueueControlsProps {
  run: Pick<RunSummary, "id" | "held" | "priority">;
  onError(message: string): void;
}

function QueueControlsView({ run, onError }: QueueControlsProps) {
  const [busy, setBusy] = useState(false);
  const act = (what: string, call: () => Promise<unknown>) => async () => {
    setBusy(true);
    try {
      await call();
    } catch (e) {
      onError(`Could not ${what} #${run.id}: ${e instanceof ApiError ? e.message : String(e)}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <span className="queue-controls" data-testid={`queue-controls-${run.id}`}>
      {run.held ? (
        <button type="button" className="small" disabled={busy} onClick={act("release", () => api.releaseRun(run.id))} data-testid={`run-release-${run.id}`} title="Let a worker take it again, at its place">
          Release
        </button>
      ) : (
        <button type="button" className="small" disabled={busy} onClick={act("hold", () => api.holdRun(run.id))} data-testid={`run-hold-${run.id}`} title="Keep workers from taking it">
          Hold
        </button>
      )}
      <span className="priority" title="Priority: workers take higher first, then the oldest">
        <button type="button" className="small ghost" disabled={busy} onClick={act("move up", () => api.setRunPriority(run.id, run.priority + 1))} aria-label={`Raise the priority of run ${run.id}`} data-testid={`run-priority-up-${run.id}`}>
          ▲
        </button>
        <span className="priority-value" data-testid={`run-priority-${run.id}`}>
          {run.priority}
        </span>
        <button type="button" className="small ghost" disabled={busy} onClick={act("move down", () => api.setRunPriority(run.id, run.priority - 1))} aria-label={`Lower the priority of run ${run.id}`} data-testid={`run-priority-down-${run.id}`}>
          ▼
        </button>
      </span>
      <button type="button" className="small" disabled={busy} onClick={act("cancel", () => api.stopRun(run.id))} data-testid={`run-cancel-${run.id}`} title="Take it out of the queue (it ends stopped)">
        Cancel
      </button>
    </span>
  );
}

export const QueueControls = memo(QueueControlsView);
