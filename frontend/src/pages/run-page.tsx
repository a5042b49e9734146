/** One run, live: status, progress, curves, the decision boundary, norms, weights, logs, confusion, downloads. */
import { useEffect, useState, type MouseEvent } from "react";
import { BoundaryCanvas } from "@/components/boundary-canvas";
import { ConfusionMatrix } from "@/components/confusion-matrix";
import { ContinueButton } from "@/components/continue-button";
import { DownloadsPanel } from "@/components/downloads-panel";
import { FeatureMapsPanel } from "@/components/feature-maps-panel";
import { HealthPanel } from "@/components/health-panel";
import { NormsChart } from "@/components/norms-chart";
import { AccuracyChart, LossChart, LrChart, useValidationMetric, validationTitle } from "@/components/run-charts";
import { RunLineageNote } from "@/components/run-lineage-note";
import { RunLogs } from "@/components/run-logs";
import { RunNetwork } from "@/components/run-network";
import { RunProgress } from "@/components/run-progress";
import { StatusBadge } from "@/components/status-badge";
import { WeightsPanel } from "@/components/weights-panel";
import { api } from "@/lib/api";
import { readDraft, writeDraft } from "@/lib/draft";
import { navigate } from "@/lib/router";
import { builderNodeUrl, failurePlace, runFailure } from "@/lib/run-failure";
import { isActive, type RunDetail } from "@/lib/run-types";
import { runStore, useRun } from "@/store/run-store";

function go(e: MouseEvent<HTMLAnchorElement>, to: string) {
  if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
  e.preventDefault();
  navigate(to);
}

/** Training samples per epoch of a built-in dataset, for an ETA before the first epoch ends. */
function useSamplesPerEpoch(run: RunDetail | null): number | null {
  const [n, setN] = useState<number | null>(null);
  const dataset = run?.dataset;
  const options = JSON.stringify(run?.dataset_options ?? {});
  const active = isActive(run?.status);
  const valFraction = typeof run?.config?.val_fraction === "number" ? run.config.val_fraction : null;
  useEffect(() => {
    if (!dataset || !active || dataset.startsWith("upload:")) return;
    let live = true;
    api.datasetPreview(dataset, JSON.parse(options) as Record<string, unknown>).then(
      (p) => {
        const samples = typeof p.samples === "number" ? p.samples : null;
        const v = p.validation as { fixed?: boolean; fraction?: number; samples?: number } | undefined;
        if (!live || samples === null) return;
        const fraction = valFraction ?? (v && !v.fixed ? v.fraction ?? 0 : 0);
        setN(Math.round(samples * (1 - fraction)));
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [dataset, options, active, valFraction]);
  return n;
}

/** Opens the run's graph in the builder (its nodes showing this run's pictures); with `node`, that node is selected and centred there. */
function openInBuilder(run: RunDetail, node?: string) {
  if (readDraft() && !window.confirm("Open this run's graph in the builder?\nThe unsaved draft there will be replaced.")) return;
  writeDraft({ graph: run.graph, architectureId: null, architectureVersion: null, runId: run.id, savedAt: new Date().toISOString() });
  navigate(node ? builderNodeUrl(node) : "/");
}

function ConfigTable({ run }: { run: RunDetail }) {
  const rows: [string, unknown][] = [
    ["dataset", run.dataset],
    ...Object.entries(run.dataset_options ?? {}).map(([k, v]) => [`dataset.${k}`, v] as [string, unknown]),
    ...Object.entries(run.config ?? {}),
  ];
  return (
    <table className="kv-table" data-testid="run-config">
      <tbody>
        {rows.map(([k, v]) => (
          <tr key={k}>
            <th>{k}</th>
            <td>{v === null ? "None" : typeof v === "object" ? JSON.stringify(v) : String(v)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function RunPage({ runId }: { runId: number }) {
  useEffect(() => {
    runStore.getState().watch(runId);
    return () => runStore.getState().unwatch();
  }, [runId]);
  const run = useRun((s) => s.run);
  const status = useRun((s) => s.status);
  const connection = useRun((s) => s.connection);
  const error = useRun((s) => s.error);
  const stopping = useRun((s) => s.stopping);
  const hasBoundary = useRun((s) => s.series.boundaries.length > 0);
  const hasFeatureMaps = useRun((s) => s.series.latest.featureMaps !== null);
  const final = useRun((s) => s.series.final);
  const finalMetrics = final?.metrics ?? null;
  const samplesPerEpoch = useSamplesPerEpoch(run);
  const validation = useValidationMetric();
  const [logY, setLogY] = useState(false);

  useEffect(() => {
    document.title = run ? `${run.name} #${run.id} · ${status ?? ""} · NetBuilder` : `Run ${runId} · NetBuilder`;
  }, [run, status, runId]);

  const active = isActive(status ?? undefined);
  const failure = runFailure(final, run && status ? { ...run, status } : run);
  const place = failure ? failurePlace(failure) : null;
  const metrics = finalMetrics ?? run?.final_metrics ?? null;
  const confusion = Array.isArray(metrics?.confusion) ? (metrics.confusion as number[][]) : null;
  const classes = (Array.isArray(metrics?.classes) ? (metrics.classes as string[]) : null) ?? [];
  const twoD = hasBoundary;
  const boundaryClasses = classes.length ? classes : ["0", "1"];

  if (error && !run) {
    return (
      <main className="run-page" data-testid="run-page">
        <p className="load-error">{error}</p>
        <a href="/runs/" onClick={(e) => go(e, "/runs/")}>
          ← All runs
        </a>
      </main>
    );
  }

  return (
    <main className="run-page" data-testid="run-page" data-run-id={runId}>
      <header className="run-head">
        <a className="back" href="/runs/" onClick={(e) => go(e, "/runs/")} title="All runs">
          ← Runs
        </a>
        <h1>
          {run?.name ?? "Run"} <span className="muted">#{runId}</span>
        </h1>
        <StatusBadge status={status} testId="run-status" />
        {run && (
          <span className="muted run-meta">
            {run.dataset} · {run.config?.epochs as number} epochs · batch {run.config?.batch_size as number}
          </span>
        )}
        <span className={`conn conn-${connection}`} data-testid="run-connection" title="Live stream">
          {connection === "open" ? "● live" : connection === "reconnecting" || connection === "connecting" ? "○ connecting…" : ""}
        </span>
        <span className="spacer" />
        {run && (
          <button type="button" onClick={() => openInBuilder(run)} title="Load this run's graph into the builder">
            Open in builder
          </button>
        )}
        <ContinueButton run={run} status={status} />
        {active && (
          <button type="button" className="danger" onClick={() => void runStore.getState().stop()} disabled={stopping || run?.stop_requested} data-testid="stop-button">
            {stopping || run?.stop_requested ? "Stopping…" : "■ Stop"}
          </button>
        )}
      </header>
      <RunLineageNote run={run} />
      {error && <p className="load-error inline">{error}</p>}
      {failure ? (
        <div className="run-error" data-testid="run-error" data-node={failure.node ?? ""}>
          <b>Failed:</b> {failure.message || "see the log"}
          {place && failure.node && (
            <p className="run-error-place" data-testid="run-error-place">
              In <b>{place}</b> of the graph.{" "}
              {run && (
                <button type="button" className="link" onClick={() => openInBuilder(run, failure.node ?? undefined)} data-testid="run-error-node-link">
                  Show {failure.node} in the builder →
                </button>
              )}
            </p>
          )}
          {run?.traceback && (
            <details>
              <summary>Traceback</summary>
              <pre>{run.traceback}</pre>
            </details>
          )}
        </div>
      ) : null}
      <RunProgress samplesPerEpoch={samplesPerEpoch} />
      <div className="run-grid">
        <div className="run-main">
          <section className="panel">
            <div className="panel-head">
              <h2>Loss</h2>
              <label className="check">
                <input type="checkbox" checked={logY} onChange={(e) => setLogY(e.target.checked)} /> log scale
              </label>
              <span className="muted hint">drag to zoom · double-click to reset</span>
            </div>
            <LossChart logY={logY} />
          </section>
          <section className="panel network-panel">{run ? <RunNetwork graph={run.graph} /> : <p className="muted pad">…</p>}</section>
          <div className="two-up">
            <section className="panel">
              <div className="panel-head">
                <h2>{validationTitle(validation)}</h2>
              </div>
              <AccuracyChart />
            </section>
            <section className="panel">
              <div className="panel-head">
                <h2>Learning rate</h2>
              </div>
              <LrChart />
            </section>
          </div>
          <section className="panel">
            <div className="panel-head">
              <h2>Layer norms</h2>
            </div>
            <NormsChart />
          </section>
          <section className="panel">
            <div className="panel-head">
              <h2>Training health</h2>
            </div>
            <HealthPanel />
          </section>
          <section className="panel">
            <div className="panel-head">
              <h2>Weights</h2>
            </div>
            {run ? <WeightsPanel run={run} /> : <p className="muted pad">…</p>}
          </section>
          <section className="panel">
            <div className="panel-head">
              <h2>Log</h2>
            </div>
            <RunLogs />
          </section>
        </div>
        <aside className="run-side">
          {twoD && (
            <section className="panel">
              <div className="panel-head">
                <h2>Decision boundary</h2>
              </div>
              <BoundaryCanvas classes={boundaryClasses} />
            </section>
          )}
          {hasFeatureMaps && (
            <section className="panel">
              <div className="panel-head">
                <h2>Feature maps</h2>
              </div>
              <FeatureMapsPanel classes={classes} />
            </section>
          )}
          {confusion && (
            <section className="panel">
              <div className="panel-head">
                <h2>Confusion matrix</h2>
              </div>
              <ConfusionMatrix matrix={confusion} classes={classes} />
            </section>
          )}
          <section className="panel">
            <div className="panel-head">
              <h2>Downloads</h2>
            </div>
            {run ? <DownloadsPanel run={run} /> : <p className="muted pad">…</p>}
          </section>
          <section className="panel">
            <div className="panel-head">
              <h2>Configuration</h2>
            </div>
            {run && <ConfigTable run={run} />}
          </section>
        </aside>
      </div>
    </main>
  );
}
