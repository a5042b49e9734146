/**
 * A sweep's results as tables and plots: its columns (the varied options, the final and best
 * metrics, the size of each design), sorting, the validation error to trade off against size, the
 * Pareto front, and the axes (extent, log or linear, ticks) the plots draw. All from the server's
 * answer (GET /api/sweeps/{id}); nothing here decides what the server decides.
 */
import { formatCount } from "@/lib/format";
import { formatDuration } from "@/lib/progress";
import { isActive, type RunSummary } from "@/lib/run-types";
import type { SweepDetail, SweepRun } from "@/lib/sweep-types";

export type CellValue = number | string | boolean | null;

export interface SweepColumn {
  key: string;
  label: string;
  /** What the column sorts and plots by (null: the run has none). */
  value(run: SweepRun): CellValue;
  kind: "id" | "text" | "option" | "metric" | "size";
  /** A 0–1 fraction shown as a percentage. */
  percent?: boolean;
}

function num(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

function cell(v: unknown): CellValue {
  if (v === undefined || v === null) return null;
  if (typeof v === "number" || typeof v === "string" || typeof v === "boolean") return v;
  return JSON.stringify(v);
}

/** The validation figure beside the loss: R² for regression runs, accuracy for classification. */
export function validationKind(runs: readonly SweepRun[]): "accuracy" | "r2" | null {
  const has = (k: string) => runs.some((r) => num(r.final_metrics?.[k]) !== null || num(r.best_metrics?.[k]) !== null);
  if (has("val_r2")) return "r2";
  if (has("val_accuracy")) return "accuracy";
  return null;
}

/** The design a run trains: its saved architecture (and version), or its own graph. */
export function designKey(run: Pick<SweepRun, "architecture" | "architecture_version">): string {
  return run.architecture === null ? "graph" : `${run.architecture}@${run.architecture_version ?? ""}`;
}

/**
 * The results table's columns: the run, its status, its design (when the sweep trains several), each
 * varied option, the final and best validation figures, the best epoch, parameters, FLOPs and time.
 * A design is named as the server names it (`architecture_name`).
 */
export function sweepColumns(detail: Pick<SweepDetail, "options" | "runs">): SweepColumn[] {
  const runs = detail.runs;
  const validation = validationKind(runs);
  const vKey = validation === "r2" ? "val_r2" : "val_accuracy";
  const vLabel = validation === "r2" ? "R²" : "acc.";
  const percent = validation === "accuracy";
  const columns: SweepColumn[] = [
    { key: "id", label: "#", kind: "id", value: (r) => r.id },
    { key: "status", label: "Status", kind: "text", value: (r) => r.status },
  ];
  if (new Set(runs.map(designKey)).size > 1) {
    columns.push({
      key: "design",
      label: "Design",
      kind: "text",
      value: (r) => (r.architecture === null ? "graph" : `${r.architecture_name ?? `#${r.architecture}`} v${r.architecture_version ?? "?"}`),
    });
  }
  for (const option of detail.options) columns.push({ key: `option:${option}`, label: option, kind: "option", value: (r) => cell(r.config?.[option]) });
  columns.push({ key: "val_loss", label: "Val loss", kind: "metric", value: (r) => num(r.final_metrics?.val_loss) });
  if (validation) columns.push({ key: vKey, label: `Val ${vLabel}`, kind: "metric", percent, value: (r) => num(r.final_metrics?.[vKey]) });
  columns.push({ key: "best_epoch", label: "Best epoch", kind: "metric", value: (r) => r.best_epoch ?? null });
  columns.push({ key: "best_val_loss", label: "Best val loss", kind: "metric", value: (r) => num(r.best_metrics?.val_loss) });
  if (validation) columns.push({ key: `best_${vKey}`, label: `Best val ${vLabel}`, kind: "metric", percent, value: (r) => num(r.best_metrics?.[vKey]) });
  columns.push({ key: "params", label: "Params", kind: "size", value: (r) => r.params });
  columns.push({ key: "flops", label: "FLOPs", kind: "size", value: (r) => r.flops });
  columns.push({ key: "time_s", label: "Time", kind: "metric", value: (r) => num(r.final_metrics?.time_s) });
  return columns;
}

/** A cell as the table shows it: percentages, 4 significant digits, sizes as 12.3k, seconds as "1.2 s". */
export function formatCell(column: Pick<SweepColumn, "key" | "kind" | "percent">, value: CellValue): string {
  if (value === null) return "—";
  if (typeof value !== "number") return String(value);
  if (column.percent) return `${(value * 100).toFixed(1)}%`;
  if (column.kind === "size") return formatCount(value);
  if (column.key === "time_s") return value < 60 ? `${Number(value.toPrecision(2))} s` : formatDuration(value);
  if (column.kind === "id" || Number.isInteger(value)) return String(value);
  return String(Number(value.toPrecision(4)));
}

export type SortDir = "asc" | "desc";

export interface SortState {
  key: string;
  dir: SortDir;
}

function compareCells(a: CellValue, b: CellValue): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "boolean" && typeof b === "boolean") return Number(a) - Number(b);
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}

/** The runs sorted by a column: missing values last either way, ties by run id. */
export function sortRuns<R extends SweepRun>(runs: readonly R[], column: SweepColumn, dir: SortDir): R[] {
  const sign = dir === "asc" ? 1 : -1;
  return [...runs].sort((a, b) => {
    const va = column.value(a);
    const vb = column.value(b);
    if (va === null || vb === null) return va === vb ? a.id - b.id : va === null ? 1 : -1;
    return sign * compareCells(va, vb) || a.id - b.id;
  });
}

/** A click on a column header: the same column flips its direction, another starts ascending. */
export function nextSort(current: SortState | null, key: string): SortState {
  if (current?.key === key) return { key, dir: current.dir === "asc" ? "desc" : "asc" };
  return { key, dir: "asc" };
}

// The trade-off -------------------------------------------------------------------------------------

export type ErrorKind = "1-accuracy" | "val_loss";

/** Classification sweeps trade off 1 − accuracy; the others the validation loss. */
export function errorKind(runs: readonly SweepRun[]): ErrorKind {
  return runs.some((r) => num(r.best_metrics?.val_accuracy) !== null || num(r.final_metrics?.val_accuracy) !== null) ? "1-accuracy" : "val_loss";
}

export const ERROR_LABELS: Record<ErrorKind, string> = { "1-accuracy": "best val error (1 − accuracy)", val_loss: "best val loss" };

/** A run's validation error: of its best epoch, else its final metrics; null when it has neither. */
export function runError(run: Pick<SweepRun, "best_metrics" | "final_metrics">, kind: ErrorKind): number | null {
  if (kind === "1-accuracy") {
    const acc = num(run.best_metrics?.val_accuracy) ?? num(run.final_metrics?.val_accuracy);
    return acc === null ? null : 1 - acc;
  }
  return num(run.best_metrics?.val_loss) ?? num(run.final_metrics?.val_loss);
}

export type CostKind = "params" | "flops";

export interface TradeoffPoint {
  run: SweepRun;
  cost: number;
  error: number;
  pareto: boolean;
}

/**
 * Indices of the points no other point beats: one with cost ≤ and error ≤ and at least one of them
 * strictly lower dominates. Equal points are both on the front.
 */
export function paretoFront(points: readonly { cost: number; error: number }[]): Set<number> {
  const front = new Set<number>();
  points.forEach((p, i) => {
    const beaten = points.some((q, j) => j !== i && q.cost <= p.cost && q.error <= p.error && (q.cost < p.cost || q.error < p.error));
    if (!beaten) front.add(i);
  });
  return front;
}

/** Every run with an error and a positive cost, marked when it is on the Pareto front. */
export function tradeoffPoints(runs: readonly SweepRun[], cost: CostKind, kind: ErrorKind = errorKind(runs)): TradeoffPoint[] {
  const points = runs.flatMap((run) => {
    const error = runError(run, kind);
    const c = run[cost];
    return error !== null && Number.isFinite(c) && c > 0 ? [{ run, cost: c, error, pareto: false }] : [];
  });
  const front = paretoFront(points);
  return points.map((p, i) => (front.has(i) ? { ...p, pareto: true } : p));
}

/** The front's points in the order its line joins them: cheapest first. */
export function frontLine(points: readonly TradeoffPoint[]): TradeoffPoint[] {
  return points.filter((p) => p.pareto).sort((a, b) => a.cost - b.cost || a.error - b.error || a.run.id - b.run.id);
}

// Axes ---------------------------------------------------------------------------------------------

export interface NumericAxis {
  kind: "linear" | "log";
  domain: [number, number];
  ticks: number[];
}

export interface CategoryAxis {
  kind: "category";
  categories: string[];
}

export type Axis = NumericAxis | CategoryAxis;

/** Log when every value is positive and they span more than 10×. */
export function wantsLog(values: readonly number[]): boolean {
  const finite = values.filter((v) => Number.isFinite(v));
  if (!finite.length || finite.some((v) => v <= 0)) return false;
  return Math.max(...finite) / Math.min(...finite) > 10;
}

function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

/** Rounds away the float noise of a tick (0.30000000000000004 → 0.3). */
function clean(v: number): number {
  return Number(v.toPrecision(12));
}

/**
 * An axis over `values`: log when asked (or, with `log` undefined, when they span more than 10×),
 * padded a little so no point sits on the frame; ticks at round numbers (powers of ten on a log axis,
 * with 2 and 5 between them when it spans under three decades).
 */
export function numericAxis(values: readonly number[], log?: boolean): NumericAxis {
  const finite = values.filter((v) => Number.isFinite(v));
  const useLog = (log ?? wantsLog(finite)) && finite.length > 0 && finite.every((v) => v > 0);
  if (!finite.length) return { kind: "linear", domain: [0, 1], ticks: [0, 0.5, 1] };
  let lo = Math.min(...finite);
  let hi = Math.max(...finite);
  if (useLog) {
    let a = Math.log10(lo);
    let b = Math.log10(hi);
    const pad = b > a ? (b - a) * 0.06 : 0.5;
    a -= pad;
    b += pad;
    const ticks: number[] = [];
    const decades = b - a;
    const steps = decades < 3 ? [1, 2, 5] : [1];
    for (let e = Math.floor(a); e <= Math.ceil(b); e++) {
      for (const m of steps) {
        const t = clean(m * 10 ** e);
        const lt = Math.log10(t);
        if (lt >= a && lt <= b) ticks.push(t);
      }
    }
    return { kind: "log", domain: [10 ** a, 10 ** b], ticks };
  }
  if (lo === hi) {
    const d = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= d;
    hi += d;
  } else {
    const pad = (hi - lo) * 0.06;
    lo -= pad;
    hi += pad;
  }
  const step = niceStep(hi - lo, 5);
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(clean(t));
  return { kind: "linear", domain: [lo, hi], ticks };
}

/** An option's axis: numbers get a numeric one (log over 10×), anything else one slot per distinct value. */
export function optionAxis(values: readonly CellValue[]): Axis {
  const present = values.filter((v): v is Exclude<CellValue, null> => v !== null);
  if (present.length && present.every((v) => typeof v === "number")) return numericAxis(present as number[]);
  const categories = [...new Set(present.map(String))].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  return { kind: "category", categories };
}

/** Where `value` falls on `axis`, as a fraction 0–1 of its length (null: not on it). */
export function axisFraction(axis: Axis, value: CellValue): number | null {
  if (value === null) return null;
  if (axis.kind === "category") {
    const i = axis.categories.indexOf(String(value));
    return i < 0 ? null : (i + 0.5) / axis.categories.length;
  }
  if (typeof value !== "number" || !Number.isFinite(value)) return null;
  const [lo, hi] = axis.domain;
  if (axis.kind === "log") {
    if (value <= 0) return null;
    return (Math.log10(value) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo));
  }
  return (value - lo) / (hi - lo);
}

/** A tick's label: short (1e-3 as 0.001, 25,000 as 25k). */
export function tickLabel(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e9) return `${clean(v / 1e9)}G`;
  if (a >= 1e6) return `${clean(v / 1e6)}M`;
  if (a >= 1e3) return `${clean(v / 1e3)}k`;
  if (a !== 0 && a < 1e-3) return v.toExponential(0);
  return String(clean(v));
}

/** The plots' frame in SVG units: the drawing area is inside the margins. */
export interface PlotBox {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

export const PLOT_BOX: PlotBox = { width: 560, height: 300, left: 58, right: 16, top: 12, bottom: 42 };

/** Where (x, y) is drawn in the box (SVG y grows down), or null when either is off its axis. */
export function toPixel(box: PlotBox, xAxis: Axis, yAxis: Axis, x: CellValue, y: CellValue): { x: number; y: number } | null {
  const fx = axisFraction(xAxis, x);
  const fy = axisFraction(yAxis, y);
  if (fx === null || fy === null) return null;
  const w = box.width - box.left - box.right;
  const h = box.height - box.top - box.bottom;
  return { x: box.left + fx * w, y: box.top + (1 - fy) * h };
}

// Live --------------------------------------------------------------------------------------------

/** The sweep with a run's new summary (a `status` message) in place of its row; other runs left alone. */
export function applySweepStatus(detail: SweepDetail, summary: RunSummary): SweepDetail {
  if (!detail.runs.some((r) => r.id === summary.id)) return detail;
  return { ...detail, runs: detail.runs.map((r) => (r.id === summary.id ? { ...r, ...summary } : r)) };
}

/** While any run may still change, the page keeps listening. */
export function sweepActive(detail: Pick<SweepDetail, "status" | "runs">): boolean {
  return isActive(detail.status) || detail.runs.some((r) => isActive(r.status));
}

/** One line of a run's varied options: "lr=0.03, batch_size=32". */
export function optionLabel(run: SweepRun, options: readonly string[]): string {
  return options.map((o) => `${o}=${String(cell(run.config?.[o]))}`).join(", ");
}
