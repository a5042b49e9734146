/** Probe mode's controls above the canvas: which dataset and sample every node shows its output for. */
import { memo, useEffect } from "react";
import { probeDatasets } from "@/hooks/use-probe";
import { useProbe } from "@/store/probe-store";

function ProbeBarView() {
  const dataset = useProbe((s) => s.dataset);
  const sample = useProbe((s) => s.sample);
  const result = useProbe((s) => s.result);
  const error = useProbe((s) => s.error);
  const loading = useProbe((s) => s.loading);
  const setDataset = useProbe((s) => s.setDataset);
  const setSample = useProbe((s) => s.setSample);
  const toggle = useProbe((s) => s.toggle);
  const builtin = useProbe((s) => s.datasets) ?? [];
  useEffect(() => {
    probeDatasets().catch(() => undefined); // the bar still shows the picked dataset without the list
  }, []);
  const label = result ? (Array.isArray(result.sample.label) ? result.sample.label.map((v) => v.toFixed(2)).join(", ") : String(result.sample.label)) : null;

  return (
    <div className="probe-bar" data-testid="probe-bar">
      <b>Probe</b>
      <select
        value={dataset?.name ?? ""}
        onChange={(e) => setDataset(e.target.value ? { name: e.target.value, options: dataset?.name === e.target.value ? dataset.options : {} } : null)}
        aria-label="Probe dataset"
        data-testid="probe-dataset"
      >
        {!dataset && <option value="">picking…</option>}
        {dataset && !builtin.some((b) => b.name === dataset.name) && <option value={dataset.name}>{dataset.name}</option>}
        {builtin.map((b) => (
          <option key={b.name} value={b.name}>
            {b.title}
          </option>
        ))}
      </select>
      <label>
        sample <input type="number" min={0} step={1} value={sample} onChange={(e) => setSample(Number(e.target.value))} data-testid="probe-sample" />
      </label>
      <span className={`probe-status${error ? " field-error" : " muted"}`} data-testid="probe-status">
        {error ?? (loading ? "running…" : label !== null ? `label ${label}` : "")}
      </span>
      <button type="button" className="small" onClick={() => toggle(false)} title="Leave Probe mode">
        ✕
      </button>
    </div>
  );
}

export const ProbeBar = memo(ProbeBarView);
