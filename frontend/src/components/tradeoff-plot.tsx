/**
 * Error against size: every run of the sweep as a point (best validation error against parameters or
 * FLOPs, log x), the Pareto front marked and joined. Hover shows the run, a click opens it.
 */
import { memo, useMemo, useState } from "react";
import { PlotAxes } from "@/components/plot-axes";
import { PointTooltip } from "@/components/point-tooltip";
import { formatCount } from "@/lib/format";
import { navigate } from "@/lib/router";
import { ERROR_LABELS, errorKind, frontLine, numericAxis, PLOT_BOX, toPixel, tradeoffPoints, type CostKind } from "@/lib/sweep";
import type { SweepDetail } from "@/lib/sweep-types";

const COST_LABELS: Record<CostKind, string> = { params: "parameters", flops: "FLOPs" };

function TradeoffPlotView({ detail }: { detail: SweepDetail }) {
  const [cost, setCost] = useState<CostKind>("params");
  const [hover, setHover] = useState<number | null>(null);
  const kind = errorKind(detail.runs);
  const points = useMemo(() => tradeoffPoints(detail.runs, cost, kind), [detail.runs, cost, kind]);
  const xAxis = useMemo(() => numericAxis(points.map((p) => p.cost), true), [points]);
  const yAxis = useMemo(() => numericAxis(points.map((p) => p.error), false), [points]);
  const box = PLOT_BOX;
  const placed = points.map((p) => ({ p, at: toPixel(box, xAxis, yAxis, p.cost, p.error) }));
  const front = frontLine(points)
    .map((p) => toPixel(box, xAxis, yAxis, p.cost, p.error))
    .filter((a): a is { x: number; y: number } => a !== null);
  const hovered = placed.find((q) => q.p.run.id === hover && q.at);
  const percent = kind === "1-accuracy";
  const fmtError = (e: number) => (percent ? `${(e * 100).toFixed(1)}% error` : `val loss ${Number(e.toPrecision(4))}`);

  return (
    <div className="sweep-plot" data-testid="tradeoff-plot" data-points={points.length} data-cost={cost} data-front={points.filter((p) => p.pareto).map((p) => p.run.id).join(",")}>
      <div className="plot-tools">
        <span className="muted">{ERROR_LABELS[kind]} against</span>
        <div className="segmented">
          {(["params", "flops"] as const).map((c) => (
            <button key={c} type="button" className={cost === c ? "on" : undefined} onClick={() => setCost(c)} data-testid={`tradeoff-cost-${c}`}>
              {COST_LABELS[c]}
            </button>
          ))}
        </div>
        <span className="plot-legend">
          <span className="dot pareto" /> Pareto front <span className="dot" /> other runs
        </span>
      </div>
      {points.length === 0 ? (
        <p className="muted pad">No run has a validation figure yet.</p>
      ) : (
        <div className="plot-box">
          <svg viewBox={`0 0 ${box.width} ${box.height}`} className="plot-svg" role="img" aria-label={`${ERROR_LABELS[kind]} against ${COST_LABELS[cost]}`}>
            <PlotAxes box={box} x={xAxis} y={yAxis} xLabel={COST_LABELS[cost]} yLabel={percent ? "val error" : "val loss"} yPercent={percent} />
            {front.length > 1 && <polyline points={front.map((a) => `${a.x},${a.y}`).join(" ")} className="pareto-line" data-testid="tradeoff-front" />}
            {placed.map(({ p, at }) =>
              at ? (
                <circle
                  key={p.run.id}
                  cx={at.x}
                  cy={at.y}
                  r={p.pareto ? 6 : 5}
                  className={`plot-point${p.pareto ? " pareto" : ""}${hover === p.run.id ? " hover" : ""}`}
                  data-testid={`tradeoff-point-${p.run.id}`}
                  data-pareto={p.pareto ? "true" : "false"}
                  onMouseEnter={() => setHover(p.run.id)}
                  onMouseLeave={() => setHover((h) => (h === p.run.id ? null : h))}
                  onClick={() => navigate(`/runs/${p.run.id}/`)}
                />
              ) : null,
            )}
          </svg>
          {hovered?.at && (
            <PointTooltip
              box={box}
              at={hovered.at}
              run={hovered.p.run}
              options={detail.options}
              lines={[fmtError(hovered.p.error), `${formatCount(hovered.p.cost)} ${COST_LABELS[cost]}`, ...(hovered.p.pareto ? ["on the Pareto front"] : [])]}
              testId="tradeoff-tooltip"
            />
          )}
        </div>
      )}
    </div>
  );
}

export const TradeoffPlot = memo(TradeoffPlotView);
