/**
 * The run list (live through ws/runs/), with filters, and the comparison of the runs picked. The
 * selection lives in the address (`?compare=3,5`) so a comparison can be reloaded and shared.
 */
import { useCallback, useEffect, useMemo, useState, type MouseEvent } from "react";
import { ComparePanel } from "@/components/compare-panel";
import { QueueControls } from "@/components/queue-controls";
import { RunLinks } from "@/components/run-links";
import { StatusBadge } from "@/components/status-badge";
import { useRunUpdates } from "@/hooks/use-run-updates";
import { applyStatus } from "@/lib/run-list";
import { api, ApiError } from "@/lib/api";
import { formatDuration } from "@/lib/progress";
import { navigate } from "@/lib/router";
import { inQueue, queueLabel } from "@/lib/run-queue";
import { isActive, RUN_STATUSES, type RunSummary } from "@/lib/run-types";

function go(e: MouseEvent<HTMLAnchorElement>, to: string) {
  if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
  e.preventDefault();
  navigate(to);
}

function selectionInUrl(): number[] {
  const raw = new URL(window.location.href).searchParams.get("compare") ?? "";
  return raw.split(",").map(Number).filter((n) => Number.isInteger(n) && n > 0);
}

function rememberSelection(ids: number[]): void {
  const url = new URL(window.location.href);
  url.searchParams.delete("compare");
  const rest = url.searchParams.toString();
  // Commas kept readable: ?compare=3,5 rather than 3%2C5.
  const query = [ids.length ? `compare=${ids.join(",")}` : "", rest].filter(Boolean).join("&");
  window.history.replaceState(null, "", url.pathname + (query ? `?${query}` : ""));
}

/** The user's runs: loaded once, then kept current by the run-list websocket. */
function useRunList(): { runs: RunSummary[] | null; error: string | null; reload(): void; remove(id: number): void } {
  const [runs, setRuns] = useState<RunSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const reload = useCallback(() => {
    api.runs().then(setRuns, (e: unknown) => setError(`Could not load runs: ${e instanceof Error ? e.message : String(e)}`));
  }, []);
  useRunUpdates((m) => {
    if (m.type === "snapshot") setRuns(m.data.runs);
    // A status message carries the run's whole summary: it replaces the row (no refetch).
    else if (m.type === "status") setRuns((prev) => (prev ? applyStatus(prev, m.data) : prev));
  });
  const remove = useCallback((id: number) => setRuns((prev) => prev?.filter((r) => r.id !== id) ?? prev), []);
  return { runs, error, reload, remove };
}

function metric(v: unknown, pct = false): string {
  if (typeof v !== "number" || !Number.isFinite(v)) return "—";
  return pct ? `${(v * 100).toFixed(1)}%` : String(Number(v.toPrecision(4)));
}

function RunList() {
  const { runs, error, remove } = useRunList();
  const [status, setStatus] = useState("");
  const [dataset, setDataset] = useState("");
  const [query, setQuery] = useState("");
  const [selected, setSelected] = useState<number[]>(selectionInUrl);
  const [busy, setBusy] = useState<string | null>(null);

  useEffect(() => {
    document.title = "Runs · NetBuilder";
  }, []);
  useEffect(() => rememberSelection(selected), [selected]);

  const datasets = useMemo(() => [...new Set((runs ?? []).map((r) => r.dataset))].sort(), [runs]);
  const shown = useMemo(() => {
    const q = query.trim().toLowerCase();
    return (runs ?? []).filter(
      (r) => (!status || r.status === status) && (!dataset || r.dataset === dataset) && (!q || r.name.toLowerCase().includes(q) || String(r.id) === q.replace(/^#/, "")),
    );
  }, [runs, status, dataset, query]);
  const picked = useMemo(() => selected.map((id) => runs?.find((r) => r.id === id)).filter((r): r is RunSummary => !!r), [selected, runs]);
  const toggle = (id: number) => setSelected((s) => (s.includes(id) ? s.filter((x) => x !== id) : [...s, id]));
  const allShownPicked = shown.length > 0 && shown.every((r) => selected.includes(r.id));

  const onDelete = async (r: RunSummary) => {
    if (!window.confirm(`Delete run #${r.id} “${r.name}” and its files?${isActive(r.status) ? "\nIt will be stopped first." : ""}`)) return;
    setBusy(`Deleting #${r.id}…`);
    try {
      await api.deleteRun(r.id);
      remove(r.id);
      setSelected((s) => s.filter((x) => x !== r.id));
      setBusy(null);
    } catch (e) {
      setBusy(`Could not delete #${r.id}: ${e instanceof ApiError ? e.message : String(e)}`);
    }
  };
  const onStop = async (r: RunSummary) => {
    try {
      await api.stopRun(r.id);
    } catch (e) {
      setBusy(`Could not stop #${r.id}: ${e instanceof ApiError ? e.message : String(e)}`);
    }
  };

  return (
    <main className="runs-page" data-testid="runs-page">
      <header className="runs-head">
        <h1>Runs</h1>
        <span className="muted">{runs ? `${runs.length} run${runs.length === 1 ? "" : "s"}` : "loading…"}</span>
        <span className="spacer" />
        <input className="search" type="search" placeholder="Search name or #id" value={query} onChange={(e) => setQuery(e.target.value)} data-testid="runs-search" />
        <select value={status} onChange={(e) => setStatus(e.target.value)} data-testid="runs-filter-status" aria-label="Status">
          <option value="">All statuses</option>
          {RUN_STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <select value={dataset} onChange={(e) => setDataset(e.target.value)} data-testid="runs-filter-dataset" aria-label="Dataset">
          <option value="">All datasets</option>
          {datasets.map((d) => (
            <option key={d} value={d}>
              {d}
            </option>
          ))}
        </select>
        <a className="button primary" href="/" onClick={(e) => go(e, "/")}>
          + New run in the builder
        </a>
      </header>
      {error && <p className="load-error inline">{error}</p>}
      {busy && <p className="muted notice">{busy}</p>}
      <div className="runs-table-box">
        <table className="runs-table" data-testid="runs-table">
          <thead>
            <tr>
              <th className="pick">
                <input
                  type="checkbox"
                  aria-label="Pick all shown"
                  checked={allShownPicked}
                  onChange={() => setSelected((s) => (allShownPicked ? s.filter((id) => !shown.some((r) => r.id === id)) : [...new Set([...s, ...shown.map((r) => r.id)])]))}
                />
              </th>
              <th>#</th>
              <th>Name</th>
              <th>Status</th>
              <th>Dataset</th>
              <th>Progress</th>
              <th className="num">Train loss</th>
              <th className="num">Val loss</th>
              <th className="num">Val acc.</th>
              <th className="num">Duration</th>
              <th>Created</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {shown.map((r) => {
              const m = r.final_metrics ?? {};
              const epochs = typeof m.epochs === "number" ? m.epochs : null;
              return (
                <tr key={r.id} className={selected.includes(r.id) ? "picked" : undefined} data-testid={`run-row-${r.id}`} data-status={r.status}>
                  <td className="pick">
                    <input type="checkbox" checked={selected.includes(r.id)} onChange={() => toggle(r.id)} aria-label={`Pick run ${r.id}`} data-testid={`run-pick-${r.id}`} />
                  </td>
                  <td className="muted">{r.id}</td>
                  <td>
                    <a href={`/runs/${r.id}/`} onClick={(e) => go(e, `/runs/${r.id}/`)} data-testid={`run-link-${r.id}`}>
                      {r.name}
                    </a>
                    <RunLinks run={r} />
                    {r.error && <div className="row-error" title={r.error}>{r.error}</div>}
                  </td>
                  <td>
                    <StatusBadge status={r.status} />
                  </td>
                  <td>{r.dataset}</td>
                  <td className="muted" data-testid={`run-progress-${r.id}`}>{queueLabel(r) ?? (isActive(r.status) ? `epoch ${r.epoch || "…"} · step ${r.step}` : m.epoch !== undefined ? `${m.epoch}${epochs ? ` / ${epochs}` : ""} epochs` : "—")}</td>
                  <td className="num">{metric(m.train_loss)}</td>
                  <td className="num">{metric(m.val_loss)}</td>
                  <td className="num">{metric(m.val_accuracy, true)}</td>
                  <td className="num">{formatDuration(r.duration_s)}</td>
                  <td className="muted" title={r.created_at}>
                    {new Date(r.created_at).toLocaleString()}
                  </td>
                  <td className="row-actions">
                    {inQueue(r) && <QueueControls run={r} onError={setBusy} />}
                    {r.status === "running" && (
                      <button type="button" className="small" onClick={() => void onStop(r)}>
                        Stop
                      </button>
                    )}
                    <button type="button" className="small ghost" onClick={() => void onDelete(r)} title="Delete the run and its files" aria-label={`Delete run ${r.id}`}>
                      ✕
                    </button>
                  </td>
                </tr>
              );
            })}
            {runs && !shown.length && (
              <tr>
                <td colSpan={12} className="empty-row muted">
                  {runs.length ? "No run matches these filters." : "No runs yet: build a network, then press ▶ Train."}
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      <div className="compare-bar">
        <b>{picked.length}</b>&nbsp;picked
        <span className="muted">&nbsp;· pick two or more runs to overlay their curves</span>
        <span className="spacer" />
        {picked.length > 0 && (
          <button type="button" className="ghost small" onClick={() => setSelected([])}>
            Clear
          </button>
        )}
      </div>
      {picked.length > 0 && <ComparePanel runs={picked} />}
    </main>
  );
}

export function RunsPage() {
  return <RunList />;
}
