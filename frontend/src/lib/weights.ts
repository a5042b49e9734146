/** The Weights panel's logic: what GET /api/runs/{id}/weights answers, grouped, laid out and compared. */

/** Nested lists of numbers as JSON carries them; NaN and ±inf arrive as null. */
export type TensorValues = number | null | TensorValues[];

export interface TensorHistogram {
  /** 33 bin edges, lowest first. */
  edges: number[];
  /** 32 counts of finite elements. */
  counts: number[];
}

export interface TensorWeights {
  name: string;
  /** The graph node whose layer holds the tensor. */
  node: string;
  shape: number[];
  dtype: string;
  numel: number;
  nonfinite: number;
  mean: number | null;
  std: number | null;
  min: number | null;
  max: number | null;
  histogram: TensorHistogram;
  /** Present for tensors of at most 4,096 elements. */
  values: TensorValues | null;
}

export interface RunWeights {
  id: number;
  status: string;
  tensors: TensorWeights[];
}

/** Tensors up to this many elements are shown as numbers; larger ones as a histogram. */
export const SHOWN_VALUES_MAX = 64;

export function showsValues(t: TensorWeights): boolean {
  return t.values !== null && t.values !== undefined && t.numel <= SHOWN_VALUES_MAX;
}

/** Tensors grouped by their node, in the order the nodes first appear. */
export function groupByNode(tensors: readonly TensorWeights[]): { node: string; tensors: TensorWeights[] }[] {
  const groups = new Map<string, TensorWeights[]>();
  for (const t of tensors) {
    const list = groups.get(t.node);
    if (list) list.push(t);
    else groups.set(t.node, [t]);
  }
  return [...groups].map(([node, list]) => ({ node, tensors: list }));
}

function flatten(values: TensorValues, out: (number | null)[] = []): (number | null)[] {
  if (Array.isArray(values)) for (const v of values) flatten(v, out);
  else out.push(values);
  return out;
}

/** Values as rows for a table: a scalar is one cell, a vector one row, higher ranks rows of the last axis. */
export function valueRows(values: TensorValues, shape: readonly number[]): (number | null)[][] {
  const flat = flatten(values);
  const width = shape.length ? Math.max(1, shape[shape.length - 1] ?? 1) : 1;
  const rows: (number | null)[][] = [];
  for (let i = 0; i < flat.length; i += width) rows.push(flat.slice(i, i + width));
  return rows;
}

/** A weight as a table cell: four significant figures, "NaN" for a non-finite one. */
export function formatValue(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return "NaN";
  if (v === 0) return "0";
  const abs = Math.abs(v);
  if (abs >= 1e4 || abs < 1e-3) return v.toExponential(2);
  return String(Number(v.toPrecision(4)));
}

export interface HistogramBar {
  x: number;
  y: number;
  width: number;
  height: number;
  count: number;
  from: number;
  to: number;
}

/** The histogram's bars in a width × height box (y grows downwards, as in SVG), tallest bin full height. */
export function histogramBars(h: TensorHistogram, width: number, height: number): HistogramBar[] {
  const n = h.counts.length;
  if (!n) return [];
  const top = Math.max(...h.counts);
  const w = width / n;
  return h.counts.map((count, i) => {
    const barHeight = top > 0 ? (count / top) * height : 0;
    return { x: i * w, y: height - barHeight, width: w, height: barHeight, count, from: h.edges[i] ?? 0, to: h.edges[i + 1] ?? 0 };
  });
}

export interface LinearFit {
  w: number[];
  b: number;
}

/** The `linear` dataset's true w and b from its description's `info` (`{"w": [...], "b": ...}`), if there. */
export function trueLinear(info: unknown): LinearFit | null {
  if (!info || typeof info !== "object") return null;
  const { w, b } = info as { w?: unknown; b?: unknown };
  if (!Array.isArray(w) || !w.every((v) => typeof v === "number") || typeof b !== "number") return null;
  return { w: w as number[], b };
}

/**
 * The learned w and b of a model that is one Linear layer with one output: a (1, F) weight and a (1,)
 * bias on the same node. Null for any other model (there is no single w to compare).
 */
export function learnedLinear(tensors: readonly TensorWeights[]): (LinearFit & { node: string }) | null {
  const weights = tensors.filter((t) => t.name.endsWith(".weight"));
  if (weights.length !== 1) return null;
  const weight = weights[0]!;
  const bias = tensors.find((t) => t.name === `${weight.name.slice(0, -".weight".length)}.bias`);
  if (weight.shape.length !== 2 || weight.shape[0] !== 1 || !bias || bias.numel !== 1 || weight.values === null || bias.values === null) return null;
  const w = flatten(weight.values);
  const b = flatten(bias.values)[0];
  if (w.some((v) => v === null) || b === null || b === undefined) return null;
  return { node: weight.node, w: w as number[], b };
}

/** The rows of the "learned beside true" table: w (w1, w2, … for several features), then b. */
export function linearRows(learned: LinearFit, truth: LinearFit): { label: string; learned: number | null; truth: number }[] {
  const w = truth.w.map((t, i) => ({ label: truth.w.length > 1 ? `w${i + 1}` : "w", learned: learned.w[i] ?? null, truth: t }));
  return [...w, { label: "b", learned: learned.b, truth: truth.b }];
}
