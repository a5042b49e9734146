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
    expect([g.edges[0]!.sourceHandle, g.edges[0]!.targetHandle]).toEqual(["out-0", "in-0"]);
    expect(g.nodes.map((n) => [n.data.inPorts, n.data.outPorts])).toEqual([[1, 1], [1, 1]]);
  });

  it("gives an Add a handle per input port and a Split one per output, each edge joining its ports", () => {
    const g = runFlowGraph({
      format: "netbuilder.graph/1",
      name: "R",
      nodes: [
        { id: "x", type: "Input", params: { shape: [4] } },
        { id: "halves", type: "Split", params: { sizes: [2, 2], dim: 1 } },
        { id: "add", type: "Add" },
        { id: "y", type: "Output" },
      ],
      edges: [
        { source: "x", target: "halves" },
        { source: "halves", target: "add", source_port: 0 },
        { source: "halves", target: "add", source_port: 1, port: 1 },
        { source: "add", target: "y" },
      ],
    });
    const ports = Object.fromEntries(g.nodes.map((n) => [n.id, [n.data.inPorts, n.data.outPorts]]));
    expect(ports).toEqual({ x: [1, 1], halves: [1, 2], add: [2, 1], y: [1, 1] });
    expect(g.edges.map((e) => `${e.source}:${e.sourceHandle}->${e.target}:${e.targetHandle}`)).toEqual([
      "x:out-0->halves:in-0",
      "halves:out-0->add:in-0",
      "halves:out-1->add:in-1",
      "add:out-0->y:in-0",
    ]);
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
