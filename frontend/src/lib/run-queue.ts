/** How a queued run waits, as the server reports it (`queue_position`, `held`, `priority`). */
import type { RunSummary } from "@/lib/run-types";

type Queued = Pick<RunSummary, "status" | "held" | "queue_position">;

/** "#2 in queue", "held", or null for a run that is not queued. */
export function queueLabel(run: Queued): string | null {
  if (run.status !== "queued") return null;
  if (run.held) return "held";
  return run.queue_position !== null ? `#${run.queue_position} in queue` : "queued";
}

/** Runs that can be held, released and moved: the queued ones (the server answers 409 for the rest). */
export function inQueue(run: Pick<RunSummary, "status">): boolean {
  return run.status === "queued";
}
