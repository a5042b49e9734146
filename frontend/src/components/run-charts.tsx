/** The run page's live curves: loss (train per step, train and validation per epoch), validation accuracy or R², learning rate. */
import { memo, useCallback } from "react";
import type uPlot from "uplot";
import { LineChart, type ChartSeries } from "@/components/line-chart";
import { lossColumns, validationColumns, validationMetric, type ValidationMetric } from "@/lib/run-series";
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
  { label: "epoch train loss", color: "#1d3f9e", width: 1.5, points: true, dash: [4, 3] },
];
const LR_SERIES: ChartSeries[] = [{ label: "learning rate", color: "#8e6bd8" }];
const ACC_SERIES: ChartSeries[] = [{ label: "val accuracy", color: "#1f8a4c", width: 2, points: true }];
const ACC5_SERIES: ChartSeries[] = [...ACC_SERIES, { label: "val top-5", color: "#0f8b8d", width: 1.5, points: true, dash: [4, 3] }];
const R2_SERIES: ChartSeries[] = [{ label: "val R²", color: "#1f8a4c", width: 2, points: true }];

/** The validation panel's heading: what the run measures, once an epoch has told. */
export function validationTitle(metric: ValidationMetric | null): string {
  return metric === "r2" ? "Validation R²" : metric === "accuracy" ? "Validation accuracy" : "Validation";
}

/** The run's validation metric, for headings. */
export function useValidationMetric(): ValidationMetric | null {
  return useRun((s) => validationMetric(s.series.epochs));
}

const lossData = (): uPlot.AlignedData => lossColumns(runStore.getState().series) as unknown as uPlot.AlignedData;
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

/** Validation accuracy (and top-5) per epoch; R² instead for a regression run. */
function AccuracyChartView() {
  const metric = useValidationMetric();
  const hasTop5 = useRun((s) => s.series.epochs.some((e) => e.val_top5 !== undefined));
  const getData = useCallback((): uPlot.AlignedData => {
    const { x, ys } = validationColumns(runStore.getState().series.epochs);
    // Until an epoch tells the metric (or without a validation set), a column of gaps keeps the series count.
    return (ys.length ? [x, ...ys] : [x, x.map(() => null)]) as uPlot.AlignedData;
  }, []);
  const r2 = metric === "r2";
  return (
    <LineChart
      xLabel="epoch"
      series={r2 ? R2_SERIES : hasTop5 ? ACC5_SERIES : ACC_SERIES}
      getData={getData}
      subscribe={subscribeRun}
      height={170}
      yRange={r2 ? undefined : [0, 1]}
      xIntegers
      testId={r2 ? "chart-r2" : "chart-accuracy"}
      emptyText="Validation figures appear after the first epoch."
    />
  );
}
export const AccuracyChart = memo(AccuracyChartView);

function LrChartView() {
  return <LineChart xLabel="step" series={LR_SERIES} getData={lrData} subscribe={subscribeRun} height={170} testId="chart-lr" emptyText="—" />;
}
export const LrChart = memo(LrChartView);
