/** Per-layer weight or gradient norms over the epochs, on a log scale. */
import { memo, useCallback, useMemo, useState } from "react";
import type uPlot from "uplot";
import { LineChart, type ChartSeries } from "@/components/line-chart";
import { subscribeRun } from "@/components/run-charts";
import { normColumns } from "@/lib/run-series";
import { runStore, useRun } from "@/store/run-store";

const PALETTE = ["#3563e9", "#f59322", "#1f8a4c", "#d0353b", "#8e6bd8", "#0f8b8d", "#be185d", "#ca8a04", "#64748b", "#4d7c0f"];

function NormsChartView() {
  const [which, setWhich] = useState<"weight" | "grad">("weight");
  // The layer list only changes when a new layer name shows up (normally once, with the first epoch).
  const layerKey = useRun((s) => {
    const last = s.series.epochs[s.series.epochs.length - 1];
    return last?.norms ? Object.keys(last.norms).join("\u0000") : "";
  });
  const series = useMemo<ChartSeries[]>(
    () => (layerKey ? layerKey.split("\u0000") : []).map((name, i) => ({ label: name, color: PALETTE[i % PALETTE.length] as string, points: true, width: 1.5 })),
    [layerKey],
  );
  const getData = useCallback((): uPlot.AlignedData => {
    const { x, ys } = normColumns(runStore.getState().series.epochs, which);
    return [x, ...ys] as uPlot.AlignedData;
  }, [which]);
  return (
    <div className="norms-chart" data-testid="norms-chart" data-layers={series.length}>
      <div className="panel-tools">
        <div className="segmented" role="group" aria-label="Norm">
          <button type="button" className={which === "weight" ? "on" : undefined} onClick={() => setWhich("weight")}>
            weights
          </button>
          <button type="button" className={which === "grad" ? "on" : undefined} onClick={() => setWhich("grad")}>
            gradients
          </button>
        </div>
      </div>
      {series.length ? (
        <LineChart key={which} xLabel="epoch" series={series} getData={getData} subscribe={subscribeRun} height={200} logY xIntegers testId="chart-norms" />
      ) : (
        <p className="muted pad">Layer norms appear after the first epoch.</p>
      )}
    </div>
  );
}

export const NormsChart = memo(NormsChartView);
