/** Wire types of runs, datasets, training options and the run stream, as docs/api.md defines them. */
import type { GraphDoc, ParamValue } from "@/lib/types";

export type RunStatus = "queued" | "running" | "succeeded" | "failed" | "stopped";
export const ACTIVE_STATUSES: readonly RunStatus[] = ["queued", "running"];
export const RUN_STATUSES: readonly RunStatus[] = ["queued", "running", "succeeded", "failed", "stopped"];

export function isActive(status: RunStatus | string | undefined): boolean {
  return status === "queued" || status === "running";
}

export type FileKind = "pth" | "safetensors" | "checkpoint" | "model_py" | "onnx" | "graph";

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

export interface RunSummary {
  id: number;
  name: string;
  status: RunStatus;
  dataset: string;
  architecture: number | null;
  architecture_version: number | null;
  worker: string;
  device: string;
  step: number;
  epoch: number;
  error: string;
  final_metrics: FinalMetrics;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  duration_s: number | null;
}

export interface RunDetail extends RunSummary {
  graph: GraphDoc;
  dataset_options: Record<string, unknown>;
  config: Record<string, unknown>;
  files: FileKind[];
  onnx_error: string | null;
  traceback: string;
  stop_requested: boolean;
}

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
  boundary?: Boundary;
  /** [x, y, label] of a sample of the data; sent with the first epoch only. */
  points?: [number, number, number][];
}

/** A `status` message's data: exactly the run's summary as `GET /api/runs` lists it. */
export type StatusData = RunSummary;

export interface FinalData {
  status: RunStatus;
  metrics: FinalMetrics;
  files: FileKind[];
  message?: string;
  onnx_error?: string;
}

export type StreamMessage =
  | { type: "snapshot"; data: { run: RunDetail; events: StreamMessage[] } }
  | { type: "status"; data: StatusData }
  | { type: "metrics"; data: { step: number; points: MetricsPoint[] } }
  | { type: "epoch"; data: EpochData }
  | { type: "log"; data: { message: string } }
  | { type: "finished" | "failed" | "stopped"; data: FinalData };

export type FinalType = "finished" | "failed" | "stopped";
export const FINAL_TYPES: readonly string[] = ["finished", "failed", "stopped"];

// Datasets -----------------------------------------------------------------------------------------

export interface OptionSpec {
  name: string;
  kind: string;
  default?: ParamValue;
  nullable?: boolean;
  min?: number | null;
  max?: number | null;
  choices?: string[];
  doc?: string;
}

export interface BuiltinDataset {
  name: string;
  title: string;
  description: string;
  source: string;
  task: "classification" | "regression" | string;
  input_shape: number[];
  dtype: string;
  classes?: string[];
  target_size?: number;
  options: OptionSpec[];
  defaults: Record<string, ParamValue>;
  available: boolean;
}

export interface UploadedDataset {
  id: number;
  key: string;
  name: string;
  kind: string;
  task: string;
  input_shape: number[];
  samples: number;
  classes: string[] | null;
  target_size: number | null;
  size_bytes: number;
  created_at: string;
  preview?: DatasetPreview;
}

export interface DatasetList {
  builtin: BuiltinDataset[];
  uploads: UploadedDataset[];
  max_upload_bytes: number;
}

export interface PreviewSample {
  x: unknown;
  y: unknown;
}

export interface DatasetPreview {
  name?: string;
  title?: string;
  description?: string;
  task?: string;
  input_shape?: number[];
  dtype?: string;
  samples?: number;
  classes?: string[];
  target_size?: number;
  columns?: string[];
  preview?: PreviewSample[];
  class_counts?: number[] | Record<string, number>;
  target_mean?: number | number[];
  target_std?: number | number[];
  [key: string]: unknown;
}

/** One option of a run's `config` (the engine's TrainConfig), from GET /api/training/options. */
export interface TrainingOption extends OptionSpec {}

/** `POST /api/runs/check`'s answer: what the run would be, resolved by the server's own checks. */
export interface RunPlan {
  config: Record<string, unknown>;
  dataset: { name: string; title?: string; task: string; input_shape: number[]; classes?: string[]; target_size?: number };
  input: { node: string; shape: number[]; dtype?: string };
  output: { node: string; shape: number[] };
  loss: string | null;
}

export interface RunRequest {
  graph?: GraphDoc;
  architecture?: number;
  architecture_version?: number;
  dataset: string;
  dataset_options?: Record<string, unknown>;
  config?: Record<string, unknown>;
  name?: string;
  /** An uploaded weights file to start from. */
  init_weights?: number;
}
