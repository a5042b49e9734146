import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fromGraphDoc } from "@/lib/graph";
import type { GraphDoc, ValidationResult } from "@/lib/types";
import { builderStore } from "@/store/builder-store";
import { insertLibraryBlock, makeBlock, saveBlockToLibrary, ungroupNode } from "@/store/commands";
import type { LibraryBlock } from "@/store/library-store";
import { catalog } from "@/test/fixtures";

const s = () => builderStore.getState();

const at = (y: number) => ({ x: 0, y });
const FLAT: GraphDoc = {
  format: "netbuilder.graph/1",
  name: "flat",
  nodes: [
    { id: "x", type: "Input", params: { shape: [4] }, position: at(0) },
    { id: "fc", type: "Linear", params: { out_features: 8 }, position: at(100) },
    { id: "act", type: "ReLU", params: {}, position: at(200) },
    { id: "y", type: "Output", params: {}, position: at(300) },
  ],
  edges: [
    { source: "x", target: "fc", port: 0, source_port: 0 },
    { source: "fc", target: "act", port: 0, source_port: 0 },
    { source: "act", target: "y", port: 0, source_port: 0 },
  ],
};
const DENSE = {
  params: {},
  nodes: [{ id: "in0", type: "Input" }, { id: "fc", type: "Linear", params: { out_features: 8 } }, { id: "act", type: "ReLU" }, { id: "out0", type: "Output" }],
  edges: [{ source: "in0", target: "fc" }, { source: "fc", target: "act" }, { source: "act", target: "out0" }],
};
const BLOCKED: GraphDoc = {
  ...FLAT,
  blocks: { Dense: DENSE },
  nodes: [FLAT.nodes[0]!, { id: "dense", type: "Block", params: { block: "Dense", repeat: 1 }, position: at(150) }, FLAT.nodes[3]!],
  edges: [
    { source: "x", target: "dense", port: 0, source_port: 0 },
    { source: "dense", target: "y", port: 0, source_port: 0 },
  ],
};

function answer(status: number, body: unknown) {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

let fetchMock: ReturnType<typeof vi.fn>;
const sent = (call: number) => {
  const [url, init] = fetchMock.mock.calls[call] as [string, RequestInit];
  return { url, body: JSON.parse(init.body as string) as Record<string, unknown> };
};

beforeEach(async () => {
  builderStore.setState({ toasts: [] });
  s().setCatalog(catalog);
  await s().loadGraph(fromGraphDoc(FLAT));
  fetchMock = vi.fn();
  vi.stubGlobal("fetch", fetchMock);
});

afterEach(() => vi.unstubAllGlobals());

describe("block commands", () => {
  it("makes a block of the selection on the server and applies the answer as one undo step, the Block node selected", async () => {
    s().selectOnly("fc");
    s().onNodesChange([{ id: "act", type: "select", selected: true }]);
    fetchMock.mockResolvedValueOnce(answer(200, { graph: BLOCKED }));
    expect(await makeBlock("Dense")).toBe(true);
    expect(sent(0).url).toBe("/api/graphs/make-block");
    expect(sent(0).body).toMatchObject({ nodes: ["fc", "act"], name: "Dense" });
    expect(s().nodes.map((n) => [n.id, !!n.selected])).toEqual([["x", false], ["dense", true], ["y", false]]);
    expect(Object.keys(s().blocks)).toEqual(["Dense"]);
    expect(s().toasts.at(-1)).toMatchObject({ kind: "success", message: "Made block Dense of 2 layers" });
    s().undo();
    expect(s().nodes.map((n) => n.id)).toEqual(["x", "fc", "act", "y"]);
    expect(s().blocks).toEqual({});
  });

  it("shows the server's reason when a block can't be made and leaves the graph alone", async () => {
    s().selectOnly("x");
    const why = "'x' is an Input: a block takes its inputs and gives its outputs through the Block node's ports";
    fetchMock.mockResolvedValueOnce(answer(400, { detail: why, errors: [{ field: "nodes", message: why }] }));
    expect(await makeBlock("Dense")).toBe(false);
    expect(s().toasts.at(-1)).toMatchObject({ kind: "error", message: `Could not make a block: ${why}` });
    expect(s().past).toHaveLength(0);
  });

  it("ungroups a use from the top graph only", async () => {
    await s().loadGraph(fromGraphDoc(BLOCKED));
    fetchMock.mockResolvedValueOnce(answer(200, { graph: { ...FLAT, nodes: FLAT.nodes.map((n) => (n.id === "fc" || n.id === "act" ? { ...n, id: `dense_1_${n.id}` } : n)), edges: [] } }));
    s().openBlock("Dense");
    expect(await ungroupNode("dense")).toBe(false);
    expect(fetchMock).not.toHaveBeenCalled();
    s().closeBlock();
    expect(await ungroupNode("dense")).toBe(true);
    expect(sent(0)).toMatchObject({ url: "/api/graphs/ungroup", body: { node: "dense" } });
    expect(s().nodes.map((n) => n.id)).toEqual(["x", "dense_1_fc", "dense_1_act", "y"]);
    expect(s().blocks).toEqual({});
  });

  it("saves a block to the library with the input shapes of its first copy", async () => {
    await s().loadGraph(fromGraphDoc(BLOCKED));
    const report = (shape: number[]) => ({ shape, shapes: [shape], params: 0, flops: 0 });
    const result = { ok: true, params: 40, flops: 0, output_shapes: [[8]], errors: [], warnings: [],
      nodes: { x: report([4]), dense: report([8]), y: report([8]), "dense/1/in0": report([4]) } } as unknown as ValidationResult;
    s().applyValidation(s().revision, result);
    fetchMock.mockResolvedValueOnce(answer(201, { id: 7, name: "Dense", block: DENSE, uses: {}, input_shapes: [[4]], created_at: "2026-12-02T20:00:00Z" }));
    expect(await saveBlockToLibrary("dense")).toBe(true);
    expect(sent(0)).toEqual({ url: "/api/blocks", body: { name: "Dense", block: DENSE, uses: {}, input_shapes: [[4]] } });
  });

  it("inserts a library block with the blocks it uses, unless the graph has a different block of that name", () => {
    const saved = { id: 7, name: "Dense", block: DENSE, uses: {}, input_shapes: [[4]], created_at: "" } as LibraryBlock;
    expect(insertLibraryBlock(saved, at(400))).toBe(true);
    expect(s().nodes.at(-1)?.data.params).toEqual({ block: "Dense", repeat: 1 });
    expect(s().blocks).toEqual({ Dense: DENSE });
    const other = { ...saved, block: { ...DENSE, params: { width: { kind: "int", default: 2 } } } } as LibraryBlock;
    expect(insertLibraryBlock(other, at(500))).toBe(false);
    expect(s().toasts.at(-1)).toMatchObject({ kind: "error", message: "This graph already has a different block Dense; rename one of them first." });
  });
});
