/**
 * The Train dialog's live check: the request it would submit goes to `POST /api/runs/check`, and the
 * server's answer (the same checks and messages as a submit) is what the dialog shows. No client copy
 * of the server's rules: an older answer never replaces a newer one.
 */
import { ApiError } from "@/lib/api";
import type { RunPlan } from "@/lib/run-types";
import type { GraphError } from "@/lib/types";

/** A live server check's state: `plan` is the server's 200 answer (a run's plan, a sweep's runs). */
export type Check<P> =
  | { state: "checking"; seq: number }
  | { state: "ok"; seq: number; plan: P }
  | { state: "refused"; seq: number; message: string; errors: GraphError[] };

export type RunCheck = Check<RunPlan>;

export function checkFromError<P = RunPlan>(seq: number, e: unknown): Check<P> {
  if (e instanceof ApiError) return { state: "refused", seq, message: e.message, errors: e.errors };
  return { state: "refused", seq, message: e instanceof Error ? e.message : String(e), errors: [] };
}

/** Keep the newest answer: one for an older request (a lower seq) is dropped. */
export function newerCheck<P>(current: Check<P> | null, next: Check<P>): Check<P> {
  return current && current.seq > next.seq ? current : next;
}

/** The server's errors keyed by form field (`config.lr` → `lr`, `dataset_options.size` → `size`). */
export function fieldErrors(errors: readonly GraphError[]): { config: Record<string, string>; dataset: Record<string, string> } {
  const out = { config: {} as Record<string, string>, dataset: {} as Record<string, string> };
  for (const e of errors) {
    const f = e.field ?? "";
    if (f.startsWith("config.")) out.config[f.slice(7)] = e.message;
    else if (f.startsWith("dataset_options.")) out.dataset[f.slice(16)] = e.message;
  }
  return out;
}

const fmt = (shape: readonly number[]) => `(${shape.join(", ")})`;

/** One line saying what the run will train, from the server's plan. */
export function planSummary(plan: RunPlan): string {
  const title = plan.dataset.title ?? plan.dataset.name;
  const loss = plan.loss ? `${plan.loss}, ` : "";
  // a big dataset is checked by its facts; the run's own process decodes it (and may still refuse it)
  const later = plan.dataset.decoded === false ? "; the data is loaded when the run starts" : "";
  return `Ready: ${title} ${fmt(plan.dataset.input_shape)} → '${plan.output.node}' ${fmt(plan.output.shape)}, ${loss}${String(plan.config.epochs ?? "?")} epochs${later}`;
}
