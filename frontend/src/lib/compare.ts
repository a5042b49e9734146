/** Shaping several runs' curves for one overlay chart, and their configurations for a side-by-side table. */

export interface Curve {
  x: ArrayLike<number>;
  y: ArrayLike<number | null>;
}

/**
 * At most about `max` points of a curve sorted by x: every k-th point, always keeping the last, so a
 * long run overlays as cheaply as a short one.
 */
export function thin(curve: Curve, max: number): { x: number[]; y: (number | null)[] } {
  const n = curve.x.length;
  const k = n > max ? Math.ceil(n / max) : 1;
  const x: number[] = [];
  const y: (number | null)[] = [];
  for (let i = 0; i < n; i += k) {
    x.push(curve.x[i] as number);
    y.push(curve.y[i] ?? null);
  }
  if (n && (n - 1) % k !== 0) {
    x.push(curve.x[n - 1] as number);
    y.push(curve.y[n - 1] ?? null);
  }
  return { x, y };
}

/**
 * Curves with different x values as one table: the sorted union of all x, and each curve's y at those
 * x (null where it has no point), which is what an overlay chart with gaps spanned draws.
 */
export function alignCurves(curves: readonly Curve[]): [number[], ...(number | null)[][]] {
  const xs = new Set<number>();
  for (const c of curves) for (let i = 0; i < c.x.length; i++) xs.add(c.x[i] as number);
  const x = [...xs].sort((a, b) => a - b);
  const index = new Map<number, number>();
  x.forEach((v, i) => index.set(v, i));
  const ys = curves.map((c) => {
    const col: (number | null)[] = new Array<number | null>(x.length).fill(null);
    for (let i = 0; i < c.x.length; i++) col[index.get(c.x[i] as number) as number] = c.y[i] ?? null;
    return col;
  });
  return [x, ...ys];
}

export interface ConfigRow {
  key: string;
  values: string[];
  /** True when the runs don't all share the value. */
  differs: boolean;
}

function show(v: unknown): string {
  if (v === undefined) return "—";
  if (v === null) return "None";
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/** One row per key of any of the configurations, in first-seen order, with the differing ones marked. */
export function configRows(configs: readonly Record<string, unknown>[]): ConfigRow[] {
  const keys: string[] = [];
  const seen = new Set<string>();
  for (const c of configs) {
    for (const k of Object.keys(c)) {
      if (!seen.has(k)) {
        seen.add(k);
        keys.push(k);
      }
    }
  }
  return keys.map((key) => {
    const values = configs.map((c) => show(c[key]));
    return { key, values, differs: values.some((v) => v !== values[0]) };
  });
}

/** A stored event list (GET /api/runs/{id}/metrics) as a train-loss curve and per-epoch validation curves. */
export function curvesFromEvents(events: readonly { type: string; data: unknown }[]): {
  trainLoss: { x: number[]; y: number[] };
  valLoss: { x: number[]; y: (number | null)[] };
  valAccuracy: { x: number[]; y: (number | null)[] };
} {
  const trainLoss = { x: [] as number[], y: [] as number[] };
  const valLoss = { x: [] as number[], y: [] as (number | null)[] };
  const valAccuracy = { x: [] as number[], y: [] as (number | null)[] };
  let last = 0;
  let lastEpoch = 0;
  for (const e of events) {
    if (e.type === "metrics") {
      const points = (e.data as { points?: { step: number; train_loss: number }[] }).points ?? [];
      for (const p of points) {
        if (p.step > last) {
          trainLoss.x.push(p.step);
          trainLoss.y.push(p.train_loss);
          last = p.step;
        }
      }
    } else if (e.type === "epoch") {
      const d = e.data as { epoch: number; step: number; val_loss?: number; val_accuracy?: number };
      if (d.epoch <= lastEpoch) continue;
      lastEpoch = d.epoch;
      valLoss.x.push(d.step);
      valLoss.y.push(d.val_loss ?? null);
      valAccuracy.x.push(d.epoch);
      valAccuracy.y.push(d.val_accuracy ?? null);
    }
  }
  return { trainLoss, valLoss, valAccuracy };
}
