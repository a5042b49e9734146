/**
 * Wire types of sweeps (docs/api.md "Sweeps"), from the generated api-types.ts; the final metrics and
 * the graph are typed as the run types type them (the schema leaves both open objects).
 */
import type { FinalMetrics } from "@/lib/run-types";
import type { GraphDoc, Schemas } from "@/lib/types";

export type SweepSummary = Schemas["SweepSummary"];
/** `POST /api/sweeps/check`'s answer: the runs the sweep would queue, each checked by the server. */
export type SweepPlan = Schemas["SweepPlanOut"];

/** One run of a sweep: its summary, its resolved config, and its graph's parameters and FLOPs. */
export type SweepRun = Omit<Schemas["SweepRun"], "final_metrics"> & { final_metrics: FinalMetrics };

export type SweepDetail = Omit<Schemas["SweepDetail"], "runs"> & { runs: SweepRun[] };

/** A range of one option to sample: `log` draws uniformly in log space (min > 0). */
export interface SampleRange {
  min: number;
  max: number;
  log?: boolean;
}

export interface RandomSpace {
  samples: number;
  seed?: number;
  space: Record<string, SampleRange>;
}

export type SweepRequest = Omit<Schemas["SweepIn"], "graph" | "random"> & { graph?: GraphDoc; random?: RandomSpace | null };
