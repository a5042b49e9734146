import { describe, expect, it } from "vitest";
import { overlapping, runFlowGraph } from "@/lib/run-graph";
import type { GraphDoc } from "@/lib/types";

const doc = (positions: boolean): GraphDoc => ({
  format: "netbuilder.graph/1",
  name: "P",
  nodes: [
    { id: "x", type: "Input", params: { shape: [2] }, ...(positions ? { position: { x: 0, y: 0 } } : {}) },
    { id: "fc1", type: "Linear", params: { out_features: 8 }, ...(positions ? { position: { x: 0, y: 120 } } : {}) },
  ],
  edges: [{ source: "x", target: "fc1" }],
});

describe("a run's graph as a read-only picture", () => {
  it("keeps the builder's positions, the node types and the edges", () => {
    const g = runFlowGraph(doc(true));
    expect(g.needsLayout).toBe(false);
    expect(g.nodes.map((n) => [n.id, n.type, n.data.layerType, n.position.y])).toEqual([["x", "run", "Input", 0], ["fc1", "run", "Linear", 120]]);
    expect(g.edges.map((e) => [e.source, e.target])).toEqual([["x", "fc1"]]);
    expect(g.edges[0]!.type).toBeUndefined(); // a plain edge: no shape labels to compute
    expect(g.edges[0]!.sourceHandle).toBeUndefined(); // the nodes' one handle a side
  });

  it("asks for a layout when the document has no positions", () => {
    expect(runFlowGraph(doc(false)).needsLayout).toBe(true);
  });

  it("finds nodes drawn over each other, and only measured ones", () => {
    const at = (id: string, y: number, height?: number) => ({ id, position: { x: 0, y }, measured: height ? { width: 200, height } : undefined });
    expect(overlapping([at("a", 0, 100), at("b", 120, 100)])).toBe(false);
    expect(overlapping([at("a", 0, 180), at("b", 120, 100)])).toBe(true);
    expect(overlapping([at("a", 0), at("b", 10)])).toBe(false);
    expect(overlapping([at("a", 0, 100), { id: "b", position: { x: 300, y: 0 }, measured: { width: 200, height: 100 } }])).toBe(false);
  });
});
