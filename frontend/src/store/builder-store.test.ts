import { beforeEach, describe, expect, it } from "vitest";
import type { StoreApi } from "zustand/vanilla";
import { fromGraphDoc, toGraphDoc } from "@/lib/graph";
import { createBuilderStore, selectCanRedo, selectCanUndo, selectIsDirty, selectSelectedNodeId, type BuilderStore } from "@/store/builder-store";
import { catalog, validation } from "@/test/fixtures";

let store: StoreApi<BuilderStore>;
const s = () => store.getState();
const ids = () => s().nodes.map((n) => n.id);
const edgePairs = () => s().edges.map((e) => `${e.source}->${e.target}:${e.data?.port}`);

function mlp() {
  const x = s().addNode("Input", { x: 0, y: 0 });
  const fc = s().addNode("Linear", { x: 0, y: 100 });
  const act = s().addNode("ReLU", { x: 0, y: 200 });
  s().connect({ source: x, target: fc, sourceHandle: "out-0", targetHandle: "in-0" });
  s().connect({ source: fc, target: act, sourceHandle: "out-0", targetHandle: "in-0" });
  return { x, fc, act };
}

beforeEach(() => {
  store = createBuilderStore();
  s().setCatalog(catalog);
});

describe("adding and connecting", () => {
  it("adds nodes with generated ids, catalog defaults, and selects the new one", () => {
    const a = s().addNode("Input", { x: 10, y: 20 });
    const b = s().addNode("Input", { x: 10, y: 120 });
    expect([a, b]).toEqual(["input_1", "input_2"]);
    expect(s().nodes[0]?.data.params).toEqual({ shape: [784] });
    expect(selectSelectedNodeId(s())).toBe("input_2");
  });

  it("connects an output to an input and bumps the revision", () => {
    const before = s().revision;
    mlp();
    expect(edgePairs()).toEqual(["input_1->linear_1:0", "linear_1->relu_1:0"]);
    expect(s().revision).toBeGreaterThan(before);
  });

  it("refuses a cycle with a toast and leaves the graph alone", () => {
    const { fc, act } = mlp();
    const addId = s().addNode("Add", { x: 0, y: 300 });
    s().connect({ source: act, target: addId, sourceHandle: "out-0", targetHandle: "in-0" });
    const edges = s().edges;
    const r = s().connect({ source: addId, target: fc, sourceHandle: "out-0", targetHandle: "in-0" });
    expect(r.ok).toBe(false);
    expect(s().edges).toBe(edges);
    expect(s().toasts.at(-1)).toMatchObject({ kind: "error", message: expect.stringContaining("linear_1") });
  });

  it("refuses a second edge into a single-input port", () => {
    const { x, act } = mlp();
    const r = s().connect({ source: x, target: act, sourceHandle: "out-0", targetHandle: "in-0" });
    expect(r).toEqual({ ok: false, reason: "Input 0 of relu_1 already takes linear_1; an input port takes one edge." });
  });
});

describe("editing", () => {
  it("sets and clears params without touching other nodes", () => {
    const { x, fc } = mlp();
    const inputNode = s().nodes.find((n) => n.id === x);
    s().updateParam(fc, "out_features", 10);
    expect(s().nodes.find((n) => n.id === fc)?.data.params).toEqual({ out_features: 10 });
    expect(s().nodes.find((n) => n.id === x)).toBe(inputNode);
    s().updateParam(fc, "out_features", undefined);
    expect(s().nodes.find((n) => n.id === fc)?.data.params).toEqual({});
  });

  it("renames a node and rewires its edges", () => {
    const { fc } = mlp();
    expect(s().renameNode(fc, "fc1")).toBeNull();
    expect(ids()).toEqual(["input_1", "fc1", "relu_1"]);
    expect(edgePairs()).toEqual(["input_1->fc1:0", "fc1->relu_1:0"]);
    expect(s().renameNode("fc1", "relu_1")).toBe("relu_1 is already taken.");
    expect(s().renameNode("fc1", "9lives")).toMatch(/letters, digits/);
  });

  it("deletes the selection and the edges that touched it", () => {
    const { fc } = mlp();
    s().selectOnly(fc);
    s().deleteSelected();
    expect(ids()).toEqual(["input_1", "relu_1"]);
    expect(s().edges).toEqual([]);
  });
});

describe("undo and redo", () => {
  it("walks back and forth through edits", () => {
    mlp();
    s().updateParam("linear_1", "out_features", 10);
    s().undo();
    expect(s().nodes[1]?.data.params).toEqual({});
    s().undo();
    expect(edgePairs()).toEqual(["input_1->linear_1:0"]);
    s().redo();
    s().redo();
    expect(s().nodes[1]?.data.params).toEqual({ out_features: 10 });
    expect(selectCanRedo(s())).toBe(false);
  });

  it("makes typing in one field a single undo step", () => {
    mlp();
    for (const v of [1, 12, 128]) s().updateParam("linear_1", "out_features", v);
    s().undo();
    expect(s().nodes[1]?.data.params).toEqual({});
  });

  it("makes a whole drag one undo step", () => {
    const id = s().addNode("ReLU", { x: 0, y: 0 });
    const depth = s().past.length;
    s().onNodesChange([{ type: "position", id, position: { x: 5, y: 5 }, dragging: true }]);
    s().onNodesChange([{ type: "position", id, position: { x: 50, y: 60 }, dragging: true }]);
    s().onNodesChange([{ type: "position", id, position: { x: 80, y: 90 }, dragging: false }]);
    expect(s().past.length).toBe(depth + 1);
    expect(s().nodes[0]?.position).toEqual({ x: 80, y: 90 });
    s().undo();
    expect(s().nodes[0]?.position).toEqual({ x: 0, y: 0 });
  });

  it("clears the redo stack on a new edit", () => {
    mlp();
    s().undo();
    expect(selectCanRedo(s())).toBe(true);
    s().addNode("ReLU", { x: 0, y: 0 });
    expect(selectCanRedo(s())).toBe(false);
  });

  it("does not record selection changes", () => {
    mlp();
    const depth = s().past.length;
    s().onNodesChange([{ type: "select", id: "input_1", selected: true }]);
    expect(s().past.length).toBe(depth);
  });
});

describe("clipboard", () => {
  it("pastes copies with fresh ids and their inner edges, selected", () => {
    mlp();
    s().selectAll();
    expect(s().copy()).toBe(3);
    expect(s().paste()).toBe(3);
    expect(ids()).toEqual(["input_1", "linear_1", "relu_1", "input_2", "linear_2", "relu_2"]);
    expect(edgePairs().slice(2)).toEqual(["input_2->linear_2:0", "linear_2->relu_2:0"]);
    expect(s().nodes.filter((n) => n.selected).map((n) => n.id)).toEqual(["input_2", "linear_2", "relu_2"]);
    s().undo();
    expect(ids()).toEqual(["input_1", "linear_1", "relu_1"]);
  });

  it("pastes at the given point", () => {
    const id = s().addNode("ReLU", { x: 100, y: 100 });
    s().selectOnly(id);
    s().copy();
    s().paste({ x: 500, y: 400 });
    expect(s().nodes[1]?.position).toEqual({ x: 500, y: 400 });
  });
});

describe("loading, saving state and validation answers", () => {
  it("loads a graph clean, with no history", () => {
    mlp();
    const doc = toGraphDoc("Saved", { nodes: s().nodes, edges: s().edges });
    s().loadGraph(fromGraphDoc(doc), { architecture: { id: 7, version: 2 } });
    expect(s().name).toBe("Saved");
    expect(selectIsDirty(s())).toBe(false);
    expect(selectCanUndo(s())).toBe(false);
    s().updateParam("linear_1", "out_features", 3);
    expect(selectIsDirty(s())).toBe(true);
    s().markSaved({ id: 7, version: 3 });
    expect(selectIsDirty(s())).toBe(false);
    expect(s().architecture).toEqual({ id: 7, version: 3 });
  });

  it("lays out graphs that come without positions, off the main thread, and stays clean", async () => {
    const loading = s().loadGraph(
      fromGraphDoc({
        format: "netbuilder.graph/1",
        name: "T",
        nodes: [
          { id: "y", type: "Output" },
          { id: "x", type: "Input" },
        ],
        edges: [{ source: "x", target: "y" }],
      }),
    );
    expect(s().layingOut).toBe(true);
    const fit = s().fitRequest;
    await loading;
    expect(s().layingOut).toBe(false);
    expect(s().fitRequest).toBe(fit + 1);
    const [y, x] = s().nodes;
    expect(y!.position.y).toBeGreaterThan(x!.position.y);
    expect(selectIsDirty(s())).toBe(false);
    expect(selectCanUndo(s())).toBe(false);
  });

  it("drops a layout that comes back after the graph changed", async () => {
    const loading = s().loadGraph(
      fromGraphDoc({ format: "netbuilder.graph/1", name: "T", nodes: [{ id: "x", type: "Input" }, { id: "y", type: "Output" }], edges: [] }),
    );
    s().onNodesChange([{ type: "position", id: "x", position: { x: 500, y: 500 }, dragging: true }]);
    s().onNodesChange([{ type: "position", id: "x", position: { x: 500, y: 500 }, dragging: false }]);
    await loading;
    expect(s().nodes[0]?.position).toEqual({ x: 500, y: 500 });
    expect(s().layingOut).toBe(false);
  });

  it("auto-layout is one undo step", async () => {
    s().loadGraph(
      fromGraphDoc({
        format: "netbuilder.graph/1",
        name: "T",
        nodes: [
          { id: "x", type: "Input", position: { x: 0, y: 300 } },
          { id: "y", type: "Output", position: { x: 0, y: 0 } },
        ],
        edges: [{ source: "x", target: "y" }],
      }),
    );
    await s().autoLayout();
    const [x, y] = s().nodes;
    expect(y!.position.y).toBeGreaterThan(x!.position.y);
    s().undo();
    expect(s().nodes.map((n) => n.position.y)).toEqual([300, 0]);
  });

  it("turns the layout left to right as one undo step, keeping the selection and the direction", async () => {
    s().loadGraph(
      fromGraphDoc({
        format: "netbuilder.graph/1",
        name: "T",
        nodes: [
          { id: "x", type: "Input", position: { x: 0, y: 0 } },
          { id: "fc", type: "Linear", position: { x: 0, y: 120 } },
          { id: "y", type: "Output", position: { x: 0, y: 240 } },
        ],
        edges: [
          { source: "x", target: "fc" },
          { source: "fc", target: "y" },
        ],
      }),
    );
    expect(s().layoutDirection).toBe("DOWN");
    s().selectOnly("fc");
    await s().setLayoutDirection("RIGHT");
    expect(s().layoutDirection).toBe("RIGHT");
    const [x, fc, y] = s().nodes;
    expect(fc!.position.x).toBeGreaterThan(x!.position.x);
    expect(y!.position.x).toBeGreaterThan(fc!.position.x);
    expect(new Set(s().nodes.map((n) => n.position.y)).size).toBe(1);
    expect(selectSelectedNodeId(s())).toBe("fc");
    s().undo();
    expect(s().nodes.map((n) => n.position.y)).toEqual([0, 120, 240]);
  });

  it("wraps a long graph to the proportions of the canvas pane it reports", async () => {
    const ids = ["x", ...Array.from({ length: 40 }, (_, i) => `act_${i}`), "y"];
    const doc = {
      format: "netbuilder.graph/1" as const,
      name: "Long",
      nodes: ids.map((id, i) => ({ id, type: i === 0 ? "Input" : i === ids.length - 1 ? "Output" : "ReLU", position: { x: 0, y: 0 } })),
      edges: ids.slice(1).map((id, i) => ({ source: ids[i]!, target: id })),
    };
    const extent = async (pane: { width: number; height: number }) => {
      s().setPane(pane);
      await s().loadGraph(fromGraphDoc(doc));
      await s().autoLayout();
      const xs = s().nodes.map((n) => n.position.x);
      const ys = s().nodes.map((n) => n.position.y);
      return { width: Math.max(...xs) - Math.min(...xs), height: Math.max(...ys) - Math.min(...ys) };
    };
    const wide = await extent({ width: 3000, height: 500 });
    const tall = await extent({ width: 500, height: 3000 });
    expect(s().pane).toEqual({ width: 500, height: 3000 });
    expect(wide.width).toBeGreaterThan(wide.height);
    expect(tall.height).toBeGreaterThan(tall.width);
  });

  it("never lets an older validation answer replace a newer one", () => {
    mlp();
    s().applyValidation(5, validation({ params: 500, errors: [{ node: "linear_1", field: "in_features", message: "new" }] }));
    expect(s().applyValidation(4, validation({ params: 400 }))).toBe(false);
    expect(s().validation?.value.params).toBe(500);
    expect(s().errors.byNode["linear_1"]?.[0]?.message).toBe("new");
    expect(s().applyValidation(6, validation({ params: 600 }))).toBe(true);
    expect(s().validation?.value.params).toBe(600);
    expect(s().errors.byNode).toEqual({});
  });

  it("files errors under their node, and the rest as general errors", () => {
    mlp();
    s().applyValidation(1, validation({ errors: [{ node: "relu_1", message: "bad" }, { message: "graph has no Output" }, { node: "gone", message: "old" }] }));
    expect(Object.keys(s().errors.byNode)).toEqual(["relu_1"]);
    expect(s().errors.general.map((e) => e.message)).toEqual(["graph has no Output", "old"]);
  });
});

describe("the run a graph was last trained in", () => {
  it("comes with a loaded graph (a run's, a draft's) and goes with another or a new one, without dirtying it", () => {
    mlp();
    const doc = toGraphDoc("Run", { nodes: s().nodes, edges: s().edges });
    s().loadGraph(fromGraphDoc(doc), { lastRunId: 12 });
    expect(s().lastRunId).toBe(12);
    s().setLastRun(13); // trained again from here
    expect(s().lastRunId).toBe(13);
    expect(selectIsDirty(s())).toBe(false);
    s().loadGraph(fromGraphDoc(doc));
    expect(s().lastRunId).toBeNull();
    s().setLastRun(14);
    s().newGraph();
    expect(s().lastRunId).toBeNull();
  });
});
