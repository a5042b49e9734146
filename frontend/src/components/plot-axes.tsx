/** The frame of the sweep plots: axes, ticks, grid lines and labels, for numeric (linear or log) and category axes. */
import { memo } from "react";
import { axisFraction, tickLabel, type Axis, type PlotBox } from "@/lib/sweep";

function ticksOf(axis: Axis): { value: number | string; label: string }[] {
  if (axis.kind === "category") return axis.categories.map((c) => ({ value: c, label: c }));
  return axis.ticks.map((t) => ({ value: t, label: tickLabel(t) }));
}

export interface PlotAxesProps {
  box: PlotBox;
  x: Axis;
  y: Axis;
  xLabel: string;
  yLabel: string;
  /** Tick labels as percentages (a 0–1 fraction). */
  yPercent?: boolean;
}

function PlotAxesView({ box, x, y, xLabel, yLabel, yPercent }: PlotAxesProps) {
  const w = box.width - box.left - box.right;
  const h = box.height - box.top - box.bottom;
  const bottom = box.top + h;
  return (
    <g className="plot-axes">
      <rect x={box.left} y={box.top} width={w} height={h} className="plot-area" />
      {ticksOf(x).map((t) => {
        const f = axisFraction(x, t.value);
        if (f === null) return null;
        const px = box.left + f * w;
        return (
          <g key={`x${t.label}`}>
            <line x1={px} x2={px} y1={box.top} y2={bottom} className="plot-grid" />
            <text x={px} y={bottom + 14} textAnchor="middle" className="plot-tick">
              {t.label}
            </text>
          </g>
        );
      })}
      {ticksOf(y).map((t) => {
        const f = axisFraction(y, t.value);
        if (f === null) return null;
        const py = box.top + (1 - f) * h;
        const label = yPercent && typeof t.value === "number" ? `${Number((t.value * 100).toPrecision(3))}%` : t.label;
        return (
          <g key={`y${t.label}`}>
            <line x1={box.left} x2={box.left + w} y1={py} y2={py} className="plot-grid" />
            <text x={box.left - 6} y={py + 4} textAnchor="end" className="plot-tick">
              {label}
            </text>
          </g>
        );
      })}
      <text x={box.left + w / 2} y={box.height - 6} textAnchor="middle" className="plot-label">
        {xLabel}
        {x.kind === "log" ? " (log)" : ""}
      </text>
      <text transform={`translate(14 ${box.top + h / 2}) rotate(-90)`} textAnchor="middle" className="plot-label">
        {yLabel}
        {y.kind === "log" ? " (log)" : ""}
      </text>
    </g>
  );
}

export const PlotAxes = memo(PlotAxesView);
