/**
 * A continued run's curves drawn from its start: the parent's stored events (GET /api/runs/{parent}/
 * metrics) folded in before the child's own. The child's steps and epochs are numbered on from the
 * parent's, so the parent's points sit below the child's and fill the history as a backfill does;
 * the parent's log and final message stay the parent's.
 */
import { backfill, type RunSeries } from "@/lib/run-series";
import type { StreamMessage } from "@/lib/run-types";

/** The part of a continued run's curves that its parent drew. */
export interface ParentPart {
  run: number;
  /** The parent's first and last epochs (null when it stored none). */
  firstEpoch: number | null;
  lastEpoch: number | null;
  /** The parent's last step: the child's curves go on from there. */
  lastStep: number;
}

/** What the parent contributed: its epochs and its last step, from its stored events. */
export function parentPart(run: number, events: readonly StreamMessage[]): ParentPart {
  let firstEpoch: number | null = null;
  let lastEpoch: number | null = null;
  let lastStep = 0;
  for (const e of events) {
    if (e.type === "epoch") {
      firstEpoch = firstEpoch === null ? e.data.epoch : Math.min(firstEpoch, e.data.epoch);
      lastEpoch = lastEpoch === null ? e.data.epoch : Math.max(lastEpoch, e.data.epoch);
      lastStep = Math.max(lastStep, e.data.step);
    } else if (e.type === "metrics") {
      for (const p of e.data.points) lastStep = Math.max(lastStep, p.step);
    }
  }
  return { run, firstEpoch, lastEpoch, lastStep };
}

/**
 * Folds the parent's metrics points and epochs into the child's series, before the child's own (at
 * or below its steps, whichever came first); returns what the parent contributed, and whether the
 * series changed (its `version` is bumped then). Points and epochs the series has are left alone.
 */
export function foldParent(series: RunSeries, run: number, events: readonly StreamMessage[]): { part: ParentPart; changed: boolean } {
  const curves = events.filter((e) => e.type === "metrics" || e.type === "epoch");
  return { part: parentPart(run, curves), changed: backfill(series, curves) };
}

/** "epochs 1–2", "epoch 3", or "" when the parent stored no epoch. */
export function epochRange(part: Pick<ParentPart, "firstEpoch" | "lastEpoch">): string {
  if (part.firstEpoch === null || part.lastEpoch === null) return "";
  return part.firstEpoch === part.lastEpoch ? `epoch ${part.firstEpoch}` : `epochs ${part.firstEpoch}–${part.lastEpoch}`;
}
