import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { StreamMessage } from "@/lib/run-types";
import { createRunStore } from "@/store/run-store";
import { epoch, metrics, runSummary, snapshot } from "@/test/run-fixtures";

/** A stand-in for the browser's WebSocket that the test drives by hand. */
class FakeSocket {
  static all: FakeSocket[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((ev: { data: string }) => void) | null = null;
  onclose: ((ev: { code: number }) => void) | null = null;
  closed = false;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  open() {
    this.onopen?.();
  }
  send(m: StreamMessage) {
    this.onmessage?.({ data: JSON.stringify(m) });
  }
  drop(code = 1006) {
    this.closed = true;
    this.onclose?.({ code });
  }
  close() {
    this.closed = true;
  }
}

function setup() {
  const store = createRunStore({ stream: { createSocket: (url) => new FakeSocket(url) as unknown as WebSocket, backoff: [10] } });
  return store;
}

const last = () => FakeSocket.all[FakeSocket.all.length - 1] as FakeSocket;

beforeEach(() => {
  FakeSocket.all = [];
  vi.useFakeTimers();
  vi.stubGlobal("fetch", vi.fn(() => new Promise(() => undefined)));
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe("run store", () => {
  it("shows the snapshot's history, streams on, and resumes after a drop with ?after=<last step>", () => {
    const store = setup();
    store.getState().watch(7);
    expect(last().url).toMatch(/\/ws\/runs\/7\/$/);
    last().open();
    last().send(snapshot(7, [metrics(5, 10), epoch(1, 10)]));
    last().send(metrics(15, 20));
    expect(store.getState()).toMatchObject({ status: "running", connection: "open" });
    expect(Array.from(store.getState().series.steps.view())).toEqual([5, 10, 15, 20]);

    last().drop();
    expect(store.getState().connection).toBe("reconnecting");
    vi.advanceTimersByTime(20);
    expect(FakeSocket.all).toHaveLength(2);
    expect(last().url).toMatch(/\/ws\/runs\/7\/\?after=20$/);
    last().open();
    // A stale replay in the new snapshot and a late live message are both dropped.
    last().send(snapshot(7, [metrics(20, 25), epoch(1, 10)]));
    last().send(metrics(25));
    last().send(metrics(30));
    expect(Array.from(store.getState().series.steps.view())).toEqual([5, 10, 15, 20, 25, 30]);
    expect(store.getState().series.epochs).toHaveLength(1);
  });

  it("learns started_at from the status that starts a run opened while queued", () => {
    const store = setup();
    store.getState().watch(4);
    last().open();
    last().send(snapshot(4, [], "queued"));
    expect(store.getState().run?.started_at).toBeNull();
    last().send({ type: "status", data: { ...runSummary(4), status: "running", started_at: "2026-01-01T00:00:05Z", finished_at: null } });
    expect(store.getState()).toMatchObject({ status: "running", run: { started_at: "2026-01-01T00:00:05Z", finished_at: null } });
  });

  it("ends at the final message: final status wins over a trailing status, and no reconnect follows", () => {
    const store = setup();
    store.getState().watch(3);
    last().open();
    last().send(snapshot(3, []));
    last().send({ type: "status", data: { ...runSummary(3), status: "running", device: "cuda:0" } });
    expect(store.getState().device).toBe("cuda:0");
    last().send({ type: "stopped", data: { status: "stopped", metrics: { epoch: 1 }, files: ["pth", "model_py"] } });
    last().send({ type: "status", data: { ...runSummary(3), status: "running", device: "cpu" } });
    const s = store.getState();
    expect(s.status).toBe("stopped");
    expect(s.run?.files).toEqual(["pth", "model_py"]);
    expect(s.connection).toBe("closed");
    last().drop();
    vi.advanceTimersByTime(100);
    expect(FakeSocket.all).toHaveLength(1);
  });

  it("bumps its version only when the series changed", () => {
    const store = setup();
    store.getState().watch(1);
    last().send(snapshot(1, [metrics(5)]));
    const v = store.getState().version;
    last().send(metrics(5));
    expect(store.getState().version).toBe(v);
    last().send(metrics(6));
    expect(store.getState().version).toBe(v + 1);
  });

  it("stops for good on the server's not-found close", () => {
    const store = setup();
    store.getState().watch(99);
    last().drop(4404);
    vi.advanceTimersByTime(100);
    expect(FakeSocket.all).toHaveLength(1);
    expect(store.getState().error).toBe("Run 99 was not found.");
  });

  it("watching another run closes the first stream and starts clean", () => {
    const store = setup();
    store.getState().watch(1);
    const first = last();
    first.send(snapshot(1, [metrics(5, 10)]));
    store.getState().watch(2);
    expect(first.closed).toBe(true);
    expect(store.getState().series.steps.length).toBe(0);
    expect(last().url).toMatch(/\/ws\/runs\/2\/$/);
  });
});

describe("run store on an ended run", () => {
  beforeEach(() => {
    FakeSocket.all = [];
    vi.useFakeTimers();
    vi.stubGlobal("fetch", vi.fn(() => new Promise(() => undefined)));
  });

  it("stays connected after a final message with ONNX pending, takes the files message, then closes", () => {
    const store = setup();
    store.getState().watch(4);
    last().open();
    last().send(snapshot(4, []));
    last().send({ type: "finished", data: { status: "succeeded", metrics: {}, files: ["model_py", "pth"], pending: ["onnx"] } });
    expect(store.getState().status).toBe("succeeded");
    expect(store.getState().run?.files).toEqual(["model_py", "pth"]);
    expect(last().closed).toBe(false);
    last().drop();
    vi.advanceTimersByTime(100);
    expect(FakeSocket.all).toHaveLength(2); // still waiting for the files: it reconnects
    last().open();
    last().send({ type: "files", data: { files: ["model_py", "onnx", "pth"] } });
    expect(store.getState().run?.files).toEqual(["model_py", "onnx", "pth"]);
    expect(store.getState().connection).toBe("closed");
    expect(last().closed).toBe(true);
  });

  it("takes a failed ONNX export's reason from the files message in a snapshot", () => {
    const store = setup();
    store.getState().watch(6);
    last().send(snapshot(6, [
      { type: "finished", data: { status: "succeeded", metrics: {}, files: ["pth"], pending: ["onnx"] } },
      { type: "files", data: { files: ["pth"], onnx_error: "This model can't be exported to ONNX: x" } },
    ], "succeeded"));
    const s = store.getState();
    expect(s.run?.files).toEqual(["pth"]);
    expect(s.run?.onnx_error).toBe("This model can't be exported to ONNX: x");
    expect(last().closed).toBe(true);
  });

  it("takes the final status and files from a snapshot that holds the final message", () => {
    const store = setup();
    store.getState().watch(5);
    last().send(snapshot(5, [metrics(5, 10), epoch(1, 10), { type: "finished", data: { status: "succeeded", metrics: { val_accuracy: 0.9 }, files: ["pth"] } }], "succeeded"));
    const s = store.getState();
    expect(s.status).toBe("succeeded");
    expect(s.run?.files).toEqual(["pth"]);
    expect(s.run?.final_metrics).toEqual({ val_accuracy: 0.9 });
    expect(s.connection).toBe("closed");
    expect(last().closed).toBe(true);
  });
});

describe("run store backfill", () => {
  beforeEach(() => {
    FakeSocket.all = [];
    vi.useFakeTimers();
  });

  it("fills the hole between the snapshot and the first live message from the stored events", async () => {
    const fetchMock = vi.fn(async () => new Response(JSON.stringify({ id: 8, status: "running", events: [metrics(15, 20), metrics(25)] }), { status: 200, headers: { "Content-Type": "application/json" } }));
    vi.stubGlobal("fetch", fetchMock);
    const store = createRunStore({ stream: { createSocket: (url) => new FakeSocket(url) as unknown as WebSocket, backoff: [10] }, backfillDelayMs: 50 });
    store.getState().watch(8);
    last().send(snapshot(8, [metrics(5, 10)]));
    // Steps 15 and 20 were sent before this watcher joined and stored only later.
    last().send(metrics(25));
    expect(Array.from(store.getState().series.steps.view())).toEqual([5, 10, 25]);
    await vi.advanceTimersByTimeAsync(60);
    expect(fetchMock).toHaveBeenCalledWith("/api/runs/8/metrics?after=10", expect.anything());
    await vi.waitFor(() => expect(Array.from(store.getState().series.steps.view())).toEqual([5, 10, 15, 20, 25]));
  });
});
