/**
 * What a failed run says went wrong, and where. A failure inside the model names the graph node it
 * came from and that node's layer type: the final `failed` message's `node` and `layer` (docs/api.md,
 * "Run stream"), or the run's own where the server puts them there.
 */
import type { FinalData, RunDetail } from "@/lib/run-types";

export interface RunFailure {
  message: string;
  /** The graph node at fault; null when the failure was not inside the model (a dataset, the worker). */
  node: string | null;
  layer: string | null;
}

function text(source: object | null | undefined, key: string): string | null {
  const value = source ? (source as Record<string, unknown>)[key] : undefined;
  return typeof value === "string" && value ? value : null;
}

/** The run's failure, or null when it has not failed. The stream's final word wins over the run's detail. */
export function runFailure(final: ({ type: string } & FinalData) | null, run: RunDetail | null): RunFailure | null {
  const failed = final ? final.status === "failed" || final.type === "failed" : run?.status === "failed";
  if (!failed) return null;
  return {
    message: text(final, "message") ?? text(run, "error") ?? "",
    node: text(final, "node") ?? text(run, "node"),
    layer: text(final, "layer") ?? text(run, "layer"),
  };
}

/** Where the failure was, for a person: "node lin2 (Linear)"; null when no node is named. */
export function failurePlace(failure: RunFailure): string | null {
  if (!failure.node) return null;
  return `node ${failure.node}${failure.layer ? ` (${failure.layer})` : ""}`;
}

/** The builder's address that opens with `node` selected and in view. */
export function builderNodeUrl(node: string): string {
  return `/?${new URLSearchParams({ node }).toString()}`;
}

/** The node a builder address asks to show (`?node=`), or null. */
export function nodeInUrl(search: string): string | null {
  return new URLSearchParams(search).get("node") || null;
}
