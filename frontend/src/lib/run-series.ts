/**
 * A run's stream folded into chart-ready buffers: the snapshot, then live messages, then the snapshot
 * of a reconnect, merged by step. Steps only grow: a metrics point at or below the last step kept is
 * dropped, and so is an epoch at or below the last epoch kept, so a replayed or late message can never
 * rewind a curve.
 *
 * The per-step columns are append-only typed arrays that double when full; charts read views of them.
 * They are mutated in place (copying 100,000 points per message is not an option); `version` counts the
 * changes, and that number is what stores and charts compare.
 */
import type { Boundary, EpochData, FeatureMaps, FinalData, HealthAlert, MetricsPoint, NodeHealth, StreamMessage, UnitPictures } from "@/lib/run-types";

/** An append-only column of numbers backed by a Float64Array that doubles when full. */
export class Column {
  private buf: Float64Array;
  length = 0;

  constructor(capacity = 1024) {
    this.buf = new Float64Array(Math.max(1, capacity));
  }

  push(value: number): void {
    if (this.length === this.buf.length) {
      const next = new Float64Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = value;
  }

  at(i: number): number | undefined {
    return i >= 0 && i < this.length ? this.buf[i] : undefined;
  }

  last(): number | undefined {
    return this.at(this.length - 1);
  }

  /** Inserts `value` at index `i`, shifting the rest right (rare: only a backfill does it). */
  insert(i: number, value: number): void {
    this.push(0);
    this.buf.copyWithin(i + 1, i, this.length - 1);
    this.buf[i] = value;
  }

  /** The filled part, without copying; valid until the next push. */
  view(): Float64Array {
    return this.buf.subarray(0, this.length);
  }
}

/** An epoch's summary without its heavy parts (boundary grid, data points, pictures, health) and its alerts, kept apart. */
export type EpochSummary = Omit<EpochData, "boundary" | "points" | "units" | "feature_maps" | "health" | "alerts">;

/** A heavy part of an epoch, kept for the latest epoch that sent it only. */
export interface Latest<T> {
  epoch: number;
  value: T;
}

/** The newest pictures and health of a run: only the latest of each is kept (each is a new object when it changes). */
export interface LatestPictures {
  units: Latest<Record<string, UnitPictures>> | null;
  featureMaps: Latest<FeatureMaps> | null;
  health: Latest<Record<string, NodeHealth>> | null;
}

export function noPictures(): LatestPictures {
  return { units: null, featureMaps: null, health: null };
}

function newer<T>(kept: Latest<T> | null, epoch: number, value: T | undefined | null): Latest<T> | null {
  if (value === undefined || value === null) return kept;
  return kept && kept.epoch > epoch ? kept : { epoch, value };
}

/**
 * The latest pictures with an epoch's folded in: each part is replaced only by one of the same or a
 * later epoch, so a backfilled older epoch never hides a newer picture. Unchanged parts keep their
 * identity; the answer is `latest` itself when nothing changed.
 */
export function foldPictures(latest: LatestPictures, data: Pick<EpochData, "epoch" | "units" | "feature_maps" | "health">): LatestPictures {
  const units = newer(latest.units, data.epoch, data.units);
  const featureMaps = newer(latest.featureMaps, data.epoch, data.feature_maps);
  const health = newer(latest.health, data.epoch, data.health);
  if (units === latest.units && featureMaps === latest.featureMaps && health === latest.health) return latest;
  return { units, featureMaps, health };
}

function summaryOf(data: EpochData): EpochSummary {
  const { boundary: _b, points: _p, units: _u, feature_maps: _f, health: _h, alerts: _a, ...summary } = data;
  return summary;
}

export const MAX_LOG_LINES = 2000;
export const MAX_BOUNDARIES = 1000;

export interface RunSeries {
  /** Per metrics point. */
  steps: Column;
  trainLoss: Column;
  lr: Column;
  samplesPerS: Column;
  epochOf: Column;
  /** Validation loss at the point of each epoch's end, null elsewhere: aligned with `steps` for one chart. */
  valLossAtStep: (number | null)[];
  /** Each epoch's mean training loss at the point of its end, null elsewhere, aligned the same way. */
  epochLossAtStep: (number | null)[];
  /** The highest step kept (metrics points and epoch ends). */
  lastStep: number;
  epochs: EpochSummary[];
  /** Each epoch's decision boundary, in epoch order. */
  boundaries: { epoch: number; boundary: Boundary }[];
  /** A sample of the data, [x, y, label], for drawing under the boundary. */
  points: [number, number, number][] | null;
  /** The newest unit pictures, feature maps and health, each from the latest epoch that sent one. */
  latest: LatestPictures;
  /** Every alert the run raised, in the order they came. */
  alerts: HealthAlert[];
  logs: string[];
  final: ({ type: "finished" | "failed" | "stopped" } & FinalData) | null;
  /** Bumped by every change. */
  version: number;
}

export function createRunSeries(capacity = 1024): RunSeries {
  return {
    steps: new Column(capacity),
    trainLoss: new Column(capacity),
    lr: new Column(capacity),
    samplesPerS: new Column(capacity),
    epochOf: new Column(capacity),
    valLossAtStep: [],
    epochLossAtStep: [],
    lastStep: 0,
    epochs: [],
    boundaries: [],
    points: null,
    latest: noPictures(),
    alerts: [],
    logs: [],
    final: null,
    version: 0,
  };
}

/** The step to resume from after a dropped connection (`?after=`): the highest one kept. */
export function resumeStep(series: RunSeries): number {
  return series.lastStep;
}

function lastEpochNumber(series: RunSeries): number {
  return series.epochs[series.epochs.length - 1]?.epoch ?? 0;
}

/** Appends the points above the last step; returns how many were kept. */
export function addPoints(series: RunSeries, points: readonly MetricsPoint[]): number {
  let kept = 0;
  for (const p of points) {
    if (!(p.step > series.lastStep) || !Number.isFinite(p.step)) continue;
    series.steps.push(p.step);
    series.trainLoss.push(p.train_loss);
    series.lr.push(p.lr);
    series.samplesPerS.push(p.samples_per_s);
    series.epochOf.push(p.epoch);
    series.valLossAtStep.push(null);
    series.epochLossAtStep.push(null);
    series.lastStep = p.step;
    kept++;
  }
  return kept;
}

/** Index of the last point at or below `step`, or -1. */
export function lastIndexAtOrBelow(steps: Column, step: number): number {
  let lo = 0;
  let hi = steps.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((steps.at(mid) as number) <= step) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

/** Puts an epoch's losses at the point of its end (the last point at or below its step), if any. */
function alignEpoch(series: RunSeries, data: EpochData): void {
  const i = lastIndexAtOrBelow(series.steps, data.step);
  if (i < 0) return;
  if (data.val_loss !== undefined) series.valLossAtStep[i] = data.val_loss;
  series.epochLossAtStep[i] = data.train_loss;
}

function keepHeavyParts(series: RunSeries, data: EpochData): void {
  series.latest = foldPictures(series.latest, data);
  if (data.alerts?.length) series.alerts = [...series.alerts, ...data.alerts];
}

/** Keeps an epoch newer than the last one kept; returns whether it was kept. */
export function addEpoch(series: RunSeries, data: EpochData): boolean {
  if (!(data.epoch > lastEpochNumber(series))) return false;
  const { boundary, points } = data;
  series.epochs.push(summaryOf(data));
  keepHeavyParts(series, data);
  alignEpoch(series, data);
  if (boundary) {
    series.boundaries.push({ epoch: data.epoch, boundary });
    if (series.boundaries.length > MAX_BOUNDARIES) series.boundaries.splice(0, series.boundaries.length - MAX_BOUNDARIES);
  }
  if (points && !series.points) series.points = points;
  if (data.step > series.lastStep) series.lastStep = data.step;
  return true;
}

/**
 * Folds one stream message into `series`; returns whether anything changed. A snapshot's events are
 * folded in order (the snapshot's `run` is the caller's business).
 */
export function applyMessage(series: RunSeries, msg: StreamMessage): boolean {
  let changed = false;
  switch (msg.type) {
    case "snapshot":
      for (const e of msg.data.events) changed = applyMessage(series, e) || changed;
      return changed;
    case "metrics":
      changed = addPoints(series, msg.data.points) > 0;
      break;
    case "epoch":
      changed = addEpoch(series, msg.data);
      break;
    case "log":
      series.logs.push(msg.data.message);
      if (series.logs.length > MAX_LOG_LINES) series.logs.splice(0, series.logs.length - MAX_LOG_LINES);
      changed = true;
      break;
    case "finished":
    case "failed":
    case "stopped":
      if (series.final) return false;
      series.final = { type: msg.type, ...msg.data };
      changed = true;
      break;
    case "files":
      if (!series.final?.pending?.length) return false;
      series.final = { ...series.final, files: msg.data.files, onnx_error: msg.data.onnx_error ?? series.final.onnx_error, pending: [] };
      changed = true;
      break;
    default:
      return false;
  }
  if (changed) series.version++;
  return changed;
}

/** The run has ended and has nothing more to send: its final message, with no file still pending. */
export function settled(series: RunSeries): boolean {
  return series.final !== null && !series.final.pending?.length;
}

/** The latest boundary, or the one of `epoch` when given (null when there is none yet). */
export function boundaryAt(series: RunSeries, epoch?: number): { epoch: number; boundary: Boundary } | null {
  if (!series.boundaries.length) return null;
  if (epoch === undefined) return series.boundaries[series.boundaries.length - 1] ?? null;
  let best: { epoch: number; boundary: Boundary } | null = null;
  for (const b of series.boundaries) if (b.epoch <= epoch) best = b;
  return best ?? series.boundaries[0] ?? null;
}

/** Per-layer norms over the epochs, as chart columns: x = epochs, one column per layer. */
export function normColumns(epochs: readonly EpochSummary[], which: "weight" | "grad"): { layers: string[]; x: number[]; ys: (number | null)[][] } {
  const layers: string[] = [];
  const seen = new Set<string>();
  for (const e of epochs) {
    for (const name of Object.keys(e.norms ?? {})) {
      if (!seen.has(name)) {
        seen.add(name);
        layers.push(name);
      }
    }
  }
  const x = epochs.map((e) => e.epoch);
  const ys = layers.map((name) => epochs.map((e) => e.norms?.[name]?.[which] ?? null));
  return { layers, x, ys };
}

/**
 * Fills a hole in the history: points below the last step that the series lacks (a watcher who
 * joined while the server still held the latest messages unsaved gets them from the stored events
 * a moment later). Points it already has are left alone. Returns how many were added.
 */
export function backfillPoints(series: RunSeries, points: readonly MetricsPoint[]): number {
  let added = 0;
  for (const p of points) {
    if (!Number.isFinite(p.step)) continue;
    if (p.step > series.lastStep) {
      added += addPoints(series, [p]);
      continue;
    }
    const i = lastIndexAtOrBelow(series.steps, p.step);
    if (i >= 0 && series.steps.at(i) === p.step) continue;
    const at = i + 1;
    series.steps.insert(at, p.step);
    series.trainLoss.insert(at, p.train_loss);
    series.lr.insert(at, p.lr);
    series.samplesPerS.insert(at, p.samples_per_s);
    series.epochOf.insert(at, p.epoch);
    series.valLossAtStep.splice(at, 0, null);
    series.epochLossAtStep.splice(at, 0, null);
    added++;
  }
  if (added) series.version++;
  return added;
}

/** Fills in an epoch summary (and its boundary) that the series lacks, in epoch order. */
export function backfillEpoch(series: RunSeries, data: EpochData): boolean {
  if (data.epoch > lastEpochNumber(series)) return applyMessage(series, { type: "epoch", data });
  if (series.epochs.some((e) => e.epoch === data.epoch)) return false;
  const { boundary, points } = data;
  const at = series.epochs.findIndex((e) => e.epoch > data.epoch);
  series.epochs.splice(at < 0 ? series.epochs.length : at, 0, summaryOf(data));
  keepHeavyParts(series, data);
  alignEpoch(series, data);
  if (boundary) {
    const b = series.boundaries.findIndex((x) => x.epoch > data.epoch);
    series.boundaries.splice(b < 0 ? series.boundaries.length : b, 0, { epoch: data.epoch, boundary });
  }
  if (points && !series.points) series.points = points;
  series.version++;
  return true;
}

/** Folds stored events (GET /api/runs/{id}/metrics?after=) into the history, filling holes only. */
export function backfill(series: RunSeries, events: readonly StreamMessage[]): boolean {
  let changed = false;
  for (const e of events) {
    if (e.type === "metrics") changed = backfillPoints(series, e.data.points) > 0 || changed;
    else if (e.type === "epoch") changed = backfillEpoch(series, e.data) || changed;
  }
  return changed;
}

/**
 * The loss chart's columns, [step, train loss, val loss, epoch train loss]: the per-step views while
 * there are points (no copy), else one x per epoch end, so a run whose steps aren't logged yet (or at
 * all) still draws its epochs.
 */
export function lossColumns(series: RunSeries): [ArrayLike<number>, ArrayLike<number | null>, (number | null)[], (number | null)[]] {
  if (series.steps.length || !series.epochs.length) {
    return [series.steps.view(), series.trainLoss.view(), series.valLossAtStep, series.epochLossAtStep];
  }
  const epochs = series.epochs;
  return [epochs.map((e) => e.step), epochs.map(() => null), epochs.map((e) => e.val_loss ?? null), epochs.map((e) => e.train_loss)];
}

/** The per-epoch validation figure a run charts: R² for regression, accuracy (and top-5) for classification. */
export type ValidationMetric = "accuracy" | "r2";

export function validationMetric(epochs: readonly EpochSummary[]): ValidationMetric | null {
  if (epochs.some((e) => e.val_r2 !== undefined)) return "r2";
  if (epochs.some((e) => e.val_accuracy !== undefined)) return "accuracy";
  return null;
}

/** Columns of the validation chart: x = epochs, then accuracy (and top-5 when any) or R². */
export function validationColumns(epochs: readonly EpochSummary[]): { metric: ValidationMetric | null; x: number[]; ys: (number | null)[][] } {
  const metric = validationMetric(epochs);
  const x = epochs.map((e) => e.epoch);
  if (metric === "r2") return { metric, x, ys: [epochs.map((e) => e.val_r2 ?? null)] };
  if (metric === null) return { metric, x, ys: [] };
  const ys = [epochs.map((e) => e.val_accuracy ?? null)];
  if (epochs.some((e) => e.val_top5 !== undefined)) ys.push(epochs.map((e) => e.val_top5 ?? null));
  return { metric, x, ys };
}

/** A node's alerts, the latest of each kind, in the order they first came. */
export function nodeAlerts(alerts: readonly HealthAlert[], node: string): HealthAlert[] {
  const byKind = new Map<string, HealthAlert>();
  for (const a of alerts) if (a.node === node) byKind.set(a.kind, a);
  return [...byKind.values()];
}
