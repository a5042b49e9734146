import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fromGraphDoc } from "@/lib/graph";
import type { GraphDoc } from "@/lib/types";
import { builderStore } from "@/store/builder-store";
import { rememberLatestRun } from "@/store/commands";
import { runSummary } from "@/test/run-fixtures";

const graph: GraphDoc = { format: "netbuilder.graph/1", name: "A", nodes: [{ id: "x", type: "Input", params: { shape: [2] }, position: { x: 0, y: 0 } }], edges: [] };
const answer = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { "Content-Type": "application/json" } });

let fetchMock: ReturnType<typeof vi.fn>;

beforeEach(async () => {
  await builderStore.getState().loadGraph(fromGraphDoc(graph), { architecture: { id: 7, version: 2 } });
  fetchMock = vi.fn();
  vi.stubGlobal("fetch", fetchMock);
});

afterEach(() => vi.unstubAllGlobals());

describe("a saved architecture's last run", () => {
  it("is its newest run, asked of GET /api/runs?architecture=", async () => {
    fetchMock.mockResolvedValueOnce(answer([runSummary(12, "succeeded"), runSummary(31, "running"), runSummary(20, "failed")]));
    await rememberLatestRun(7);
    expect(fetchMock.mock.calls[0]![0]).toBe("/api/runs?architecture=7");
    expect(builderStore.getState().lastRunId).toBe(31);
  });

  it("is not set when another graph was opened meanwhile, or a run already named", async () => {
    fetchMock.mockResolvedValue(answer([runSummary(12, "succeeded")]));
    const asked = rememberLatestRun(7);
    await builderStore.getState().loadGraph(fromGraphDoc(graph), { architecture: { id: 8, version: 1 } });
    await asked;
    expect(builderStore.getState().lastRunId).toBeNull();

    builderStore.getState().setLastRun(40); // trained from the builder
    await rememberLatestRun(8);
    expect(builderStore.getState().lastRunId).toBe(40);
  });

  it("is none for an architecture never trained", async () => {
    fetchMock.mockResolvedValueOnce(answer([]));
    await rememberLatestRun(7);
    expect(builderStore.getState().lastRunId).toBeNull();
  });
});
