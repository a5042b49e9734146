/** Wire types: the catalog, graph documents and validation answers as docs/api.md defines them. */

export const GRAPH_FORMAT = "netbuilder.graph/1";
export const CATALOG_FORMAT = "netbuilder.catalog/1";

export type ParamKind = "int" | "float" | "bool" | "choice" | "ints" | "int_or_ints" | "shape" | "floats";

export type ParamValue = number | boolean | string | number[] | null;

export interface ParamSpec {
  name: string;
  kind: ParamKind;
  required?: boolean;
  inferred?: boolean;
  nullable?: boolean;
  default?: ParamValue;
  min?: number | null;
  max?: number | null;
  choices?: string[];
  length?: number | null;
  doc?: string;
}

export interface LayerSpec {
  type: string;
  category: string;
  doc: string;
  inputs: { min: number; max: number | null; names?: string[] };
  /** Number of outputs; null when it depends on the parameters (Split: one per size). */
  outputs: number | null;
  params: ParamSpec[];
}

export interface Catalog {
  format: string;
  categories: string[];
  layers: LayerSpec[];
}

export interface Position {
  x: number;
  y: number;
}

export interface GraphDocNode {
  id: string;
  type: string;
  params?: Record<string, ParamValue>;
  position?: Position;
  [extra: string]: unknown;
}

export interface GraphDocEdge {
  source: string;
  target: string;
  port?: number;
  source_port?: number;
}

export interface GraphDoc {
  format: string;
  name: string;
  nodes: GraphDocNode[];
  edges: GraphDocEdge[];
  [extra: string]: unknown;
}

export interface GraphError {
  node?: string | null;
  field?: string | null;
  loc?: unknown;
  message: string;
}

/** What the compiler worked out for one node; null where it could not (the node or its inputs are in error). */
export interface NodeReport {
  shape: number[] | null;
  shapes: (number[] | null)[];
  params: number | null;
  flops: number | null;
}

export interface ValidationResult {
  ok: boolean;
  params: number;
  trainable_params: number;
  flops: number;
  param_bytes: number;
  output_shapes: Record<string, unknown> | unknown[];
  nodes: Record<string, NodeReport>;
  errors: GraphError[];
}

export interface Me {
  id: number;
  username: string;
}

export interface ArchitectureSummary {
  id: number;
  name: string;
  version: number;
  updated_at: string;
  created_at: string;
}

export interface Architecture extends ArchitectureSummary {
  graph: GraphDoc;
  versions?: { version: number; created_at: string }[];
}

export interface Template {
  id: string;
  name: string;
  description: string;
  graph: GraphDoc;
}

/** One architecture a TorchvisionModel node takes (`GET /api/torchvision`). */
export interface TorchvisionArch {
  arch: string;
  params: number;
  gflops: number;
  head: { module: string; in_features: number; out_features: number };
  /** The pretrained file under the weights folder, and whether it is there. */
  weights: { file: string; path: string; available: boolean };
  input: { min_size: number; fixed_size: number | null };
  expandable: boolean;
  /** Why it does not expand into catalog layers; null when it does. */
  expand_problem: string | null;
}

/** `POST /api/graphs/import`: the file's document and its validation (per-node errors included). */
export interface ImportedGraph {
  graph: GraphDoc;
  validation: ValidationResult;
}

/** What loading a state dict into a graph would do (`POST /api/weights/check`), before anything is applied. */
export interface WeightsReport {
  matched: string[];
  /** Uploaded key → the graph key it fills (an expanded network's `layer1_0_conv1.weight`). */
  renamed: Record<string, string>;
  missing: string[];
  unexpected: string[];
  mismatched: { key: string; expected: number[]; got: number[] }[];
  ok: boolean;
}

export interface WeightsCheck extends WeightsReport {
  file: string;
  tensors: number;
}

/** A kept weights file (`POST /api/weights`); runs start from it with `"init_weights": id`. */
export interface WeightsFile {
  id: number;
  name: string;
  size_bytes: number;
  tensors: number;
  created_at: string;
  report?: WeightsReport;
}
