import type { EpochData, MetricsPoint, RunDetail, RunSummary, StreamMessage } from "@/lib/run-types";

export function point(step: number, epoch = 1): MetricsPoint {
  return { step, epoch, train_loss: 1 / step, lr: 0.01, samples_per_s: 500 };
}

export function metrics(...steps: number[]): StreamMessage {
  return { type: "metrics", data: { step: Math.max(...steps), points: steps.map((s) => point(s)) } };
}

export function epoch(n: number, step: number, extra: Partial<EpochData> = {}): StreamMessage {
  return { type: "epoch", data: { epoch: n, epochs: 4, step, train_loss: 0.5, val_loss: 0.4 / n, val_accuracy: 0.5 + n / 10, time_s: 1, samples_per_s: 600, norms: { fc1: { weight: 1, grad: 0.1 } }, ...extra } };
}

export function runDetail(id: number, status: RunDetail["status"] = "running"): RunDetail {
  return {
    id,
    name: "Playground",
    status,
    dataset: "spirals",
    architecture: null,
    architecture_version: null,
    worker: "w",
    device: "cpu",
    step: 0,
    epoch: 0,
    error: "",
    final_metrics: {},
    created_at: "2026-01-01T00:00:00Z",
    started_at: null,
    finished_at: null,
    duration_s: null,
    best_epoch: null,
    best_metrics: null,
    priority: 0,
    held: false,
    queue_position: status === "queued" ? 1 : null,
    parent: null,
    sweep: null,
    graph: { format: "netbuilder.graph/1", name: "Playground", nodes: [{ id: "x", type: "Input", params: { shape: [2] } }], edges: [] },
    dataset_options: {},
    config: { epochs: 4, batch_size: 16 },
    files: [],
    onnx_error: null,
    traceback: "",
    stop_requested: false,
  };
}

/** A run's summary: a row of `GET /api/runs`, and what a status message carries. */
export function runSummary(id: number, status: RunDetail["status"] = "running", extra: Partial<RunSummary> = {}): RunSummary {
  const { graph: _g, dataset_options: _d, config: _c, files: _f, onnx_error: _o, traceback: _t, stop_requested: _s, ...row } = runDetail(id, status);
  return { ...row, ...extra };
}

export function snapshot(id: number, events: StreamMessage[], status: RunDetail["status"] = "running"): StreamMessage {
  return { type: "snapshot", data: { run: runDetail(id, status), events } };
}
