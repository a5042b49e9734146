/**
 * Wire types of runs, datasets, training options and the run stream, as docs/api.md defines them. HTTP
 * answers come from the generated api-types.ts (via `Schemas`); the websocket stream's messages are written
 * here, and so are the final metrics, which the schema leaves an open object.
 */
import type { GraphDoc, Loose, OptionSpec, Schemas } from "@/lib/types";

export type RunStatus = Schemas["RunSummary"]["status"];
export const ACTIVE_STATUSES: readonly RunStatus[] = ["queued", "running"];
export const RUN_STATUSES: readonly RunStatus[] = ["queued", "running", "succeeded", "failed", "stopped"];

export function isActive(status: RunStatus | string | undefined): boolean {
  return status === "queued" || status === "running";
}

export type FileKind = Schemas["RunDetail"]["files"][number];

export interface FinalMetrics {
  epoch?: number;
  epochs?: number;
  steps?: number;
  train_loss?: number;
  val_loss?: number;
  val_accuracy?: number;
  val_top5?: number;
  val_r2?: number;
  time_s?: number;
  samples_per_s?: number;
  confusion?: number[][];
  classes?: string[];
  [key: string]: unknown;
}

export type RunSummary = Omit<Schemas["RunSummary"], "final_metrics"> & { final_metrics: FinalMetrics };

export type RunDetail = Omit<Schemas["RunDetail"], "final_metrics" | "graph"> & {
  final_metrics: FinalMetrics;
  graph: GraphDoc;
};

export interface MetricsPoint {
  step: number;
  epoch: number;
  train_loss: number;
  lr: number;
  samples_per_s: number;
}

export interface Boundary {
  x: [number, number];
  y: [number, number];
  size: number;
  /** size×size predicted classes, row-major; row r is the r-th step of y (from y min). */
  classes: number[];
}

export interface NodeHealth {
  act_mean: number;
  act_std: number;
  /** ReLU/ReLU6: units that are 0 for every sample of the batch. */
  dead_fraction: number | null;
  /** Tanh beyond ±0.99, Sigmoid outside 0.01–0.99. */
  saturated_fraction: number | null;
  grad_norm: number | null;
  /** ‖Δw‖ / ‖w‖ since the last measurement. */
  update_ratio: number | null;
  /** The measures past their alert line now, as the server decides them. */
  alerts?: HealthAlert["kind"][];
}

export interface HealthAlert {
  node: string;
  kind: "dead" | "saturated" | "exploding";
  message: string;
}

/**
 * Each unit's output over the data's square (2-D data only): `size`×`size` values per unit, row-major,
 * row r the r-th step of y from its min (as the boundary's `classes`); `range` is over all the node's units.
 */
export interface UnitPictures {
  size: number;
  range: [number, number];
  values: number[][];
}

/** A 2-D picture as the probe's: rows of values, `range` its [lo, hi] (drawn black to white). */
export interface Picture {
  size: [number, number];
  range: [number, number];
  values: number[][];
}

/** The first channels of a (C, H, W) output, `of` C in all. */
export interface ChannelPictures {
  channels: Picture[];
  of: number;
}

/** A class index (classification), or a regression target's values. */
export type SampleTarget = number | number[] | null;

/** Image runs: one fixed validation sample, and every Conv/Pool node's first channels on it. */
export interface FeatureMaps {
  sample: { index: number; label: SampleTarget; prediction: SampleTarget; image: ChannelPictures };
  nodes: Record<string, ChannelPictures>;
}

export interface EpochData {
  epoch: number;
  epochs: number;
  step: number;
  train_loss: number;
  val_loss?: number;
  val_accuracy?: number;
  val_top5?: number;
  /** Regression runs: 1 - SS_res / SS_tot on the validation set. */
  val_r2?: number;
  /** Seconds of the training steps alone. */
  time_s: number;
  /** Samples over the steps' seconds alone (not the epoch's). */
  samples_per_s: number;
  /** The epoch's whole wall time: steps, evaluation, figures and checkpoint (older runs lack it). */
  epoch_seconds?: number;
  /** Training samples over `epoch_seconds`. */
  samples_per_second?: number;
  /** When the epoch ended, Unix seconds (the worker's clock). */
  ended_at?: number;
  norms?: Record<string, { weight: number; grad: number }>;
  /** Per graph node, on a fixed batch, at most 4 times a second (builder/engine/training/health.py). */
  health?: Record<string, NodeHealth>;
  /** The alerts that start at this epoch (also sent as log messages). */
  alerts?: HealthAlert[];
  boundary?: Boundary;
  /** 2-D data: every node with a vector output of at most 64 values, each unit's picture (at a watchable rate). */
  units?: Record<string, UnitPictures>;
  /** Image data: the fixed sample and the Conv/Pool nodes' feature maps (at a watchable rate). */
  feature_maps?: FeatureMaps;
  /** [x, y, label] of a sample of the data; sent with the first epoch only. */
  points?: [number, number, number][];
}

/** `GET /api/runs/{id}/pictures`: the last stored epoch's pictures and health (null where it sent none). */
export type RunPictures = Omit<Schemas["RunPictures"], "units" | "feature_maps" | "health"> & {
  units: Record<string, UnitPictures> | null;
  feature_maps: FeatureMaps | null;
  health: Record<string, NodeHealth> | null;
};

/** A `status` message's data: exactly the run's summary as `GET /api/runs` lists it. */
export type StatusData = RunSummary;

export interface FinalData {
  status: RunStatus;
  metrics: FinalMetrics;
  files: FileKind[];
  message?: string;
  onnx_error?: string;
  /** Kinds of file still being written when the run ended (ONNX): a `files` message follows. */
  pending?: FileKind[];
}

/** After a final message that listed files as pending: every kind of file the run has now. */
export interface FilesData {
  files: FileKind[];
  onnx_error?: string;
}

export type StreamMessage =
  | { type: "snapshot"; data: { run: RunDetail; events: StreamMessage[] } }
  | { type: "status"; data: StatusData }
  | { type: "metrics"; data: { step: number; points: MetricsPoint[] } }
  | { type: "epoch"; data: EpochData }
  | { type: "log"; data: { message: string } }
  | { type: "finished" | "failed" | "stopped"; data: FinalData }
  | { type: "files"; data: FilesData };

export type FinalType = "finished" | "failed" | "stopped";
export const FINAL_TYPES: readonly string[] = ["finished", "failed", "stopped"];

// Datasets -----------------------------------------------------------------------------------------

export type BuiltinDataset = Schemas["BuiltinDataset"];

export type UploadedDataset = Schemas["UploadedDatasetOut"];

export type DatasetList = Schemas["DatasetList"];

export type PreviewSample = Schemas["PreviewSample"];

/** A dataset's description and first samples; the Train dialog also shows an upload's as one. */
export type DatasetPreview = Partial<Schemas["DatasetPreview"]> & { columns?: string[]; [key: string]: unknown };

/** One option of a run's `config` (the engine's TrainConfig), from GET /api/training/options. */
export type TrainingOption = OptionSpec;

/** `POST /api/runs/check`'s answer: what the run would be, resolved by the server's own checks. */
export type RunPlan = Omit<Schemas["RunPlan"], "dataset" | "input"> & {
  dataset: Loose<Schemas["DatasetDescription"], "title" | "description" | "dtype" | "samples" | "validation" | "options">;
  input: Loose<Schemas["PlanInput"], "dtype">;
};

export type RunRequest = Omit<Schemas["RunIn"], "graph"> & { graph?: GraphDoc };
