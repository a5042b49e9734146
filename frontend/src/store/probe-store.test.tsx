import { render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ProbePreview } from "@/components/probe-preview";
import { probeNow } from "@/hooks/use-probe";
import { fromGraphDoc } from "@/lib/graph";
import type { GraphDoc } from "@/lib/types";
import { builderStore } from "@/store/builder-store";
import { createProbeStore, probeStore, type ProbeResult } from "@/store/probe-store";
import { catalog, validation } from "@/test/fixtures";

const graph: GraphDoc = {
  format: "netbuilder.graph/1",
  name: "T",
  nodes: [
    { id: "x", type: "Input", params: { shape: [2] }, position: { x: 0, y: 0 } },
    { id: "fc", type: "Linear", params: { out_features: 2 }, position: { x: 0, y: 100 } },
    { id: "y", type: "Output", position: { x: 0, y: 200 } },
  ],
  edges: [
    { source: "x", target: "fc" },
    { source: "fc", target: "y" },
  ],
};

const answer = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
const option = { name: "size", kind: "int", default: 1000, doc: "", required: false, nullable: false, inferred: false };
const builtin = (name: string, input_shape: number[]) => ({
  name, title: name, description: "", source: "synthetic", task: "classification", input_shape, dtype: "float32",
  options: [option], defaults: {}, available: true, classes: ["0", "1"],
});
const result = (value: number): ProbeResult => ({
  sample: { index: 0, label: 1 },
  nodes: { fc: { shape: [2], mean: value, std: 0, min: value, max: value, preview: { kind: "values", values: [value, value] } } },
});

let fetchMock: ReturnType<typeof vi.fn>;

beforeEach(() => {
  builderStore.getState().setCatalog(catalog);
  builderStore.getState().loadGraph(fromGraphDoc(graph));
  builderStore.getState().applyValidation(builderStore.getState().revision, validation({ nodes: {
    x: { shape: [2], shapes: [[2]], params: 0, flops: 0 }, fc: { shape: [2], shapes: [[2]], params: 6, flops: 4 }, y: { shape: [2], shapes: [[2]], params: 0, flops: 0 },
  } }));
  probeStore.setState({ on: false, dataset: null, sample: 0, datasets: null, result: null, error: null, loading: false });
  fetchMock = vi.fn();
  vi.stubGlobal("fetch", fetchMock);
});

afterEach(() => vi.unstubAllGlobals());

describe("Probe mode", () => {
  it("picks a dataset that fits the Input, sends the graph and sample, and keeps the answer", async () => {
    fetchMock.mockResolvedValueOnce(answer(200, { builtin: [builtin("random", [784]), builtin("moons", [2])], uploads: [] }));
    fetchMock.mockResolvedValueOnce(answer(200, result(0.5)));
    probeStore.getState().toggle(true);
    probeStore.getState().setSample(7);

    await probeNow();

    const [url, init] = fetchMock.mock.calls[1] as [string, RequestInit];
    const body = JSON.parse(String(init.body)) as Record<string, unknown>;
    expect(url).toBe("/api/graphs/probe");
    expect(body).toMatchObject({ dataset: "moons", dataset_options: {}, sample: 7 });
    expect((body.graph as GraphDoc).nodes.map((n) => n.id)).toEqual(["x", "fc", "y"]);
    expect(probeStore.getState().dataset).toEqual({ name: "moons", options: {} });
    expect(probeStore.getState().result?.nodes.fc?.mean).toBe(0.5);
  });

  it("shows the server's refusal, naming the field", async () => {
    probeStore.setState({ on: true, dataset: { name: "moons", options: {} }, sample: 9999, result: result(1) });
    fetchMock.mockResolvedValueOnce(answer(400, { detail: "sample must be an index from 0 to 319, got 9999", errors: [{ field: "sample", message: "x" }] }));

    await probeNow();

    expect(probeStore.getState().error).toBe("sample must be an index from 0 to 319, got 9999");
    expect(probeStore.getState().result).toBeNull();
  });

  it("never lets an older answer replace a newer one, and forgets answers when turned off", () => {
    const store = createProbeStore();
    store.getState().toggle(true);
    const first = store.getState().begin();
    const second = store.getState().begin();

    expect(store.getState().answer(second, { result: result(2) })).toBe(true);
    expect(store.getState().answer(first, { result: result(1) })).toBe(false);
    expect(store.getState().result?.nodes.fc?.mean).toBe(2);
    store.getState().toggle(false);
    expect(store.getState().result).toBeNull();
  });

  it("draws a vector's values as bars and a feature map's first channel as a picture", () => {
    const { unmount } = render(<ProbePreview probe={{ shape: [3], mean: 0.1, std: 0.2, min: -1, max: 1, preview: { kind: "values", values: [1, -1, 0.5] } }} />);
    expect(screen.getByTestId("probe-bars").querySelectorAll("rect")).toHaveLength(3);
    expect(screen.getByText(/μ 0.10 σ 0.20/)).toBeTruthy();
    unmount();
    const channel = { size: [2, 3], range: [0, 5], values: [[0, 1, 2], [3, 4, 5]] };
    render(<ProbePreview probe={{ shape: [8, 2, 3], mean: 2.5, std: 1.7, min: 0, max: 5, preview: { kind: "channels", channels: [channel], of: 8 } }} />);
    const canvas = screen.getByTestId<HTMLCanvasElement>("probe-heatmap");
    expect([canvas.width, canvas.height]).toEqual([3, 2]);
    expect(screen.getByText(/ch 0 of 8/)).toBeTruthy();
  });
});
