import { describe, expect, it } from "vitest";
import { fromGraphDoc } from "@/lib/graph";
import { BIG_GRAPH, DEFAULT_NODE_HEIGHT, DEFAULT_NODE_WIDTH, elkGraph, graphBounds, LAYOUT_SCREEN, layoutPositions, minColumnHeight, viewportFor } from "@/lib/layout";
import type { Position } from "@/lib/types";
import { resnet18Graph } from "@/test/resnet18-graph";

function boxes(positions: Map<string, Position>) {
  return [...positions].map(([id, p]) => ({ id, x: p.x, y: p.y, width: DEFAULT_NODE_WIDTH, height: DEFAULT_NODE_HEIGHT }));
}

function overlapping(list: ReturnType<typeof boxes>): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i < list.length; i++) {
    for (let j = i + 1; j < list.length; j++) {
      const a = list[i]!;
      const b = list[j]!;
      if (a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height) out.push([a.id, b.id]);
    }
  }
  return out;
}

describe("auto-layout", () => {
  it("puts every node below the ones that feed it", async () => {
    const pos = await layoutPositions({
      nodes: [{ id: "x" }, { id: "a" }, { id: "b" }, { id: "add" }],
      edges: [
        { source: "x", target: "a" },
        { source: "x", target: "b" },
        { source: "a", target: "add", data: { port: 0 } },
        { source: "b", target: "add", data: { port: 1 } },
      ],
    });
    expect(pos.get("a")!.y).toBeGreaterThan(pos.get("x")!.y);
    expect(pos.get("add")!.y).toBeGreaterThan(pos.get("b")!.y);
    expect(pos.get("a")!.y).toBe(pos.get("b")!.y);
    // Side by side, not overlapping, and input 0's source on the left as the handles are drawn.
    expect(pos.get("b")!.x - pos.get("a")!.x).toBeGreaterThanOrEqual(200);
  });

  it("keeps a short chain in one column", async () => {
    const ids = ["x", "fc1", "act", "fc2", "y"];
    const pos = await layoutPositions({ nodes: ids.map((id) => ({ id })), edges: ids.slice(1).map((id, i) => ({ source: ids[i]!, target: id })) });
    expect(new Set(ids.map((id) => pos.get(id)!.x)).size).toBe(1);
    const ys = ids.map((id) => pos.get(id)!.y);
    expect([...ys].sort((a, b) => a - b)).toEqual(ys);
  });

  it("wraps an expanded ResNet-18 into columns that a screen shows whole, without overlaps", async () => {
    const graph = fromGraphDoc(resnet18Graph);
    expect(graph.nodes).toHaveLength(71);
    const pos = await layoutPositions(graph);
    expect(pos.size).toBe(71);
    const laid = boxes(pos);
    expect(overlapping(laid)).toEqual([]);
    const bounds = graphBounds(graph.nodes.map((n) => ({ position: pos.get(n.id)! })))!;
    const aspect = bounds.width / bounds.height;
    expect(aspect).toBeGreaterThan(0.4);
    expect(aspect).toBeLessThan(3);
    // In one column, some 60 layers tall, Fit in a laptop's pane needed a zoom below 0.1 (a node 8 px
    // tall); wrapped into columns, more than a third.
    const { zoom } = viewportFor(bounds, LAYOUT_SCREEN.width, LAYOUT_SCREEN.height);
    expect(zoom).toBeGreaterThanOrEqual(0.35);
    // Within a column the data still flows down: the stem is in order.
    const stem = ["x", "conv1", "bn1", "relu", "maxpool"].map((id) => pos.get(id)!);
    expect(stem.every((p, i) => i === 0 || (p.y > stem[i - 1]!.y && p.x === stem[0]!.x))).toBe(true);
  });

  it("lays out nothing for no nodes and ignores edges to nodes it was not given", async () => {
    expect((await layoutPositions({ nodes: [], edges: [] })).size).toBe(0);
    const pos = await layoutPositions({ nodes: [{ id: "a" }], edges: [{ source: "a", target: "gone" }] });
    expect([...pos.keys()]).toEqual(["a"]);
  });
});

describe("layout direction", () => {
  it("runs left to right with inputs on the west side and outputs on the east", () => {
    const g = elkGraph({ nodes: [{ id: "a" }, { id: "b" }], edges: [{ source: "a", target: "b" }] }, null, "RIGHT");
    expect(g.layoutOptions!["elk.direction"]).toBe("RIGHT");
    expect(g.children!.map((c) => c.ports!.map((p) => [p.id, p.layoutOptions!["elk.port.side"]]))).toEqual([
      [["a:out:0", "EAST"]],
      [["b:in:0", "WEST"]],
    ]);
    expect(g.edges).toEqual([{ id: ":e0", sources: ["a:out:0"], targets: ["b:in:0"] }]);
    const down = elkGraph({ nodes: [{ id: "a" }, { id: "b" }], edges: [{ source: "a", target: "b" }] });
    expect(down.layoutOptions!["elk.direction"]).toBe("DOWN");
    expect(down.children![1]!.ports![0]!.layoutOptions!["elk.port.side"]).toBe("NORTH");
  });

  it("places a big graph's nodes the simple way, a small one's by ELK's default", () => {
    const nodes = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `n${i}` }));
    expect(BIG_GRAPH).toBe(250);
    expect(elkGraph({ nodes: nodes(249), edges: [] }).layoutOptions!["elk.layered.nodePlacement.strategy"]).toBeUndefined();
    expect(elkGraph({ nodes: nodes(250), edges: [] }).layoutOptions!["elk.layered.nodePlacement.strategy"]).toBe("SIMPLE");
  });

  it("puts a short chain in one row, left to right", async () => {
    const ids = ["x", "fc", "act", "y"];
    const input = { nodes: ids.map((id) => ({ id })), edges: ids.slice(1).map((id, i) => ({ source: ids[i]!, target: id })) };
    const pos = await layoutPositions(input, { direction: "RIGHT" });
    expect(new Set(ids.map((id) => pos.get(id)!.y)).size).toBe(1);
    expect(ids.map((id) => pos.get(id)!.x)).toEqual([20, 20 + 240, 20 + 480, 20 + 720]);
  });

  it("counts a row's least width from the narrowest node", () => {
    const input = { nodes: [{ id: "a", width: 150 }, { id: "b" }], edges: [{ source: "a", target: "b" }] };
    expect(minColumnHeight(input, "RIGHT")).toBe(2 * 150 + 40 + 40);
    expect(minColumnHeight(input)).toBe(2 * DEFAULT_NODE_HEIGHT + 40 + 40);
  });
});

describe("fitting the view", () => {
  it("bounds nodes with measured or default sizes", () => {
    expect(graphBounds([])).toBeNull();
    expect(
      graphBounds([
        { position: { x: 0, y: 0 }, measured: { width: 100, height: 50 } },
        { position: { x: 200, y: 300 } },
      ]),
    ).toEqual({ x: 0, y: 0, width: 400, height: 300 + DEFAULT_NODE_HEIGHT });
  });

  it("centres a small graph at no more than 100%", () => {
    expect(viewportFor({ x: 0, y: 0, width: 200, height: 100 }, 1000, 800)).toEqual({ x: 400, y: 350, zoom: 1 });
  });

  it("zooms out to fit a larger graph", () => {
    const vp = viewportFor({ x: 0, y: 0, width: 1840, height: 400 }, 1000, 800);
    expect(vp.zoom).toBeCloseTo(0.5);
  });

  it("keeps a tall graph readable and shows its top", () => {
    const vp = viewportFor({ x: 0, y: 100, width: 200, height: 5000 }, 1000, 800, { minZoom: 0.6 });
    expect(vp.zoom).toBe(0.6);
    expect(vp.y).toBeCloseTo(40 - 100 * 0.6);
    expect(vp.x).toBeCloseTo(500 - 100 * 0.6);
  });
});

describe("minColumnHeight", () => {
  it("counts the longest path's layers, not the nodes beside it", () => {
    const input = {
      nodes: [{ id: "x" }, { id: "a" }, { id: "b" }, { id: "add" }],
      edges: [
        { source: "x", target: "a" },
        { source: "x", target: "b" },
        { source: "a", target: "add" },
        { source: "b", target: "add" },
      ],
    };
    // Three layers of 80 px, two gaps of 40, 20 px padding above and below.
    expect(minColumnHeight(input)).toBe(3 * DEFAULT_NODE_HEIGHT + 2 * 40 + 40);
  });

  it("is never more than ELK's single column", async () => {
    const nodes = Array.from({ length: 12 }, (_, i) => ({ id: `n${i}` }));
    const edges = nodes.slice(1).map((n, i) => ({ source: nodes[i]!.id, target: n.id }));
    const pos = await layoutPositions({ nodes, edges }, { screen: { width: 100000, height: 100000 } });
    const ys = [...pos.values()].map((p) => p.y);
    expect(minColumnHeight({ nodes, edges })).toBeLessThanOrEqual(Math.max(...ys) + DEFAULT_NODE_HEIGHT + 20);
    expect(minColumnHeight({ nodes, edges })).toBe(12 * 80 + 11 * 40 + 40);
  });
});
