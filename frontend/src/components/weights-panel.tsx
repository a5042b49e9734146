/** What the run learned: each node's tensors as numbers (small ones) or a histogram (large ones). */
import { memo, useEffect, useState } from "react";
import { api } from "@/lib/api";
import { formatShape } from "@/lib/format";
import type { RunDetail } from "@/lib/run-types";
import {
  formatValue,
  groupByNode,
  histogramBars,
  learnedLinear,
  linearRows,
  showsValues,
  trueLinear,
  valueRows,
  type LinearFit,
  type RunWeights,
  type TensorHistogram,
  type TensorWeights,
} from "@/lib/weights";

const HIST_W = 240;
const HIST_H = 48;

const Histogram = memo(function Histogram({ histogram }: { histogram: TensorHistogram }) {
  const bars = histogramBars(histogram, HIST_W, HIST_H);
  return (
    <svg className="weights-hist" viewBox={`0 0 ${HIST_W} ${HIST_H}`} width="100%" height={HIST_H} preserveAspectRatio="none" role="img" aria-label="histogram">
      {bars.map((b, i) => (
        <rect key={i} x={b.x} y={b.y} width={Math.max(b.width - 1, 0.5)} height={b.height}>
          <title>{`${formatValue(b.from)} … ${formatValue(b.to)}: ${b.count}`}</title>
        </rect>
      ))}
    </svg>
  );
});

function TensorView({ tensor }: { tensor: TensorWeights }) {
  const param = tensor.name.slice(tensor.node.length + 1) || tensor.name;
  return (
    <div className="weights-tensor" data-testid={`weights-tensor-${tensor.name}`}>
      <div className="weights-tensor-head">
        <b>{param}</b> <span className="muted">{formatShape(tensor.shape)}</span>
        <span className="spacer" />
        {tensor.mean !== null && (
          <span className="muted">
            μ {formatValue(tensor.mean)} · σ {formatValue(tensor.std)} · [{formatValue(tensor.min)}, {formatValue(tensor.max)}]
          </span>
        )}
      </div>
      {tensor.nonfinite > 0 && <p className="load-error inline">{tensor.nonfinite} NaN or infinite value(s)</p>}
      {showsValues(tensor) && tensor.values !== null ? (
        <table className="weights-values">
          <tbody>
            {valueRows(tensor.values, tensor.shape).map((row, i) => (
              <tr key={i}>
                {row.map((v, j) => (
                  <td key={j}>{formatValue(v)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <Histogram histogram={tensor.histogram} />
      )}
    </div>
  );
}

function LinearCompare({ learned, truth }: { learned: LinearFit; truth: LinearFit }) {
  return (
    <table className="kv-table weights-compare" data-testid="weights-linear">
      <thead>
        <tr>
          <th />
          <th>learned w, b</th>
          <th>true w, b</th>
        </tr>
      </thead>
      <tbody>
        {linearRows(learned, truth).map((r) => (
          <tr key={r.label}>
            <th>{r.label}</th>
            <td>{r.learned === null ? "?" : formatValue(r.learned)}</td>
            <td>{formatValue(r.truth)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function WeightsPanelView({ run }: { run: RunDetail }) {
  const saved = (run.files ?? []).includes("pth");
  const [weights, setWeights] = useState<RunWeights | null>(null);
  const [truth, setTruth] = useState<LinearFit | null>(null);
  const [error, setError] = useState<string | null>(null);
  const options = JSON.stringify(run.dataset_options ?? {});

  useEffect(() => {
    setWeights(null);
    setError(null);
    if (!saved) return;
    const abort = new AbortController();
    api.runWeights(run.id, abort.signal).then(
      (w) => setWeights(w),
      (e: unknown) => !abort.signal.aborted && setError(e instanceof Error ? e.message : String(e)),
    );
    return () => abort.abort();
  }, [run.id, saved]);

  useEffect(() => {
    if (run.dataset !== "linear") return;
    const abort = new AbortController();
    // The dataset's description carries the true w and b it was drawn with.
    api.datasetPreview(run.dataset, JSON.parse(options) as Record<string, unknown>, abort.signal).then(
      (p) => setTruth(trueLinear(p.info)),
      () => undefined,
    );
    return () => abort.abort();
  }, [run.dataset, options]);

  if (!saved) {
    return <p className="muted pad" data-testid="weights-empty">{run.status === "running" || run.status === "queued" ? "The weights are shown when the run ends." : "This run saved no weights."}</p>;
  }
  if (error) return <p className="load-error inline">{error}</p>;
  if (!weights) return <p className="muted pad">Loading…</p>;
  const learned = truth ? learnedLinear(weights.tensors) : null;
  return (
    <div className="weights" data-testid="weights">
      {learned && truth && <LinearCompare learned={learned} truth={truth} />}
      {groupByNode(weights.tensors).map((g) => (
        <section key={g.node} className="weights-node" data-testid={`weights-node-${g.node}`}>
          <h3>{g.node}</h3>
          {g.tensors.map((t) => (
            <TensorView key={t.name} tensor={t} />
          ))}
        </section>
      ))}
      {!weights.tensors.length && <p className="muted pad">This model has no parameters or buffers.</p>}
    </div>
  );
}

export const WeightsPanel = memo(WeightsPanelView);
