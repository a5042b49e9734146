/**
 * Wire types: the catalog, graph documents and validation answers as docs/api.md defines them. The API's
 * answers are generated from its OpenAPI schema into api-types.ts (`make api-types`); graph documents are
 * docs/graph-format.md's, written here.
 */
import type { components } from "@/lib/api-types";

/** Every schema /api/openapi.json declares, by name. */
export type Schemas = components["schemas"];

/** An answer whose `graph` is a graph document (the schema only says "an object"). */
export type WithGraph<T> = Omit<T, "graph"> & { graph: GraphDoc };

/** T with the keys K optional: keys the browser's own objects (made-up form fields, test fixtures) leave out. */
export type Loose<T, K extends keyof T> = Omit<T, K> & Partial<Pick<T, K>>;

export const GRAPH_FORMAT = "netbuilder.graph/1";
export const CATALOG_FORMAT = "netbuilder.catalog/1";

/**
 * One option as the server publishes it (`builder/engine/options.py`): a layer's parameter, a training
 * option, a dataset's or an upload's option all have this one shape.
 */
export type OptionSpec = Schemas["OptionSpec"];

export type ParamKind = OptionSpec["kind"];

export type ParamValue = OptionSpec["default"];

/** A form field: an option as served; a field made up without the server (a test, a fallback) may leave keys out. */
export type ParamSpec = Pick<OptionSpec, "name" | "kind"> & Partial<Omit<OptionSpec, "name" | "kind">>;

export type LayerSpec = Omit<Schemas["LayerSpec"], "params"> & { params: ParamSpec[] };

export type Catalog = Loose<Omit<Schemas["Catalog"], "layers"> & { layers: LayerSpec[] }, "limits">;

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

export type GraphError = Schemas["ErrorItem"];

/** What the compiler worked out for one node; null where it could not (the node or its inputs are in error). */
export type NodeReport = Schemas["NodeReport"];

export type ValidationResult = Omit<Schemas["ValidationResult"], "output_shapes"> & {
  output_shapes: Schemas["ValidationResult"]["output_shapes"] | Record<string, unknown>;
};

export type Me = Schemas["Me"];

export type ArchitectureSummary = Schemas["ArchitectureSummary"];

export type Architecture = WithGraph<Schemas["ArchitectureOut"]>;

export type Template = WithGraph<Schemas["Template"]>;

/** One architecture a TorchvisionModel node takes (`GET /api/torchvision`). */
export type TorchvisionArch = Loose<Schemas["TorchvisionArch"], "transforms">;

/** `POST /api/graphs/import`: the file's document and its validation (per-node errors included). */
export type ImportedGraph = WithGraph<Schemas["ImportedGraph"]>;

/** What loading a state dict into a graph would do (`POST /api/weights/check`), before anything is applied. */
export type WeightsReport = Schemas["WeightsReport"];

export type WeightsCheck = Schemas["WeightsCheck"];

/** A kept weights file (`POST /api/weights`); runs start from it with `"init_weights": id`. */
export type WeightsFile = Schemas["WeightsFileOut"];
