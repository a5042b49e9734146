import { beforeEach, describe, expect, it } from "vitest";
import type { StoreApi } from "zustand/vanilla";
import { fromGraphDoc } from "@/lib/graph";
import type { GraphDoc, ValidationResult } from "@/lib/types";
import { createBuilderStore, graphDocOf, type BuilderStore } from "@/store/builder-store";
import { catalog } from "@/test/fixtures";

let store: StoreApi<BuilderStore>;
const s = () => store.getState();
const ids = () => s().nodes.map((n) => n.id);

const DENSE = {
  params: { width: { kind: "int", default: 8, min: 1 } },
  nodes: [
    { id: "x", type: "Input", position: { x: 0, y: 0 } },
    { id: "fc", type: "Linear", params: { out_features: "$width" }, position: { x: 0, y: 100 } },
    { id: "y", type: "Output", position: { x: 0, y: 200 } },
  ],
  edges: [
    { source: "x", target: "fc", port: 0, source_port: 0 },
    { source: "fc", target: "y", port: 0, source_port: 0 },
  ],
};

const NET: GraphDoc = {
  format: "netbuilder.graph/1",
  name: "Net",
  blocks: { Dense: DENSE },
  nodes: [
    { id: "x", type: "Input", params: { shape: [4] }, position: { x: 0, y: 0 } },
    { id: "a", type: "Block", params: { block: "Dense", repeat: 1, width: 6 }, position: { x: 0, y: 100 } },
    { id: "b", type: "Block", params: { block: "Dense", repeat: 1, width: 3 }, position: { x: 0, y: 200 } },
    { id: "y", type: "Output", params: {}, position: { x: 0, y: 300 } },
  ],
  edges: [
    { source: "x", target: "a", port: 0, source_port: 0 },
    { source: "a", target: "b", port: 0, source_port: 0 },
    { source: "b", target: "y", port: 0, source_port: 0 },
  ],
};

const report = (shape: number[], params = 0) => ({ shape, shapes: [shape], params, flops: 0 });

const ANSWER = {
  ok: false,
  params: 51,
  flops: 0,
  nodes: { x: report([4]), a: report([6], 30), b: report([3], 21), y: report([3]), "a/1/x": report([4]), "a/1/fc": report([6], 30), "a/1/y": report([6]), "b/1/fc": report([3], 21) },
  errors: [{ node: "a", field: "out_features", path: "a/1/fc", message: "a/1/fc: out_features is odd" }],
  warnings: [],
  output_shapes: [[3]],
} as unknown as ValidationResult;

beforeEach(async () => {
  store = createBuilderStore();
  s().setCatalog(catalog);
  await s().loadGraph(fromGraphDoc(NET));
});

describe("blocks on the canvas", () => {
  it("keeps the graph's blocks out of extras and writes them back into the document", () => {
    expect(Object.keys(s().blocks)).toEqual(["Dense"]);
    expect(s().extras).toEqual({});
    expect(graphDocOf(s()).blocks).toEqual({ Dense: DENSE });
  });

  it("opens a block on the canvas and shows its first use's copy: shapes and errors by inner id", () => {
    s().applyValidation(s().revision, ANSWER);
    expect(s().canvasPrefix).toBe("");
    s().openBlock("Dense");
    expect(s().blockPath).toEqual(["Dense"]);
    expect(s().canvasPrefix).toBe("a/1/"); // the probe's and validation's keys for this canvas's nodes
    expect(ids()).toEqual(["x", "fc", "y"]);
    expect(s().validation?.value.nodes.fc?.shape).toEqual([6]);
    expect(Object.keys(s().validation?.value.nodes ?? {})).toEqual(["x", "fc", "y"]);
    expect(s().errors.byNode.fc?.map((e) => e.message)).toEqual(["out_features is odd"]);
    expect(s().validation?.value.params).toBe(51);
  });

  it("an edit inside a block changes the definition every use reads, and the top graph stays", () => {
    s().openBlock("Dense");
    s().updateParam("fc", "bias", false);
    const doc = graphDocOf(s());
    expect(doc.nodes.map((n) => n.id)).toEqual(["x", "a", "b", "y"]);
    expect((doc.blocks as typeof NET.blocks & { Dense: typeof DENSE }).Dense.nodes[1]?.params).toEqual({ out_features: "$width", bias: false });
    s().closeBlock(0);
    expect(ids()).toEqual(["x", "a", "b", "y"]);
    expect((s().blocks.Dense?.nodes[1]?.params as Record<string, unknown>).bias).toBe(false);
  });

  it("a new Input inside a block has no shape param", () => {
    s().openBlock("Dense");
    const id = s().addNode("Input", { x: 0, y: 300 });
    expect(s().nodes.find((n) => n.id === id)?.data.params).toEqual({});
  });

  it("undo of an edit inside a block, made after going back, reopens the block as it was", () => {
    s().openBlock("Dense");
    s().updateParam("fc", "bias", false);
    s().closeBlock();
    s().undo();
    expect(s().blockPath).toEqual(["Dense"]);
    expect(s().nodes.find((n) => n.id === "fc")?.data.params).toEqual({ out_features: "$width" });
    expect((graphDocOf(s()).blocks as { Dense: typeof DENSE }).Dense.nodes[1]?.params).toEqual({ out_features: "$width" });
    s().redo();
    expect(s().blockPath).toEqual([]);
    expect((s().blocks.Dense?.nodes[1]?.params as Record<string, unknown>).bias).toBe(false);
  });

  it("adds a use of a block, and one of a library block with the blocks it uses, as one undo step", () => {
    const id = s().addBlockUse("Dense", { x: 0, y: 400 });
    expect(id).toBe("dense_1");
    expect(s().nodes.find((n) => n.id === id)?.data).toEqual({ layerType: "Block", params: { block: "Dense", repeat: 1 } });
    const wide = { ...DENSE, params: {} };
    s().addBlockUse("Wide", { x: 0, y: 500 }, { Wide: wide });
    expect(Object.keys(s().blocks)).toEqual(["Wide", "Dense"]);
    s().undo();
    expect(Object.keys(s().blocks)).toEqual(["Dense"]);
    expect(ids()).toEqual(["x", "a", "b", "y", "dense_1"]);
  });

  it("replacing the graph with new blocks (make block, ungroup) is one undo step", async () => {
    await s().replaceGraph({ nodes: s().nodes.filter((n) => n.id !== "b"), edges: [] }, { layout: false, blocks: {} });
    expect(s().blocks).toEqual({});
    s().undo();
    expect(Object.keys(s().blocks)).toEqual(["Dense"]);
    expect(ids()).toEqual(["x", "a", "b", "y"]);
  });

  it("makes a field of an inner layer a block parameter: declared with its kind, bounds and value; one undo step", () => {
    s().openBlock("Dense");
    s().updateParam("fc", "out_features", 16);
    expect(s().promoteParam("fc", "out_features")).toBe("out_features");
    expect(s().nodes.find((n) => n.id === "fc")?.data.params.out_features).toBe("$out_features");
    expect(s().blocks.Dense?.params).toEqual({
      width: { kind: "int", default: 8, min: 1 },
      out_features: { kind: "int", default: 16, min: 1, max: 1048576, doc: "Output size." },
    });
    // A field that already reads one is left alone; a second field of the same name gets a fresh name.
    expect(s().promoteParam("fc", "out_features")).toBeNull();
    s().updateParam("fc", "bias", false);
    expect(s().promoteParam("fc", "bias")).toBe("bias");
    expect(s().blocks.Dense?.params?.bias).toEqual({ kind: "bool", default: false, doc: "Add a bias." });
    s().undo();
    expect(s().blocks.Dense?.params?.bias).toBeUndefined();
    expect(s().nodes.find((n) => n.id === "fc")?.data.params.bias).toBe(false);
    s().closeBlock(0);
    expect((graphDocOf(s()).blocks as { Dense: typeof DENSE }).Dense.nodes[1]?.params).toEqual({ out_features: "$out_features", bias: false });
  });

  it("unbinds a field to its parameter's default, and removes a parameter no field reads from the block and every use", () => {
    s().openBlock("Dense");
    s().unbindParam("fc", "out_features");
    expect(s().nodes.find((n) => n.id === "fc")?.data.params.out_features).toBe(8);
    s().setBlockParamDefault("width", 5);
    expect(s().blocks.Dense?.params?.width).toEqual({ kind: "int", default: 5, min: 1 });
    expect(s().removeBlockParam("width")).toBe(true);
    expect(s().blocks.Dense?.params).toEqual({});
    // Both uses on the top graph (a canvas above) drop their values for it.
    s().closeBlock(0);
    expect(s().nodes.filter((n) => n.data.layerType === "Block").map((n) => n.data.params)).toEqual([
      { block: "Dense", repeat: 1 }, { block: "Dense", repeat: 1 },
    ]);
    s().undo();
    expect(s().blockPath).toEqual(["Dense"]);
    expect(s().blocks.Dense?.params?.width).toEqual({ kind: "int", default: 5, min: 1 });
    expect(s().parents[0]?.nodes.find((n) => n.id === "a")?.data.params.width).toBe(6);
  });

  it("refuses to remove a parameter that a field still reads", () => {
    s().openBlock("Dense");
    expect(s().removeBlockParam("width")).toBe(false);
    expect(s().blocks.Dense?.params?.width).toBeDefined();
  });
});
