/**
 * The New sweep dialog's form as a request: the designs, the dataset and the shared config as the
 * Train dialog builds them, plus the grid (an option and its values typed as text) or the random space
 * (samples, seed, each option's min, max and log). Only what the user typed is parsed here, as the
 * option's kind reads; whether the values are allowed is the server's answer (POST /api/sweeps).
 */
import { parseParam } from "@/lib/catalog";
import type { RandomSpace, SampleRange, SweepRequest } from "@/lib/sweep-types";
import { setValues } from "@/lib/train-form";
import type { GraphDoc, ParamSpec, ParamValue } from "@/lib/types";

export interface GridRow {
  option: string;
  /** The values as typed: "0.1, 0.01" (lists and objects: "1, 2; 3, 4", one value per `;`). */
  values: string;
}

export interface RangeRow {
  option: string;
  min: string;
  max: string;
  log: boolean;
}

export type SweepMode = "grid" | "random";

/** What the sweep trains: the canvas's own graph, or saved architectures (one or more). */
export type SweepDesigns = { graph: GraphDoc } | { architectures: number[] };

export interface SweepFormState {
  name: string;
  designs: SweepDesigns;
  dataset: string;
  datasetOptions: Record<string, ParamValue | undefined>;
  /** The shared options, already parsed (the config fields' values). */
  config: Record<string, unknown>;
  mode: SweepMode;
  grid: GridRow[];
  samples: string;
  seed: string;
  ranges: RangeRow[];
}

export interface FormError {
  field: string;
  message: string;
}

/** Kinds whose one value is itself a list or an object: their values are separated by `;`. */
const COMPOUND = new Set(["ints", "floats", "shape", "int_or_ints", "strings", "object"]);

/** How the values field separates values for this option. */
export function valueSeparator(spec: ParamSpec | undefined): ";" | "," {
  return spec && COMPOUND.has(spec.kind) ? ";" : ",";
}

function parseOne(spec: ParamSpec | undefined, text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  if (!spec) {
    const n = Number(text);
    return { ok: true, value: text !== "" && Number.isFinite(n) ? n : text };
  }
  if (spec.kind === "bool") {
    const t = text.toLowerCase();
    if (t === "true" || t === "false") return { ok: true, value: t === "true" };
    return { ok: false, error: `'${text}' is not true or false` };
  }
  if (spec.kind === "strings") return { ok: true, value: text.split(",").map((s) => s.trim()).filter(Boolean) };
  if (spec.kind === "object") {
    try {
      return { ok: true, value: JSON.parse(text) as unknown };
    } catch {
      return { ok: true, value: text }; // a named preset ("imagenet"), as the Train dialog reads it
    }
  }
  const parsed = parseParam({ ...spec, required: false }, text);
  // A value past a published bound is sent as typed: the server's refusal names the combination.
  if (parsed.ok || parsed.value !== undefined) return { ok: true, value: parsed.value ?? null };
  return { ok: false, error: `'${text}': ${parsed.error}` };
}

/** The values typed for one grid option, each read as the option's kind reads it. */
export function parseGridValues(spec: ParamSpec | undefined, text: string): { ok: true; values: unknown[] } | { ok: false; error: string } {
  const tokens = text.split(valueSeparator(spec)).map((t) => t.trim()).filter((t) => t !== "");
  const values: unknown[] = [];
  for (const token of tokens) {
    const one = parseOne(spec, token);
    if (!one.ok) return one;
    values.push(one.value);
  }
  return { ok: true, values };
}

function parseNumber(text: string): number | null {
  const t = text.trim();
  if (!t) return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

/**
 * The request the dialog sends, or what the user typed that is not a number or a value of its option
 * (each error names the request field the server would: `grid.lr`, `random.space.lr.min`).
 */
export function buildSweepRequest(form: SweepFormState, options: readonly ParamSpec[]): { request: SweepRequest; errors: [] } | { request: null; errors: FormError[] } {
  const specs = new Map(options.map((o) => [o.name, o]));
  const errors: FormError[] = [];
  const request: SweepRequest = { dataset: form.dataset };
  if ("graph" in form.designs) request.graph = form.designs.graph;
  else if (form.designs.architectures.length === 1) request.architecture = form.designs.architectures[0];
  else request.architectures = form.designs.architectures;
  if (form.name.trim()) request.name = form.name.trim();
  const datasetOptions = setValues(form.datasetOptions);
  if (Object.keys(datasetOptions).length) request.dataset_options = datasetOptions;
  const config = setValues(form.config);
  if (Object.keys(config).length) request.config = config;

  if (form.mode === "grid") {
    const grid: Record<string, unknown[]> = {};
    for (const row of form.grid) {
      if (!row.option) continue;
      const parsed = parseGridValues(specs.get(row.option), row.values);
      if (parsed.ok) grid[row.option] = parsed.values;
      else errors.push({ field: `grid.${row.option}`, message: parsed.error });
    }
    request.grid = grid;
  } else {
    const samples = parseNumber(form.samples);
    if (samples === null) errors.push({ field: "random.samples", message: `'${form.samples}' is not a number` });
    const seed = form.seed.trim() ? parseNumber(form.seed) : 0;
    if (seed === null) errors.push({ field: "random.seed", message: `'${form.seed}' is not a number` });
    const space: Record<string, SampleRange> = {};
    for (const row of form.ranges) {
      if (!row.option) continue;
      const min = parseNumber(row.min);
      const max = parseNumber(row.max);
      if (min === null) errors.push({ field: `random.space.${row.option}.min`, message: `'${row.min}' is not a number` });
      if (max === null) errors.push({ field: `random.space.${row.option}.max`, message: `'${row.max}' is not a number` });
      if (min !== null && max !== null) space[row.option] = row.log ? { min, max, log: true } : { min, max };
    }
    const random: RandomSpace = { samples: samples ?? 0, seed: seed ?? 0, space };
    request.random = random;
  }
  return errors.length ? { request: null, errors } : { request, errors: [] };
}

/** The server's errors keyed by the form's places: a grid row or range by option, the samples and seed. */
export function sweepFieldErrors(errors: readonly { field?: string | null; message: string }[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of errors) {
    const f = e.field ?? "";
    const m = /^(grid|random\.space)\.([^.]+)/.exec(f);
    if (m) out[`${m[1]}.${m[2]}`] = out[`${m[1]}.${m[2]}`] ? `${out[`${m[1]}.${m[2]}`]}; ${e.message}` : e.message;
    else if (f === "random.samples" || f === "random.seed" || f === "grid" || f === "random") out[f] = e.message;
  }
  return out;
}
