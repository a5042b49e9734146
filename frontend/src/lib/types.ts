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
