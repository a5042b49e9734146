/** Several runs overlaid: train loss, validation loss and accuracy curves, and their configurations side by side. */
import { memo, useEffect, useMemo, useState } from "react";
import type uPlot from "uplot";
import { LineChart, type ChartSeries } from "@/components/line-chart";
import { api } from "@/lib/api";
import { alignCurves, configRows, curvesFromEvents, thin } from "@/lib/compare";
import type { RunDetail, RunSummary } from "@/lib/run-types";

const COLORS = ["#3563e9", "#f59322", "#1f8a4c", "#d0353b", "#8e6bd8", "#0f8b8d", "#be185d", "#ca8a04"];
const MAX_POINTS = 4000;

interface Loaded {
  detail: RunDetail;
  curves: ReturnType<typeof curvesFromEvents>;
  /** The summary's step and status when loaded: a change means the run moved on. */
  stamp: string;
}

const stampOf = (r: RunSummary) => `${r.status}:${r.step}:${r.epoch}`;

function ComparePanelView({ runs }: { runs: RunSummary[] }) {
  const [loaded, setLoaded] = useState<Record<number, Loaded>>({});
  const key = runs.map((r) => `${r.id}@${stampOf(r)}`).join(",");

  useEffect(() => {
    let live = true;
    for (const r of runs) {
      const have = loaded[r.id];
      if (have && have.stamp === stampOf(r)) continue;
      void Promise.all([api.run(r.id), api.runEvents(r.id)]).then(
        ([detail, events]) => {
          if (!live) return;
          setLoaded((prev) => ({ ...prev, [r.id]: { detail, curves: curvesFromEvents(events.events), stamp: stampOf(r) } }));
        },
        () => undefined,
      );
    }
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);

  const ready = runs.filter((r) => loaded[r.id]).map((r) => ({ run: r, data: loaded[r.id] as Loaded }));
  const readyKey = ready.map((x) => `${x.run.id}:${x.data.stamp}`).join(",");
  const series = useMemo<ChartSeries[]>(
    () => ready.map((x, i) => ({ label: `#${x.run.id} ${x.run.name}`, color: COLORS[i % COLORS.length] as string })),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [readyKey],
  );
  const valSeries = useMemo<ChartSeries[]>(() => series.map((s) => ({ ...s, points: true, width: 2 })), [series]);
  const lossData = useMemo(() => alignCurves(ready.map((x) => thin(x.data.curves.trainLoss, MAX_POINTS))), [readyKey]); // eslint-disable-line react-hooks/exhaustive-deps
  const valData = useMemo(() => alignCurves(ready.map((x) => x.data.curves.valLoss)), [readyKey]); // eslint-disable-line react-hooks/exhaustive-deps
  const accData = useMemo(() => alignCurves(ready.map((x) => x.data.curves.valAccuracy)), [readyKey]); // eslint-disable-line react-hooks/exhaustive-deps
  const hasAcc = ready.some((x) => x.data.curves.valAccuracy.y.some((v) => v !== null));
  const rows = useMemo(
    () =>
      configRows(
        ready.map((x) => ({
          dataset: x.data.detail.dataset,
          ...Object.fromEntries(Object.entries(x.data.detail.dataset_options ?? {}).map(([k, v]) => [`dataset.${k}`, v])),
          graph: x.data.detail.graph?.name,
          layers: x.data.detail.graph?.nodes?.length,
          ...x.data.detail.config,
        })),
      ),
    [readyKey], // eslint-disable-line react-hooks/exhaustive-deps
  );
  const [onlyDiff, setOnlyDiff] = useState(false);

  if (!ready.length) return <p className="muted pad">Loading curves…</p>;
  return (
    <div className="compare" data-testid="compare-panel" data-runs={ready.length}>
      <div className="compare-charts">
        <section className="panel">
          <div className="panel-head">
            <h2>Train loss</h2>
            <span className="muted hint">by step</span>
          </div>
          <LineChart xLabel="step" series={series} getData={() => lossData as uPlot.AlignedData} dataKey={lossData} height={240} testId="compare-chart-loss" />
        </section>
        <section className="panel">
          <div className="panel-head">
            <h2>Validation loss</h2>
            <span className="muted hint">at each epoch's end</span>
          </div>
          <LineChart xLabel="step" series={valSeries} getData={() => valData as uPlot.AlignedData} dataKey={valData} height={240} testId="compare-chart-val" />
        </section>
        {hasAcc && (
          <section className="panel">
            <div className="panel-head">
              <h2>Validation accuracy</h2>
            </div>
            <LineChart xLabel="epoch" series={valSeries} getData={() => accData as uPlot.AlignedData} dataKey={accData} height={240} yRange={[0, 1]} xIntegers testId="compare-chart-accuracy" />
          </section>
        )}
      </div>
      <section className="panel">
        <div className="panel-head">
          <h2>Configurations</h2>
          <label className="check">
            <input type="checkbox" checked={onlyDiff} onChange={(e) => setOnlyDiff(e.target.checked)} /> only differences
          </label>
        </div>
        <table className="compare-table" data-testid="compare-config">
          <thead>
            <tr>
              <th />
              {ready.map((x, i) => (
                <th key={x.run.id}>
                  <span className="swatch" style={{ background: COLORS[i % COLORS.length] }} /> #{x.run.id} {x.run.name}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows
              .filter((r) => !onlyDiff || r.differs)
              .map((r) => (
                <tr key={r.key} className={r.differs ? "differs" : undefined}>
                  <th>{r.key}</th>
                  {r.values.map((v, i) => (
                    <td key={i}>{v}</td>
                  ))}
                </tr>
              ))}
          </tbody>
        </table>
      </section>
    </div>
  );
}

export const ComparePanel = memo(ComparePanelView);
