/** Indexes over a validation answer that the canvas and inspector read. */
import type { GraphError, ValidationResult } from "@/lib/types";

export interface ErrorIndex {
  /** Errors per node id. */
  byNode: Record<string, GraphError[]>;
  /** Errors that name no node (or a node not on the canvas). */
  general: GraphError[];
  /** Warnings per node id: settings that are legal but do nothing (validate's `warnings`, in the errors' form). */
  warningsByNode: Record<string, GraphError[]>;
}

export function indexErrors(result: ValidationResult | null, nodeIds: ReadonlySet<string>): ErrorIndex {
  const byNode: Record<string, GraphError[]> = {};
  const general: GraphError[] = [];
  for (const err of result?.errors ?? []) {
    if (err.node && nodeIds.has(err.node)) (byNode[err.node] ??= []).push(err);
    else general.push(err);
  }
  const warningsByNode: Record<string, GraphError[]> = {};
  for (const warning of result?.warnings ?? []) {
    if (warning.node && nodeIds.has(warning.node)) (warningsByNode[warning.node] ??= []).push(warning);
  }
  return { byNode, general, warningsByNode };
}

/** The shape an edge carries: output `sourcePort` of its source node. */
export function edgeShape(result: ValidationResult | null, source: string, sourcePort: number): number[] | null {
  const report = result?.nodes[source];
  if (!report) return null;
  const shapes = report.shapes ?? [];
  return shapes[sourcePort] ?? (sourcePort === 0 ? report.shape : null) ?? null;
}
