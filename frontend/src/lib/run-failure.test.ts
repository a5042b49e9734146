import { describe, expect, it } from "vitest";
import { builderNodeUrl, failurePlace, nodeInUrl, runFailure } from "@/lib/run-failure";
import { createRunSeries, applyMessage } from "@/lib/run-series";
import type { StreamMessage } from "@/lib/run-types";
import { runDetail } from "@/test/run-fixtures";

const MESSAGE = "Node 'lin2' (Linear) failed at step 12: mat1 and mat2 shapes cannot be multiplied (16x8 and 4x2)";

/** The websocket's final message as the worker sends it (docs/api.md). */
const failed = {
  type: "failed",
  data: { status: "failed", metrics: {}, files: [], message: MESSAGE, node: "lin2", layer: "Linear" },
} as StreamMessage;

function finalOf(...messages: StreamMessage[]) {
  const series = createRunSeries();
  for (const m of messages) applyMessage(series, m);
  return series.final;
}

describe("a failed run's message", () => {
  it("names the node and layer the websocket's failed message carries", () => {
    const failure = runFailure(finalOf(failed), runDetail(3, "running"));
    expect(failure).toEqual({ message: MESSAGE, node: "lin2", layer: "Linear" });
    expect(failurePlace(failure!)).toBe("node lin2 (Linear)");
  });

  it("reads the run's detail when the stream has no final word yet", () => {
    const run = { ...runDetail(3, "failed"), error: MESSAGE, node: "lin2", layer: "Linear" };
    expect(runFailure(null, run)).toEqual({ message: MESSAGE, node: "lin2", layer: "Linear" });
  });

  it("names no node for a failure outside the model", () => {
    const outside = { type: "failed", data: { status: "failed", metrics: {}, files: [], message: "The worker failed: out of memory" } } as StreamMessage;
    const failure = runFailure(finalOf(outside), runDetail(3, "running"))!;
    expect(failure).toEqual({ message: "The worker failed: out of memory", node: null, layer: null });
    expect(failurePlace(failure)).toBeNull();
    expect(failurePlace({ message: "", node: "fc", layer: null })).toBe("node fc");
  });

  it("is no failure for a run that succeeded or still runs", () => {
    const finished = { type: "finished", data: { status: "succeeded", metrics: {}, files: [] } } as StreamMessage;
    expect(runFailure(finalOf(finished), runDetail(3, "succeeded"))).toBeNull();
    expect(runFailure(null, runDetail(3, "running"))).toBeNull();
  });

  it("links to the builder with the node, and the builder reads it back", () => {
    expect(builderNodeUrl("lin2")).toBe("/?node=lin2");
    expect(nodeInUrl("?node=lin2&architecture=4")).toBe("lin2");
    expect(nodeInUrl("?architecture=4")).toBeNull();
  });
});
