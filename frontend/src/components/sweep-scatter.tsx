/**
 * One figure of every run against one option: pick the metric (y) and the option (x; a log axis when
 * its values span more than 10×, one slot per value for choices). Hover shows the run, a click opens it.
 */
import { memo, useMemo, useState } from "react";
import { PlotAxes } from "@/components/plot-axes";
import { PointTooltip } from "@/components/point-tooltip";
import { navigate } from "@/lib/router";
import { formatCell, numericAxis, optionAxis, PLOT_BOX, toPixel, type SweepColumn } from "@/lib/sweep";
import type { SweepDetail } from "@/lib/sweep-types";

function SweepScatterView({ detail, columns }: { detail: SweepDetail; columns: SweepColumn[] }) {
  const xChoices = columns.filter((c) => c.kind === "option" || c.kind === "size");
  const yChoices = columns.filter((c) => c.kind === "metric" || c.kind === "size");
  const [xKey, setXKey] = useState<string | null>(null);
  const [yKey, setYKey] = useState<string | null>(null);
  const xCol = xChoices.find((c) => c.key === xKey) ?? xChoices[0];
  const yCol = yChoices.find((c) => c.key === yKey) ?? yChoices.find((c) => c.key === "best_val_loss") ?? yChoices[0];
  const [hover, setHover] = useState<number | null>(null);
  const box = PLOT_BOX;

  const plotted = useMemo(() => {
    if (!xCol || !yCol) return null;
    const rows = detail.runs.map((run) => ({ run, x: xCol.value(run), y: yCol.value(run) })).filter((r) => r.x !== null && typeof r.y === "number");
    const xAxis = optionAxis(rows.map((r) => r.x));
    const yAxis = numericAxis(rows.map((r) => r.y as number), false);
    return { rows, xAxis, yAxis };
  }, [detail.runs, xCol, yCol]);

  if (!xCol || !yCol || !plotted) return <p className="muted pad">Nothing to plot yet.</p>;
  const { rows, xAxis, yAxis } = plotted;
  const placed = rows.map((r) => ({ ...r, at: toPixel(box, xAxis, yAxis, r.x, r.y) }));
  const hovered = placed.find((r) => r.run.id === hover && r.at);

  return (
    <div className="sweep-plot" data-testid="sweep-scatter" data-points={placed.filter((r) => r.at).length} data-x={xCol.key} data-y={yCol.key} data-x-scale={xAxis.kind}>
      <div className="plot-tools">
        <label>
          y{" "}
          <select value={yCol.key} onChange={(e) => setYKey(e.target.value)} data-testid="scatter-y">
            {yChoices.map((c) => (
              <option key={c.key} value={c.key}>
                {c.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          x{" "}
          <select value={xCol.key} onChange={(e) => setXKey(e.target.value)} data-testid="scatter-x">
            {xChoices.map((c) => (
              <option key={c.key} value={c.key}>
                {c.label}
              </option>
            ))}
          </select>
        </label>
      </div>
      {rows.length === 0 ? (
        <p className="muted pad">No run has {yCol.label.toLowerCase()} yet.</p>
      ) : (
        <div className="plot-box">
          <svg viewBox={`0 0 ${box.width} ${box.height}`} className="plot-svg" role="img" aria-label={`${yCol.label} against ${xCol.label}`}>
            <PlotAxes box={box} x={xAxis} y={yAxis} xLabel={xCol.label} yLabel={yCol.label} yPercent={yCol.percent} />
            {placed.map((r) =>
              r.at ? (
                <circle
                  key={r.run.id}
                  cx={r.at.x}
                  cy={r.at.y}
                  r={5}
                  className={`plot-point${hover === r.run.id ? " hover" : ""}`}
                  data-testid={`scatter-point-${r.run.id}`}
                  onMouseEnter={() => setHover(r.run.id)}
                  onMouseLeave={() => setHover((h) => (h === r.run.id ? null : h))}
                  onClick={() => navigate(`/runs/${r.run.id}/`)}
                />
              ) : null,
            )}
          </svg>
          {hovered?.at && (
            <PointTooltip box={box} at={hovered.at} run={hovered.run} options={detail.options} lines={[`${yCol.label}: ${formatCell(yCol, hovered.y)}`]} testId="scatter-tooltip" />
          )}
        </div>
      )}
    </div>
  );
}

export const SweepScatter = memo(SweepScatterView);
