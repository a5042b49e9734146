import { beforeEach, describe, expect, it } from "vitest";
import type { StoreApi } from "zustand/vanilla";
import { fromGraphDoc, makeEdge, makeLayerNode, toGraphDoc } from "@/lib/graph";
import { createBuilderStore, selectCanUndo, selectInitWeights, type BuilderStore } from "@/store/builder-store";
import { catalog, validation } from "@/test/fixtures";

let store: StoreApi<BuilderStore>;
const s = () => store.getState();
const doc = () => toGraphDoc(s().name, { nodes: s().nodes, edges: s().edges }, s().extras);
const docNode = (id: string) => doc().nodes.find((n) => n.id === id);

function mlp() {
  const x = s().addNode("Input", { x: 0, y: 0 });
  const fc1 = s().addNode("Linear", { x: 0, y: 100 });
  const fc2 = s().addNode("Linear", { x: 0, y: 200 });
  s().connect({ source: x, target: fc1, sourceHandle: "out-0", targetHandle: "in-0" });
  s().connect({ source: fc1, target: fc2, sourceHandle: "out-0", targetHandle: "in-0" });
  return { x, fc1, fc2 };
}

beforeEach(() => {
  store = createBuilderStore();
  s().setCatalog(catalog);
});

describe("freezing and learning-rate multipliers", () => {
  it("freezes nodes at node level of the document, as one undo step that undo and redo restore", () => {
    const { fc1, fc2 } = mlp();
    const steps = s().past.length;
    const revision = s().revision;
    s().setTrainable([fc1, fc2], false);
    expect(s().past.length).toBe(steps + 1);
    expect(s().revision).toBe(revision + 1);
    expect(docNode(fc1)).toMatchObject({ trainable: false, params: {} });
    expect(docNode(fc2)?.trainable).toBe(false);

    s().undo();
    expect(docNode(fc1)).not.toHaveProperty("trainable");
    s().redo();
    expect(docNode(fc1)?.trainable).toBe(false);

    s().setTrainable([fc1], true);
    expect(docNode(fc1)).not.toHaveProperty("trainable");
    expect(docNode(fc2)?.trainable).toBe(false);
  });

  it("records nothing when the nodes already are as asked", () => {
    const { fc1 } = mlp();
    const steps = s().past.length;
    s().setTrainable([fc1], true);
    s().setLrMult([fc1], 1);
    expect(s().past.length).toBe(steps);
  });

  it("types an lr_mult in one undo step and writes 1 as no key at all", () => {
    const { fc1 } = mlp();
    const steps = s().past.length;
    s().setLrMult([fc1], 0.5);
    s().setLrMult([fc1], 0.1);
    expect(s().past.length).toBe(steps + 1);
    expect(docNode(fc1)?.lr_mult).toBe(0.1);
    expect(docNode(fc1)?.params).toEqual({});
    s().undo();
    expect(docNode(fc1)).not.toHaveProperty("lr_mult");
    s().redo();
    s().setLrMult([fc1], 1);
    expect(docNode(fc1)).not.toHaveProperty("lr_mult");
  });

  it("survives a save and reload of the document", () => {
    const { fc1, fc2 } = mlp();
    s().setTrainable([fc1], false);
    s().setLrMult([fc2], 10);
    const saved = JSON.parse(JSON.stringify(doc()));
    const other = createBuilderStore();
    other.getState().loadGraph(fromGraphDoc(saved));
    const again = toGraphDoc("x", other.getState());
    expect(again.nodes.map((n) => [n.id, n.trainable, n.lr_mult])).toEqual([
      ["input_1", undefined, undefined],
      ["linear_1", false, undefined],
      ["linear_2", undefined, 10],
    ]);
  });
});

describe("replacing the graph (expand)", () => {
  /** What the server answers for an expand: the node's layers in place of it, without positions. */
  function expanded() {
    return fromGraphDoc({
      format: "netbuilder.graph/1",
      name: "ignored",
      nodes: [
        { id: "input_1", type: "Input", params: { shape: [784] }, position: { x: 0, y: 0 } },
        { id: "net_fc1", type: "Linear", params: { out_features: 64 }, trainable: false },
        { id: "net_act", type: "ReLU", trainable: false },
        { id: "net_fc2", type: "Linear", params: { out_features: 10 }, trainable: false },
      ],
      edges: [
        { source: "input_1", target: "net_fc1" },
        { source: "net_fc1", target: "net_act" },
        { source: "net_act", target: "net_fc2" },
      ],
    });
  }

  it("is one undo step, laid out top to bottom, and undo brings the node back", async () => {
    const { x } = mlp();
    s().applyValidation(s().revision, validation({ errors: [{ node: "linear_2", message: "bad" }] }));
    const before = { nodes: s().nodes, edges: s().edges };
    const steps = s().past.length;
    const fit = s().fitRequest;

    await s().replaceGraph(expanded());

    expect(s().past.length).toBe(steps + 1);
    expect(s().nodes.map((n) => n.id)).toEqual([x, "net_fc1", "net_act", "net_fc2"]);
    const ys = s().nodes.map((n) => n.position.y);
    expect([...ys].sort((a, b) => a - b)).toEqual(ys);
    expect(new Set(ys).size).toBe(4);
    expect(s().fitRequest).toBe(fit + 1);
    expect(s().name).toBe("Untitled");
    expect(docNode("net_act")?.trainable).toBe(false);
    // Errors of nodes that are gone no longer mark anything.
    expect(s().errors.byNode).toEqual({});

    s().undo();
    expect(s().nodes).toEqual(before.nodes);
    expect(s().edges).toEqual(before.edges);
    s().redo();
    expect(s().nodes.map((n) => n.id)).toContain("net_fc2");
  });

  it("keeps positions when asked not to lay out", () => {
    s().replaceGraph({ nodes: [makeLayerNode("a", "ReLU", { x: 7, y: 9 })], edges: [] }, { layout: false });
    expect(s().nodes[0]?.position).toEqual({ x: 7, y: 9 });
    expect(selectCanUndo(s())).toBe(true);
  });

  it("lays out edges it is given", async () => {
    await s().replaceGraph({
      nodes: [makeLayerNode("a", "Input", { x: 0, y: 0 }), makeLayerNode("b", "ReLU", { x: 0, y: 0 })],
      edges: [makeEdge("a", 0, "b", 0)],
    });
    const [a, b] = s().nodes;
    expect((b?.position.y ?? 0) > (a?.position.y ?? 0)).toBe(true);
  });
});

describe("weights for the next run", () => {
  it("are attached, read through selectInitWeights, removed, and dropped by another graph", () => {
    expect(selectInitWeights(s())).toBeNull();
    s().attachInitWeights({ id: 4, name: "mlp.pth", tensors: 4 });
    expect(selectInitWeights(s())).toEqual({ id: 4, name: "mlp.pth", tensors: 4 });
    s().detachInitWeights();
    expect(selectInitWeights(s())).toBeNull();

    s().attachInitWeights({ id: 5, name: "b.pth", tensors: 2 });
    mlp();
    s().setTrainable(["linear_1"], false);
    expect(selectInitWeights(s())?.id).toBe(5);
    s().loadGraph(fromGraphDoc({ format: "netbuilder.graph/1", nodes: [], edges: [] }));
    expect(selectInitWeights(s())).toBeNull();
    s().attachInitWeights({ id: 6, name: "c.pth", tensors: 2 });
    s().newGraph();
    expect(selectInitWeights(s())).toBeNull();
  });
});
