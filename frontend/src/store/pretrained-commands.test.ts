import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fromGraphDoc, toGraphDoc } from "@/lib/graph";
import type { GraphDoc } from "@/lib/types";
import { builderStore } from "@/store/builder-store";
import { expandNode, importGraphFile } from "@/store/commands";
import { catalog, validation } from "@/test/fixtures";

const s = () => builderStore.getState();

const small: GraphDoc = {
  format: "netbuilder.graph/1",
  name: "small",
  nodes: [
    { id: "x", type: "Input", params: { shape: [3, 32, 32] }, position: { x: 0, y: 0 } },
    { id: "net", type: "TorchvisionModel", params: { arch: "resnet18" }, trainable: false, position: { x: 0, y: 100 } },
    { id: "y", type: "Output", position: { x: 0, y: 200 } },
  ],
  edges: [
    { source: "x", target: "net" },
    { source: "net", target: "y" },
  ],
};

const expanded: GraphDoc = {
  ...small,
  nodes: [
    small.nodes[0]!,
    { id: "net_conv1", type: "Conv2d", params: { out_channels: 64, kernel_size: 7 }, trainable: false },
    { id: "net_fc", type: "Linear", params: { out_features: 1000 }, trainable: false },
    small.nodes[2]!,
  ],
  edges: [
    { source: "x", target: "net_conv1" },
    { source: "net_conv1", target: "net_fc" },
    { source: "net_fc", target: "y" },
  ],
};

/** A File as the browser hands it over (jsdom's File has no text()). */
function jsonFile(text: string, name: string): File {
  return Object.assign(new File([text], name, { type: "application/json" }), { text: async () => text });
}

function answer(status: number, body: unknown) {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

let fetchMock: ReturnType<typeof vi.fn>;

beforeEach(() => {
  builderStore.setState({ toasts: [] });
  s().setCatalog(catalog);
  s().loadGraph(fromGraphDoc(small));
  fetchMock = vi.fn();
  vi.stubGlobal("fetch", fetchMock);
});

afterEach(() => vi.unstubAllGlobals());

describe("expanding a TorchvisionModel node", () => {
  it("sends the graph and node, and replaces the canvas with the answer as one undo step", async () => {
    fetchMock.mockResolvedValueOnce(answer(200, expanded));
    expect(await expandNode("net")).toBe(true);

    const [url, init] = fetchMock.mock.calls[0] as [string, RequestInit];
    expect(url).toBe("/api/graphs/expand");
    expect(JSON.parse(init.body as string)).toMatchObject({ node: "net", graph: { nodes: expect.arrayContaining([expect.objectContaining({ id: "net", trainable: false })]) } });
    expect(s().nodes.map((n) => n.id)).toEqual(["x", "net_conv1", "net_fc", "y"]);
    expect(s().past).toHaveLength(1);
    expect(toGraphDoc("t", s()).nodes.find((n) => n.id === "net_fc")?.trainable).toBe(false);
    expect(s().toasts.at(-1)).toMatchObject({ kind: "success", message: "Expanded net into 2 layers" });

    s().undo();
    expect(s().nodes.map((n) => n.id)).toEqual(["x", "net", "y"]);
  });

  it("shows the server's reason when it refuses and leaves the graph alone", async () => {
    const why = "vit_b_16 can't be expanded into catalog nodes: the function 'getattr' has no catalog node";
    fetchMock.mockResolvedValueOnce(answer(400, { detail: "Graph has 1 error", errors: [{ node: "net", field: "arch", message: why }] }));
    const nodes = s().nodes;
    expect(await expandNode("net")).toBe(false);
    expect(s().nodes).toBe(nodes);
    expect(s().toasts.at(-1)).toEqual(expect.objectContaining({ kind: "error", message: `Could not expand net: ${why}` }));
  });

  it("drops an answer for a graph that changed while it was on its way", async () => {
    let reply: (r: Response) => void = () => undefined;
    fetchMock.mockReturnValueOnce(new Promise<Response>((resolve) => (reply = resolve)));
    const pending = expandNode("net");
    s().updateParam("x", "shape", [3, 64, 64]);
    reply(answer(200, expanded));
    expect(await pending).toBe(false);
    expect(s().nodes.map((n) => n.id)).toEqual(["x", "net", "y"]);
    expect(s().toasts.at(-1)?.message).toMatch(/changed while net was expanding/);
  });
});

describe("importing a graph file", () => {
  it("loads it as an unsaved graph and marks the nodes the server's validation names", async () => {
    const result = validation({ ok: false, errors: [{ node: "net", field: "weights", message: "resnet18 weights not found" }] });
    fetchMock.mockResolvedValueOnce(answer(200, { graph: small, validation: result }));
    const file = jsonFile(JSON.stringify({ ...small, name: "imported" }), "imported.json");

    expect(await importGraphFile(file)).toBe(true);

    const [url, init] = fetchMock.mock.calls[0] as [string, RequestInit];
    expect(url).toBe("/api/graphs/import");
    expect((init.body as FormData).get("file")).toBeInstanceOf(File);
    expect(s().name).toBe("imported");
    expect(s().architecture).toBeNull();
    expect(s().errors.byNode.net?.[0]).toMatchObject({ field: "weights", message: "resnet18 weights not found" });
    expect(s().validation?.revision).toBe(s().revision);
    expect(s().toasts.at(-1)).toMatchObject({ kind: "error", message: "Imported “imported” with 1 error: see the marked layers" });
  });

  it("refuses a file that is not JSON without asking the server", async () => {
    const names = s().nodes;
    expect(await importGraphFile(jsonFile("{nope", "bad.json"))).toBe(false);
    expect(fetchMock).not.toHaveBeenCalled();
    expect(s().nodes).toBe(names);
    expect(s().toasts.at(-1)?.message).toBe("Could not import bad.json: not valid JSON");
  });
});
