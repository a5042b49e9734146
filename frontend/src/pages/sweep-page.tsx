/** One sweep: its status, Stop and Delete, the results table, a scatter of one figure against one option, and error against size. */
import { useEffect, useMemo, useState } from "react";
import { AppLink } from "@/components/app-link";
import { StatusBadge } from "@/components/status-badge";
import { SweepScatter } from "@/components/sweep-scatter";
import { SweepTable } from "@/components/sweep-table";
import { TradeoffPlot } from "@/components/tradeoff-plot";
import { useSweep } from "@/hooks/use-sweep";
import { api, ApiError } from "@/lib/api";
import { navigate } from "@/lib/router";
import { sweepActive, sweepColumns } from "@/lib/sweep";

export function SweepPage({ sweepId }: { sweepId: number }) {
  const { sweep, error, missing, reload } = useSweep(sweepId);
  const [busy, setBusy] = useState<string | null>(null);
  const columns = useMemo(() => (sweep ? sweepColumns(sweep) : []), [sweep]);

  useEffect(() => {
    document.title = sweep ? `${sweep.name} · ${sweep.status} · NetBuilder` : `Sweep ${sweepId} · NetBuilder`;
  }, [sweep, sweepId]);

  if (!sweep) {
    return (
      <main className="runs-page sweep-page" data-testid="sweep-page">
        {error ? <p className="load-error">{error}</p> : <p className="muted">Loading…</p>}
        {missing && <AppLink to="/sweeps/">← All sweeps</AppLink>}
      </main>
    );
  }

  const active = sweepActive(sweep);
  const counts = sweep.runs.reduce<Record<string, number>>((acc, r) => ({ ...acc, [r.status]: (acc[r.status] ?? 0) + 1 }), {});
  const onStop = async () => {
    setBusy("Stopping…");
    try {
      await api.stopSweep(sweep.id);
      setBusy(null);
      reload();
    } catch (e) {
      setBusy(`Could not stop: ${e instanceof ApiError ? e.message : String(e)}`);
    }
  };
  const onDelete = async () => {
    if (!window.confirm(`Delete the sweep “${sweep.name}”, its ${sweep.runs.length} runs and their files?${active ? "\nIts active runs are stopped first." : ""}`)) return;
    setBusy("Deleting…");
    try {
      await api.deleteSweep(sweep.id);
      navigate("/sweeps/");
    } catch (e) {
      setBusy(`Could not delete: ${e instanceof ApiError ? e.message : String(e)}`);
    }
  };

  return (
    <main className="runs-page sweep-page" data-testid="sweep-page" data-sweep-id={sweep.id}>
      <header className="run-head">
        <AppLink className="back" to="/sweeps/" title="All sweeps">
          ← Sweeps
        </AppLink>
        <h1>
          {sweep.name} <span className="muted">#{sweep.id}</span>
        </h1>
        <StatusBadge status={sweep.status} testId="sweep-status" />
        <span className="muted run-meta" data-testid="sweep-meta">
          varies {sweep.options.join(", ") || "—"} · {sweep.runs.length} runs
          {Object.entries(counts).map(([s, n]) => ` · ${n} ${s}`)}
        </span>
        <span className="spacer" />
        {active && (
          <button type="button" className="danger" onClick={() => void onStop()} data-testid="sweep-stop">
            ■ Stop
          </button>
        )}
        <button type="button" className="ghost" onClick={() => void onDelete()} data-testid="sweep-delete">
          Delete
        </button>
      </header>
      {busy && <p className="muted notice">{busy}</p>}
      {error && <p className="load-error inline">{error}</p>}
      <section className="panel">
        <div className="panel-head">
          <h2>Results</h2>
          <span className="muted hint">click a column to sort</span>
        </div>
        <SweepTable runs={sweep.runs} columns={columns} />
      </section>
      <div className="two-up sweep-plots">
        <section className="panel">
          <div className="panel-head">
            <h2>Error against size</h2>
          </div>
          <TradeoffPlot detail={sweep} />
        </section>
        <section className="panel">
          <div className="panel-head">
            <h2>One figure against one option</h2>
          </div>
          <SweepScatter detail={sweep} columns={columns} />
        </section>
      </div>
    </main>
  );
}
