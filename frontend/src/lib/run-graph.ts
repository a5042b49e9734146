/**
 * A run's graph as a read-only React Flow picture: the document's nodes where the builder left them
 * (laid out afresh when it left none, or once they are drawn overlapping: a node with 64 unit
 * pictures is taller than the builder's).
 */
import type { Edge, Node } from "@xyflow/react";
import { fromGraphDoc, inHandle, outHandle } from "@/lib/graph";
import type { GraphDoc } from "@/lib/types";

export type RunNodeData = {
  layerType: string;
  /** The catalog's category (for its colour), once the catalog is known. */
  category?: string;
  /** Input and output handles: one per port the run's edges use (an Add's or Concat's several inputs). */
  inPorts: number;
  outPorts: number;
};
export type RunFlowNode = Node<RunNodeData, "run">;

export interface RunFlowGraph {
  nodes: RunFlowNode[];
  edges: Edge[];
  /** Some node had no position: lay it out before showing it. */
  needsLayout: boolean;
}

/** The run's graph document as read-only flow nodes and plain edges. Throws GraphDocError as fromGraphDoc. */
export function runFlowGraph(doc: GraphDoc): RunFlowGraph {
  const loaded = fromGraphDoc(doc);
  const ins = new Map<string, number>();
  const outs = new Map<string, number>();
  for (const e of loaded.edges) {
    ins.set(e.target, Math.max(ins.get(e.target) ?? 1, e.data!.port + 1));
    outs.set(e.source, Math.max(outs.get(e.source) ?? 1, e.data!.sourcePort + 1));
  }
  const nodes: RunFlowNode[] = loaded.nodes.map((n) => ({
    id: n.id,
    type: "run",
    position: n.position,
    data: { layerType: n.data.layerType, inPorts: ins.get(n.id) ?? 1, outPorts: outs.get(n.id) ?? 1 },
  }));
  // Plain edges (no shape labels to compute) between the ports they join.
  const edges: Edge[] = loaded.edges.map((e) => ({
    id: e.id,
    source: e.source,
    target: e.target,
    sourceHandle: outHandle(e.data!.sourcePort),
    targetHandle: inHandle(e.data!.port),
  }));
  return { nodes, edges, needsLayout: loaded.needsLayout };
}

type Box = { id: string; position: { x: number; y: number }; measured?: { width?: number; height?: number } };

/** Whether any two measured nodes overlap (an unmeasured node has no size yet and overlaps nothing). */
export function overlapping(nodes: readonly Box[], gap = 0): boolean {
  const boxes = nodes
    .filter((n) => n.measured?.width && n.measured?.height)
    .map((n) => ({ x0: n.position.x, y0: n.position.y, x1: n.position.x + n.measured!.width!, y1: n.position.y + n.measured!.height! }))
    .sort((a, b) => a.x0 - b.x0);
  for (let i = 0; i < boxes.length; i++) {
    const a = boxes[i]!;
    for (let j = i + 1; j < boxes.length; j++) {
      const b = boxes[j]!;
      if (b.x0 >= a.x1 + gap) break;
      if (a.y0 < b.y1 + gap && b.y0 < a.y1 + gap && a.x0 < b.x1 + gap) return true;
    }
  }
  return false;
}
