import { describe, expect, it } from "vitest";
import {
  checkConnection,
  copySelection,
  fromGraphDoc,
  GraphDocError,
  idPrefix,
  inputPortCount,
  isValidNodeId,
  makeEdge,
  makeLayerNode,
  nextNodeId,
  outputPortCount,
  pasteCopies,
  reaches,
  removeElements,
  toGraphDoc,
  type Snapshot,
} from "@/lib/graph";
import { catalog } from "@/test/fixtures";

const spec = (type: string) => catalog.layers.find((l) => l.type === type);

function chain(): Snapshot {
  return {
    nodes: [
      makeLayerNode("x", "Input", { x: 0, y: 0 }, { shape: [784] }),
      makeLayerNode("fc1", "Linear", { x: 0, y: 100 }, { out_features: 128 }),
      makeLayerNode("act", "ReLU", { x: 0, y: 200 }),
      makeLayerNode("add_1", "Add", { x: 0, y: 300 }),
    ],
    edges: [makeEdge("x", 0, "fc1", 0), makeEdge("fc1", 0, "act", 0)],
  };
}

describe("node ids", () => {
  it("derives python-identifier prefixes from layer types", () => {
    expect(idPrefix("Conv2d")).toBe("conv2d");
    expect(idPrefix("BatchNorm2d")).toBe("batchnorm2d");
    expect(idPrefix("2dThing")).toBe("n_2dthing");
    expect(idPrefix("Multi-Head Attn")).toBe("multi_head_attn");
  });

  it("numbers ids past the highest one taken", () => {
    expect(nextNodeId("Linear", [])).toBe("linear_1");
    expect(nextNodeId("Linear", ["linear_1", "linear_2", "conv2d_7"])).toBe("linear_3");
    expect(nextNodeId("Linear", ["linear_5"])).toBe("linear_6");
    expect(nextNodeId("Conv2d", ["linear_1"])).toBe("conv2d_1");
  });

  it("only generates ids the compiler accepts", () => {
    for (const t of ["Linear", "2d", "Conv2d", "___", "Ä"]) expect(isValidNodeId(nextNodeId(t, []))).toBe(true);
    expect(isValidNodeId("1abc")).toBe(false);
    expect(isValidNodeId("a-b")).toBe(false);
  });
});

describe("netbuilder.graph/1 round trip", () => {
  it("writes nodes with params and positions and edges with ports", () => {
    const snap = chain();
    snap.edges.push(makeEdge("act", 0, "add_1", 1));
    const doc = toGraphDoc("Net", snap);
    expect(doc.format).toBe("netbuilder.graph/1");
    expect(doc.name).toBe("Net");
    expect(doc.nodes[1]).toEqual({ id: "fc1", type: "Linear", params: { out_features: 128 }, position: { x: 0, y: 100 } });
    expect(doc.edges[2]).toEqual({ source: "act", target: "add_1", port: 1, source_port: 0 });
  });

  it("reads back the same graph, keeping unknown keys", () => {
    const doc = { ...toGraphDoc("Net", chain()), inputs: { note: "kept" } };
    doc.nodes[0] = { ...doc.nodes[0]!, comment: "the input" };
    const loaded = fromGraphDoc(JSON.parse(JSON.stringify(doc)));
    expect(loaded.needsLayout).toBe(false);
    expect(loaded.nodes.map((n) => n.id)).toEqual(["x", "fc1", "act", "add_1"]);
    expect(loaded.edges.map((e) => [e.source, e.target, e.data?.port])).toEqual([
      ["x", "fc1", 0],
      ["fc1", "act", 0],
    ]);
    expect(toGraphDoc(loaded.name, loaded, loaded.extras)).toEqual(doc);
  });

  it("defaults missing ports to 0 and asks for a layout when positions are missing", () => {
    const loaded = fromGraphDoc({
      format: "netbuilder.graph/1",
      name: "MyNetwork",
      nodes: [
        { id: "x", type: "Input", params: { shape: [784] } },
        { id: "y", type: "Output" },
      ],
      edges: [{ source: "x", target: "y" }],
    });
    expect(loaded.needsLayout).toBe(true);
    expect(loaded.edges[0]?.data).toEqual({ port: 0, sourcePort: 0 });
    expect(loaded.nodes[1]?.data.params).toEqual({});
  });

  it("rejects documents that are not graphs with a readable reason", () => {
    expect(() => fromGraphDoc([])).toThrow(GraphDocError);
    expect(() => fromGraphDoc({ format: "other" })).toThrow(/netbuilder.graph\/1/);
    expect(() => fromGraphDoc({ format: "netbuilder.graph/1", nodes: [] })).toThrow(/nodes.*edges/);
    expect(() =>
      fromGraphDoc({ format: "netbuilder.graph/1", nodes: [{ id: "a", type: "ReLU" }, { id: "a", type: "ReLU" }], edges: [] }),
    ).toThrow(/a appears twice/);
  });
});

describe("connection rules", () => {
  const snap = chain();
  const check = (source: string, target: string, port = 0, sourcePort = 0, s: Snapshot = snap) =>
    checkConnection({ source, target, sourceHandle: `out-${sourcePort}`, targetHandle: `in-${port}` }, s.nodes, s.edges, catalog);

  it("accepts a fresh edge into a free port", () => {
    expect(check("act", "add_1", 0)).toEqual({ ok: true });
  });

  it("refuses a cycle and names it", () => {
    const s: Snapshot = {
      nodes: [...snap.nodes, makeLayerNode("add_2", "Add", { x: 0, y: 400 })],
      edges: [...snap.edges, makeEdge("act", 0, "add_1", 0), makeEdge("add_1", 0, "add_2", 0)],
    };
    expect(check("add_2", "add_1", 1, 0, s)).toEqual({ ok: false, reason: "That would make a cycle: add_1 already feeds add_2." });
  });

  it("refuses a self loop", () => {
    expect(check("act", "act")).toMatchObject({ ok: false, reason: expect.stringMatching(/itself/) });
  });

  it("refuses a second edge into a single-input port", () => {
    const r = check("x", "act");
    expect(r).toEqual({ ok: false, reason: "Input 0 of act already takes fc1; an input port takes one edge." });
  });

  it("refuses any input to an Input node", () => {
    expect(check("act", "x")).toEqual({ ok: false, reason: "Input takes no input." });
  });

  it("refuses a port past a fixed-arity node's inputs", () => {
    const s: Snapshot = { nodes: [...snap.nodes, makeLayerNode("bil", "Bilinear", { x: 0, y: 0 })], edges: snap.edges };
    expect(check("act", "bil", 2, 0, s)).toEqual({ ok: false, reason: "Bilinear has only 2 inputs." });
    expect(check("act", "bil", 1, 0, s)).toEqual({ ok: true });
  });

  it("finds reachability through the edge list", () => {
    expect(reaches(snap.edges, "x", "act")).toBe(true);
    expect(reaches(snap.edges, "act", "x")).toBe(false);
  });
});

describe("ports", () => {
  it("shows fixed ports for fixed-arity nodes", () => {
    expect(inputPortCount(spec("Linear"), [])).toBe(1);
    expect(inputPortCount(spec("Bilinear"), [])).toBe(2);
    expect(inputPortCount(spec("Input"), [])).toBe(0);
  });

  it("shows as many outputs as the server reports when the count depends on params", () => {
    const split = { ...spec("Split")!, outputs: null };
    expect(outputPortCount(spec("Linear"), 0, [])).toBe(1);
    expect(outputPortCount(spec("Output"), 0, [])).toBe(0);
    expect(outputPortCount(split, 0, [])).toBe(1);
    expect(outputPortCount(split, 3, [])).toBe(3);
    expect(outputPortCount(split, 2, [3])).toBe(4);
  });

  it("keeps one free port on variadic nodes", () => {
    expect(inputPortCount(spec("Add"), [])).toBe(2);
    expect(inputPortCount(spec("Add"), [1])).toBe(3);
    expect(inputPortCount(spec("Add"), [4])).toBe(6);
  });
});

describe("clipboard", () => {
  it("copies selected nodes with their inner edges and pastes them under fresh ids", () => {
    const snap = chain();
    snap.nodes = snap.nodes.map((n) => (n.id === "fc1" || n.id === "act" ? { ...n, selected: true } : n));
    const clip = copySelection(snap);
    expect(clip?.nodes.map((n) => n.id)).toEqual(["fc1", "act"]);
    expect(clip?.edges.map((e) => e.id)).toEqual(["e_fc1_0__act_0"]);
    const pasted = pasteCopies(clip!, snap.nodes.map((n) => n.id), { x: 40, y: 40 });
    expect(pasted.nodes.map((n) => n.id)).toEqual(["linear_1", "relu_1"]);
    expect(pasted.nodes[0]?.position).toEqual({ x: 40, y: 140 });
    expect(pasted.nodes[0]?.data.params).toEqual({ out_features: 128 });
    expect(pasted.nodes[0]?.data.params).not.toBe(clip!.nodes[0]?.data.params);
    expect(pasted.edges.map((e) => [e.source, e.target])).toEqual([["linear_1", "relu_1"]]);
  });

  it("copies nothing when nothing is selected", () => {
    expect(copySelection(chain())).toBeNull();
  });

  it("removes nodes together with the edges that touch them", () => {
    const out = removeElements(chain(), new Set(["fc1"]), new Set());
    expect(out.nodes.map((n) => n.id)).toEqual(["x", "act", "add_1"]);
    expect(out.edges).toEqual([]);
  });
});

describe("fine-tuning keys", () => {
  const doc = (node: Record<string, unknown>) => ({
    format: "netbuilder.graph/1",
    name: "ft",
    nodes: [{ id: "fc1", type: "Linear", params: { out_features: 10 }, position: { x: 0, y: 0 }, ...node }],
    edges: [],
  });

  it("reads trainable and lr_mult as node data, not params, and writes them back at node level", () => {
    const loaded = fromGraphDoc(doc({ trainable: false, lr_mult: 0.1, note: "kept" }));
    const data = loaded.nodes[0]?.data;
    expect(data).toMatchObject({ trainable: false, lrMult: 0.1, params: { out_features: 10 }, extra: { note: "kept" } });
    const back = toGraphDoc("ft", loaded).nodes[0];
    expect(back).toEqual({ id: "fc1", type: "Linear", params: { out_features: 10 }, trainable: false, lr_mult: 0.1, note: "kept", position: { x: 0, y: 0 } });
  });

  it("leaves the defaults out of the document", () => {
    const loaded = fromGraphDoc(doc({ trainable: true, lr_mult: 1 }));
    expect(loaded.nodes[0]?.data.trainable).toBeUndefined();
    expect(loaded.nodes[0]?.data.lrMult).toBeUndefined();
    expect(Object.keys(toGraphDoc("ft", loaded).nodes[0] ?? {})).toEqual(["id", "type", "params", "position"]);
  });

  it("passes ill-typed values through unchanged so the server can name them", () => {
    const loaded = fromGraphDoc(doc({ trainable: "no", lr_mult: "fast" }));
    expect(loaded.nodes[0]?.data.trainable).toBeUndefined();
    expect(toGraphDoc("ft", loaded).nodes[0]).toMatchObject({ trainable: "no", lr_mult: "fast" });
  });

  it("keeps them on copies", () => {
    const loaded = fromGraphDoc(doc({ trainable: false, lr_mult: 2 }));
    const clip = copySelection({ nodes: loaded.nodes.map((n) => ({ ...n, selected: true })), edges: [] });
    const pasted = pasteCopies(clip as Snapshot, ["fc1"], { x: 10, y: 10 });
    expect(pasted.nodes[0]?.data).toMatchObject({ trainable: false, lrMult: 2 });
  });
});
