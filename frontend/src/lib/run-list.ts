/** The run list kept current from `status` messages, whose data is the run's whole summary. */
import { isActive, type RunSummary } from "@/lib/run-types";

/**
 * The list with `summary` in place of its row (or added first, for a run new to the list). A late
 * message never takes an ended run back to queued or running.
 */
export function applyStatus(rows: readonly RunSummary[], summary: RunSummary): RunSummary[] {
  const current = rows.find((r) => r.id === summary.id);
  if (!current) return [summary, ...rows];
  if (!isActive(current.status) && isActive(summary.status)) return [...rows];
  return rows.map((r) => (r.id === summary.id ? summary : r));
}
