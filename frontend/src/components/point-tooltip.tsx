/** The box a hovered plot point shows: the run, its options and the figures plotted. */
import { memo } from "react";
import type { PlotBox } from "@/lib/sweep";
import type { SweepRun } from "@/lib/sweep-types";
import { optionLabel } from "@/lib/sweep";

export interface PointTooltipProps {
  box: PlotBox;
  at: { x: number; y: number };
  run: SweepRun;
  options: readonly string[];
  lines: string[];
  testId: string;
}

function PointTooltipView({ box, at, run, options, lines, testId }: PointTooltipProps) {
  const right = at.x > box.width * 0.6;
  const style = {
    left: `${(at.x / box.width) * 100}%`,
    top: `${(at.y / box.height) * 100}%`,
    transform: `translate(${right ? "calc(-100% - 10px)" : "10px"}, -50%)`,
  };
  return (
    <div className="plot-tooltip" style={style} data-testid={testId} data-run={run.id}>
      <b>
        #{run.id} {run.name}
      </b>
      {options.length > 0 && <div>{optionLabel(run, options)}</div>}
      {lines.map((l) => (
        <div key={l} className="muted">
          {l}
        </div>
      ))}
      <div className="muted small-note">click to open the run</div>
    </div>
  );
}

export const PointTooltip = memo(PointTooltipView);
