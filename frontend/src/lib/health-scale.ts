/**
 * Colouring a graph's nodes by one training-health measure: the shares of dead or saturated units on
 * a fixed 0–1 scale, gradient norms and update ratios on a log scale across the graph's nodes (they
 * span orders of magnitude), activation spread from 0 to the graph's largest.
 */
import type { NodeHealth } from "@/lib/run-types";

export type HealthMeasure = "dead_fraction" | "saturated_fraction" | "grad_norm" | "update_ratio" | "act_std";

export const HEALTH_MEASURES: readonly { measure: HealthMeasure; label: string }[] = [
  { measure: "dead_fraction", label: "dead units" },
  { measure: "saturated_fraction", label: "saturated" },
  { measure: "grad_norm", label: "gradient norm" },
  { measure: "update_ratio", label: "update ratio" },
  { measure: "act_std", label: "activation std" },
];

export interface HealthScale {
  measure: HealthMeasure;
  /** The ends of the scale, in the measure's own units. */
  lo: number;
  hi: number;
  log: boolean;
  /** Where a value falls on the scale, 0–1; null for a node without the measure. */
  position(value: number | null | undefined): number | null;
}

const FRACTIONS: ReadonlySet<HealthMeasure> = new Set(["dead_fraction", "saturated_fraction"]);
const LOGS: ReadonlySet<HealthMeasure> = new Set(["grad_norm", "update_ratio"]);

/** A node's value of `measure`, or null where it has none. */
export function healthValue(health: Record<string, NodeHealth> | undefined, node: string, measure: HealthMeasure): number | null {
  const v = health?.[node]?.[measure];
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

function clamp01(t: number): number {
  return Math.max(0, Math.min(1, t));
}

function build(health: Record<string, NodeHealth>, measure: HealthMeasure): HealthScale {
  if (FRACTIONS.has(measure)) return { measure, lo: 0, hi: 1, log: false, position: (v) => (typeof v === "number" && Number.isFinite(v) ? clamp01(v) : null) };
  const values = Object.keys(health).map((n) => healthValue(health, n, measure)).filter((v): v is number => v !== null);
  if (LOGS.has(measure)) {
    const positive = values.filter((v) => v > 0);
    const lo = positive.length ? Math.min(...positive) : 1;
    const hi = positive.length ? Math.max(...positive) : 1;
    const [a, b] = [Math.log10(lo), Math.log10(hi)];
    return {
      measure, lo, hi, log: true,
      position: (v) => {
        if (typeof v !== "number" || !Number.isFinite(v)) return null;
        if (v <= 0) return 0;
        return b > a ? clamp01((Math.log10(v) - a) / (b - a)) : 1;
      },
    };
  }
  const hi = values.length ? Math.max(0, ...values) : 1;
  return { measure, lo: 0, hi, log: false, position: (v) => (typeof v === "number" && Number.isFinite(v) ? (hi > 0 ? clamp01(v / hi) : 0) : null) };
}

const cache = new WeakMap<Record<string, NodeHealth>, Map<HealthMeasure, HealthScale>>();

/** The scale of `measure` over one health measurement; the same object for the same measurement and measure. */
export function healthScale(health: Record<string, NodeHealth>, measure: HealthMeasure): HealthScale {
  let byMeasure = cache.get(health);
  if (!byMeasure) {
    byMeasure = new Map();
    cache.set(health, byMeasure);
  }
  let scale = byMeasure.get(measure);
  if (!scale) {
    scale = build(health, measure);
    byMeasure.set(measure, scale);
  }
  return scale;
}

/** Where node `node` falls on its graph's scale of `measure` (0–1), or null. */
export function healthPosition(health: Record<string, NodeHealth> | undefined, node: string, measure: HealthMeasure): number | null {
  if (!health) return null;
  return healthScale(health, measure).position(healthValue(health, node, measure));
}

// A sequential ramp, pale to alarming: most measures are worse high.
const RAMP: readonly (readonly [number, number, number])[] = [
  [238, 242, 247],
  [244, 162, 89],
  [192, 57, 43],
];

/** The ramp's colour at `t` (0–1), as CSS. */
export function healthColor(t: number): string {
  const x = clamp01(t) * (RAMP.length - 1);
  const i = Math.min(RAMP.length - 2, Math.floor(x));
  const f = x - i;
  const [a, b] = [RAMP[i]!, RAMP[i + 1]!];
  const c = a.map((v, j) => Math.round(v + (b[j]! - v) * f));
  return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
}

/** The legend's gradient, as a CSS background. */
export function healthGradient(): string {
  return `linear-gradient(to right, ${[0, 0.5, 1].map(healthColor).join(", ")})`;
}

/** A figure for the legend's ends: a percentage for fractions, three significant digits otherwise. */
export function formatHealth(measure: HealthMeasure, v: number): string {
  if (FRACTIONS.has(measure)) return `${Math.round(v * 100)} %`;
  const a = Math.abs(v);
  return a !== 0 && (a < 0.001 || a >= 1000) ? v.toExponential(1) : String(Number(v.toPrecision(3)));
}
