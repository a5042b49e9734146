/** The run page's live curves: loss (train per step, validation per epoch), validation accuracy, learning rate. */
import { memo, useCallback } from "react";
import type uPlot from "uplot";
import { LineChart, type ChartSeries } from "@/components/line-chart";
import { runStore, useRun } from "@/store/run-store";

/** Calls `onChange` when the run's series changed; charts redraw once per frame at most. */
export function subscribeRun(onChange: () => void): () => void {
  return runStore.subscribe((s, prev) => {
    if (s.version !== prev.version || s.series !== prev.series) onChange();
  });
}

const LOSS_SERIES: ChartSeries[] = [
  { label: "train loss", color: "#3563e9", width: 1.25 },
  { label: "val loss", color: "#f59322", width: 2, points: true },
];
const LR_SERIES: ChartSeries[] = [{ label: "learning rate", color: "#8e6bd8" }];
const ACC_SERIES: ChartSeries[] = [{ label: "val accuracy", color: "#1f8a4c", width: 2, points: true }];
const ACC5_SERIES: ChartSeries[] = [...ACC_SERIES, { label: "val top-5", color: "#0f8b8d", width: 1.5, points: true, dash: [4, 3] }];

const lossData = (): uPlot.AlignedData => {
  const s = runStore.getState().series;
  return [s.steps.view(), s.trainLoss.view(), s.valLossAtStep] as unknown as uPlot.AlignedData;
};
const lrData = (): uPlot.AlignedData => {
  const s = runStore.getState().series;
  return [s.steps.view(), s.lr.view()];
};

function LossChartView({ logY }: { logY: boolean }) {
  return (
    <LineChart
      xLabel="step"
      series={LOSS_SERIES}
      getData={lossData}
      subscribe={subscribeRun}
      height={250}
      logY={logY}
      testId="chart-loss"
      emptyText="Waiting for the first steps…"
    />
  );
}
export const LossChart = memo(LossChartView);

function AccuracyChartView() {
  const hasTop5 = useRun((s) => s.series.epochs.some((e) => e.val_top5 !== undefined));
  const getData = useCallback((): uPlot.AlignedData => {
    const epochs = runStore.getState().series.epochs;
    const x = epochs.map((e) => e.epoch);
    const acc = epochs.map((e) => e.val_accuracy ?? null);
    return (hasTop5 ? [x, acc, epochs.map((e) => e.val_top5 ?? null)] : [x, acc]) as uPlot.AlignedData;
  }, [hasTop5]);
  return (
    <LineChart
      xLabel="epoch"
      series={hasTop5 ? ACC5_SERIES : ACC_SERIES}
      getData={getData}
      subscribe={subscribeRun}
      height={170}
      yRange={[0, 1]}
      xIntegers
      testId="chart-accuracy"
      emptyText="Accuracy appears after the first epoch."
    />
  );
}
export const AccuracyChart = memo(AccuracyChartView);

function LrChartView() {
  return <LineChart xLabel="step" series={LR_SERIES} getData={lrData} subscribe={subscribeRun} height={170} testId="chart-lr" emptyText="—" />;
}
export const LrChart = memo(LrChartView);
