/**
 * A uPlot line chart made once and fed with `setData`: a change notice (`subscribe`) schedules one
 * redraw per animation frame however many messages arrived, so 20 updates a second over 100,000 points
 * stay smooth. The element carries `data-points`, the number of x values drawn.
 */
import { memo, useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export interface ChartSeries {
  label: string;
  color: string;
  width?: number;
  dash?: number[];
  /** Draw a dot at each value (sparse series such as per-epoch validation). */
  points?: boolean;
  scale?: string;
}

export interface LineChartProps {
  title?: string;
  xLabel: string;
  series: readonly ChartSeries[];
  /** The data now: [x, ...ys], each as long as x; null for a gap. */
  getData(): uPlot.AlignedData;
  /** Calls `onChange` whenever getData would answer something new; returns the unsubscribe. */
  subscribe?(onChange: () => void): () => void;
  /** Changes of this value replace the data too (for charts fed by React state). */
  dataKey?: unknown;
  height?: number;
  logY?: boolean;
  /** A second y scale on the right for the series with `scale: "y2"`. */
  y2Label?: string;
  yRange?: [number, number];
  testId?: string;
  emptyText?: string;
  /** Whole-number ticks on x (epochs). */
  xIntegers?: boolean;
}

const AXIS = { stroke: "#6b7382", grid: { stroke: "#eef0f3", width: 1 }, ticks: { stroke: "#e2e5ea", width: 1 }, font: "11px system-ui, sans-serif" };

const INT_INCRS = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000];

function fmtTick(v: number | null): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "";
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(1);
  return String(Number(v.toPrecision(4)));
}

function LineChartView({ title, xLabel, series, getData, subscribe, dataKey, height = 220, logY, y2Label, yRange, testId, emptyText, xIntegers }: LineChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const getDataRef = useRef(getData);
  getDataRef.current = getData;
  const zoomed = useRef(false);
  const frame = useRef<number | null>(null);
  const seriesKey = JSON.stringify(series) + String(logY) + String(y2Label) + JSON.stringify(yRange) + String(xIntegers);

  const push = () => {
    frame.current = null;
    const u = plot.current;
    const el = box.current;
    if (!u || !el) return;
    const data = getDataRef.current();
    u.setData(data, !zoomed.current);
    const n = data[0]?.length ?? 0;
    el.dataset.points = String(n);
    el.classList.toggle("is-empty", n === 0);
  };
  const schedule = () => {
    if (frame.current === null) frame.current = requestAnimationFrame(push);
  };

  // The chart itself: made once per set of series, never per message.
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const width = Math.max(200, el.clientWidth);
    const opts: uPlot.Options = {
      width,
      height,
      ...(title ? { title } : {}),
      scales: {
        x: { time: false },
        y: logY ? { distr: 3 } : yRange ? { range: yRange } : {},
        ...(y2Label ? { y2: {} } : {}),
      },
      axes: [
        { ...AXIS, label: xLabel, labelSize: 18, labelFont: "11px system-ui, sans-serif", size: 36, ...(xIntegers ? { incrs: INT_INCRS } : {}) },
        { ...AXIS, size: 52, values: (_u, vals) => vals.map(fmtTick) },
        ...(y2Label ? [{ ...AXIS, scale: "y2", side: 1, label: y2Label, labelSize: 18, labelFont: "11px system-ui, sans-serif", size: 52, grid: { show: false }, values: (_u: uPlot, vals: number[]) => vals.map(fmtTick) }] : []),
      ],
      series: [
        { label: xLabel, value: (_u, v) => (v == null ? "—" : String(v)) },
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: s.width ?? 1.5,
          scale: s.scale ?? "y",
          spanGaps: true,
          ...(s.dash ? { dash: s.dash } : {}),
          points: s.points ? { show: true, size: 6, fill: s.color } : { show: false },
          value: (_u: uPlot, v: number | null) => (v == null ? "—" : fmtTick(v)),
        })),
      ],
      legend: { live: true },
      cursor: { drag: { x: true, y: false } },
      hooks: {
        setSelect: [
          (u) => {
            if (u.select.width > 2) zoomed.current = true;
          },
        ],
      },
    };
    const u = new uPlot(opts, getDataRef.current(), el);
    plot.current = u;
    const onDbl = () => {
      zoomed.current = false;
      schedule();
    };
    u.over.addEventListener("dblclick", onDbl);
    el.dataset.points = String(u.data[0]?.length ?? 0);
    el.classList.toggle("is-empty", (u.data[0]?.length ?? 0) === 0);
    const ro = new ResizeObserver(() => {
      const w = Math.max(200, el.clientWidth);
      if (Math.abs(w - u.width) > 1) u.setSize({ width: w, height });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.over.removeEventListener("dblclick", onDbl);
      if (frame.current !== null) cancelAnimationFrame(frame.current);
      frame.current = null;
      u.destroy();
      plot.current = null;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [seriesKey, height, xLabel, title]);

  useEffect(() => {
    if (!subscribe) return;
    return subscribe(schedule);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [subscribe]);

  useEffect(() => {
    schedule();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [dataKey]);

  return (
    <div className="line-chart" ref={box} data-testid={testId} data-points="0">
      {emptyText && <div className="chart-empty">{emptyText}</div>}
    </div>
  );
}

export const LineChart = memo(LineChartView);
