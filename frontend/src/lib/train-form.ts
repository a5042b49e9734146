/** The Train dialog's form logic: the dataset list's groups, option specs with the dataset's defaults, and the run request. */
import type { BuiltinDataset, DatasetPreview, RunRequest, UploadedDataset } from "@/lib/run-types";
import type { GraphDoc, ParamSpec, ParamValue } from "@/lib/types";

/** The options most runs touch; the rest go under "More options". */
export const BASIC_OPTIONS = ["epochs", "batch_size", "optimizer", "lr", "loss", "scheduler"];

/** A training or dataset option as a form field, its default being the dataset's when it has one. */
export function optionToSpec(option: ParamSpec, datasetDefault?: ParamValue): ParamSpec {
  return datasetDefault !== undefined ? { ...option, default: datasetDefault } : option;
}

const GROUPS: { title: string; test: (d: BuiltinDataset) => boolean }[] = [
  { title: "2-D (draws a decision boundary)", test: (d) => d.input_shape.length === 1 && d.input_shape[0] === 2 && d.task === "classification" },
  { title: "Images", test: (d) => d.input_shape.length >= 2 },
  { title: "Tabular and synthetic", test: () => true },
];

/** The built-in datasets in the list's groups (each in the first group it fits), empty groups left out. */
export function groupBuiltins(list: readonly BuiltinDataset[]): { title: string; items: BuiltinDataset[] }[] {
  const left = [...list];
  return GROUPS.map((g) => {
    const items = left.filter(g.test);
    for (const d of items) left.splice(left.indexOf(d), 1);
    return { title: g.title, items };
  }).filter((g) => g.items.length);
}

/** An upload's summary shown as a dataset preview. */
export function uploadPreview(u: UploadedDataset): DatasetPreview {
  return { ...(u.preview ?? {}), name: u.key, title: u.name, task: u.task, input_shape: u.input_shape, samples: u.samples, classes: u.classes ?? undefined, target_size: u.target_size ?? undefined };
}

/** The config form's fields: the server's options (or, without a list, the dataset's defaults), each defaulting to the dataset's value. */
export function configSpecs(options: readonly ParamSpec[] | null, optionsMissing: boolean, defaults: Record<string, ParamValue>): ParamSpec[] {
  const list = options ?? (optionsMissing ? fallbackOptions(defaults) : []);
  return list.map((o) => optionToSpec(o, defaults[o.name]));
}

/** When the server has no options list: the fields the dataset sets defaults for, typed by their values. */
export function fallbackOptions(defaults: Record<string, ParamValue>): ParamSpec[] {
  return Object.entries(defaults).map(([name, v]) => ({
    name,
    kind: typeof v === "boolean" ? "bool" : typeof v === "number" ? (Number.isInteger(v) && name !== "lr" ? "int" : "float") : "string",
    default: v,
  }));
}

/**
 * Values of JSON-valued options (`kind: "object"`, e.g. augment) typed as text: JSON when it parses,
 * the plain string otherwise ("imagenet").
 */
export function parseObjectValues(values: Record<string, ParamValue | undefined>, options: readonly ParamSpec[]): Record<string, unknown> {
  const objects = new Set(options.filter((o) => o.kind === "object").map((o) => o.name));
  const out: Record<string, unknown> = { ...values };
  for (const name of objects) {
    const v = values[name];
    if (typeof v !== "string") continue;
    try {
      out[name] = JSON.parse(v);
    } catch {
      out[name] = v;
    }
  }
  return out;
}

/** Only the values the user set: the server fills the rest from the dataset's defaults. */
export function setValues<V>(values: Record<string, V | undefined>): Record<string, V> {
  const out: Record<string, V> = {};
  for (const [k, v] of Object.entries(values)) if (v !== undefined) out[k] = v;
  return out;
}

export interface RunSource {
  graph: GraphDoc;
  /** The saved architecture when the canvas holds exactly it (nothing unsaved). */
  architecture: { id: number; version: number } | null;
}

export function buildRunRequest(source: RunSource, dataset: string, datasetOptions: Record<string, ParamValue | undefined>, config: Record<string, unknown>, name: string): RunRequest {
  const req: RunRequest = source.architecture
    ? { architecture: source.architecture.id, architecture_version: source.architecture.version, dataset }
    : { graph: source.graph, dataset };
  const opts = setValues(datasetOptions);
  if (Object.keys(opts).length) req.dataset_options = opts;
  const cfg = setValues(config);
  if (Object.keys(cfg).length) req.config = cfg;
  if (name.trim()) req.name = name.trim();
  return req;
}
