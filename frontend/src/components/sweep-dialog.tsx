/**
 * New sweep: the designs (the canvas's graph, or saved architectures), a dataset and the options every
 * run shares, as the Train dialog sets them, plus a grid or a random space of options. As the form
 * changes, the server checks every combination (POST /api/sweeps/check, as the Train dialog's check):
 * its count of runs, or its refusal naming the combination, is shown as it answered.
 */
import { memo, useCallback, useEffect, useMemo, useState } from "react";
import { DatasetPreviewPanel } from "@/components/dataset-preview";
import { Modal } from "@/components/modal";
import { useServerCheck } from "@/hooks/use-server-check";
import { DatasetChooser, OptionFields, ServerErrorBox, useDatasetPreview, useSetupLists, type ServerRefusal, type Values } from "@/components/run-setup";
import { SweepSpaceEditor } from "@/components/sweep-space-editor";
import { canvasPick } from "@/components/train-dialog";
import { api, ApiError } from "@/lib/api";
import { navigate } from "@/lib/router";
import { fieldErrors as splitFieldErrors } from "@/lib/run-check";
import { buildSweepRequest, sweepFieldErrors, type GridRow, type RangeRow, type SweepDesigns, type SweepMode } from "@/lib/sweep-form";
import { BASIC_OPTIONS, configSpecs, optionToSpec, parseObjectValues } from "@/lib/train-form";
import type { SweepPlan } from "@/lib/sweep-types";
import type { ArchitectureSummary, ParamValue } from "@/lib/types";
import { builderStore, selectIsDirty } from "@/store/builder-store";
import { currentGraph } from "@/store/commands";

export interface SweepDialogProps {
  /** Opened from the builder: the canvas's graph is a design (its saved architecture when nothing is unsaved). */
  fromCanvas?: boolean;
  onClose(): void;
}

interface Canvas {
  name: string;
  /** The saved architecture the canvas holds exactly, else null (an unsaved graph goes as itself). */
  architecture: { id: number; version: number } | null;
}

function canvasNow(): Canvas {
  const s = builderStore.getState();
  return { name: s.name, architecture: s.architecture && !selectIsDirty(s) ? { id: s.architecture.id, version: s.architecture.version } : null };
}

function SweepDialogView({ fromCanvas = false, onClose }: SweepDialogProps) {
  const [canvas] = useState<Canvas | null>(() => (fromCanvas ? canvasNow() : null));
  const [useCanvas, setUseCanvas] = useState(fromCanvas);
  const [architectures, setArchitectures] = useState<ArchitectureSummary[] | null>(null);
  const [picked, setPicked] = useState<number[]>([]);
  const [selected, setSelected] = useState("");
  const [datasetValues, setDatasetValues] = useState<Values>({});
  const [config, setConfig] = useState<Values>({});
  const [name, setName] = useState("");
  const [mode, setMode] = useState<SweepMode>("grid");
  const [grid, setGrid] = useState<GridRow[]>([{ option: "lr", values: "" }]);
  const [samples, setSamples] = useState("4");
  const [seed, setSeed] = useState("");
  const [ranges, setRanges] = useState<RangeRow[]>([{ option: "lr", min: "", max: "", log: true }]);
  const [submitting, setSubmitting] = useState(false);
  const [serverError, setServerError] = useState<ServerRefusal | null>(null);
  const [formErrors, setFormErrors] = useState<{ field: string; message: string }[]>([]);

  const { datasets, setDatasets, options, optionsMissing, loadError } = useSetupLists((d) => {
    const pick = fromCanvas ? canvasPick(d) : null;
    if (pick) {
      setSelected(pick.name);
      setDatasetValues(pick.options);
    }
  });
  useEffect(() => {
    api.architectures().then(setArchitectures, () => setArchitectures([]));
  }, []);

  const builtin = datasets?.builtin.find((d) => d.name === selected) ?? null;
  const upload = datasets?.uploads.find((u) => u.key === selected) ?? null;
  const { preview, error: previewError, loading: previewLoading } = useDatasetPreview(datasets, selected, datasetValues);
  const defaults = builtin?.defaults ?? {};
  const specs = useMemo(
    () => configSpecs(options, optionsMissing, defaults),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [options, optionsMissing, selected, datasets],
  );
  const basic = specs.filter((s) => BASIC_OPTIONS.includes(s.name));
  const advanced = specs.filter((s) => !BASIC_OPTIONS.includes(s.name));
  const datasetSpecs = useMemo(() => (builtin?.options ?? []).map((o) => optionToSpec(o)), [builtin]);

  // An unsaved canvas goes as its graph, alone: the request takes one graph or saved architectures.
  const canvasAsGraph = useCanvas && canvas !== null && canvas.architecture === null;
  const designs: SweepDesigns = canvasAsGraph
    ? { graph: currentGraph() }
    : { architectures: [...(useCanvas && canvas?.architecture ? [canvas.architecture.id] : []), ...picked.filter((id) => id !== canvas?.architecture?.id)] };
  const designCount = "graph" in designs ? 1 : designs.architectures.length;

  const form = { name, designs, dataset: selected, datasetOptions: upload ? {} : datasetValues, config: parseObjectValues(config, options ?? []), mode, grid, samples, seed, ranges };
  const varied = new Set((mode === "grid" ? grid : ranges).map((r) => r.option));

  // The live check: the request Start would send, to POST /api/sweeps/check; the newest answer wins.
  const built = selected && designCount > 0 ? buildSweepRequest(form, options ?? []) : null;
  const body = built?.request ?? null;
  const check = useServerCheck<SweepPlan>(body ? JSON.stringify(body) : null, (signal) => api.checkSweep(body!, signal),
                                          () => setServerError(null));
  const refused = check?.state === "refused" ? { message: check.message, errors: check.errors } : null;
  const plan = check?.state === "ok" ? check.plan : null;

  const shown = serverError ?? refused;
  const split = splitFieldErrors(shown?.errors ?? []);
  const configErrors: Record<string, string> = { ...split.dataset };
  for (const [k, v] of Object.entries(split.config)) if (!varied.has(k)) configErrors[k] = v;
  const placeErrors = { ...sweepFieldErrors(shown?.errors ?? []), ...sweepFieldErrors(formErrors) };

  const onConfig = useCallback((n: string, v: ParamValue | undefined) => setConfig((c) => ({ ...c, [n]: v })), []);
  const onDatasetOption = useCallback((n: string, v: ParamValue | undefined) => setDatasetValues((c) => ({ ...c, [n]: v })), []);
  const togglePicked = (id: number) => setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : [...p, id]));

  const submit = async () => {
    const built = buildSweepRequest(form, options ?? []);
    setFormErrors(built.errors);
    setServerError(null);
    if (!built.request) return;
    setSubmitting(true);
    try {
      const sweep = await api.createSweep(built.request);
      onClose();
      navigate(`/sweeps/${sweep.id}/`);
    } catch (e) {
      setServerError(e instanceof ApiError ? { message: e.message, errors: e.errors } : { message: String(e), errors: [] });
      setSubmitting(false);
    }
  };

  return (
    <Modal title="New sweep" onClose={onClose} wide className="train-modal sweep-modal" testId="sweep-dialog">
      <div className="train-dialog">
        <div className="train-col datasets-col">
          <h3>Dataset</h3>
          {loadError && <p className="field-error">{loadError}</p>}
          {!datasets && !loadError && <p className="muted">Loading…</p>}
          {datasets && (
            <DatasetChooser
              datasets={datasets}
              selected={selected}
              onPick={(key, kind) => {
                setSelected(key);
                setServerError(null);
                if (kind === "builtin") setDatasetValues({});
              }}
              onUploaded={(u) => {
                setDatasets((d) => (d ? { ...d, uploads: [u, ...d.uploads.filter((x) => x.id !== u.id)] } : d));
                setSelected(u.key);
              }}
            />
          )}
        </div>
        <div className="train-col preview-col">
          <h3>Designs</h3>
          <div className="sweep-designs" data-testid="sweep-designs">
            {canvas && (
              <label className="check">
                <input type="checkbox" checked={useCanvas} onChange={(e) => setUseCanvas(e.target.checked)} data-testid="sweep-design-canvas" />
                This graph, “{canvas.name}”{canvas.architecture ? ` (saved, v${canvas.architecture.version})` : " (unsaved)"}
              </label>
            )}
            {canvasAsGraph && <p className="muted small-note">To compare it with saved architectures, save it first: a sweep trains one unsaved graph or saved designs.</p>}
            {architectures?.length === 0 && !canvas && <p className="muted">No saved architectures yet: save one in the builder.</p>}
            {architectures
              ?.filter((a) => a.id !== canvas?.architecture?.id)
              .map((a) => (
                <label key={a.id} className="check">
                  <input type="checkbox" checked={picked.includes(a.id)} disabled={canvasAsGraph} onChange={() => togglePicked(a.id)} data-testid={`sweep-design-${a.id}`} />
                  {a.name} <span className="muted">v{a.version}</span>
                </label>
              ))}
          </div>
          <h3 className="sweep-preview-title">{builtin?.title ?? upload?.name ?? "Preview"}</h3>
          <DatasetPreviewPanel preview={preview} loading={previewLoading} error={previewError} />
          {datasetSpecs.length > 0 && (
            <div className="params-form dataset-options" data-testid="dataset-options">
              <h4>Dataset options</h4>
              <OptionFields specs={datasetSpecs} values={datasetValues} onChange={onDatasetOption} errors={configErrors} />
            </div>
          )}
        </div>
        <div className="train-col config-col">
          <h3>Sweep</h3>
          <div className="params-form" data-testid="sweep-form">
            <div className="field">
              <label className="field-label" htmlFor="sweep-name">
                sweep name
              </label>
              <input id="sweep-name" type="text" value={name} placeholder="Sweep of the options varied" onChange={(e) => setName(e.target.value)} data-testid="sweep-name" />
            </div>
            <SweepSpaceEditor
              options={options ?? []}
              mode={mode}
              grid={grid}
              samples={samples}
              seed={seed}
              ranges={ranges}
              errors={placeErrors}
              onMode={setMode}
              onGrid={setGrid}
              onSamples={setSamples}
              onSeed={setSeed}
              onRanges={setRanges}
            />
            <h4>Every run shares</h4>
            <div className="params-form" data-testid="config-form">
              <OptionFields specs={basic} values={config} onChange={onConfig} errors={configErrors} />
              {advanced.length > 0 && (
                <details className="more-options">
                  <summary data-testid="more-options">More options ({advanced.length})</summary>
                  <OptionFields specs={advanced} values={config} onChange={onConfig} errors={configErrors} />
                </details>
              )}
            </div>
          </div>
        </div>
      </div>
      <div className="train-foot">
        <div className="train-messages">
          {check?.state === "checking" && (
            <p className="muted" data-testid="sweep-count" data-state="checking">
              Checking every combination…
            </p>
          )}
          {plan && (
            <p className="muted" data-testid="sweep-count" data-state="ok" data-count={plan.count}>
              Ready: {plan.count} run{plan.count === 1 ? "" : "s"}
              {designCount > 1 ? ` (${designCount} designs)` : ""}, each checked by the server
            </p>
          )}
          {formErrors.length > 0 && (
            <ul className="error-list" data-testid="sweep-form-errors">
              {formErrors.map((e) => (
                <li key={e.field}>
                  <code>{e.field}:</code> {e.message}
                </li>
              ))}
            </ul>
          )}
          {shown && <ServerErrorBox error={shown} testId="sweep-error" />}
        </div>
        <button type="button" onClick={onClose}>
          Cancel
        </button>
        <button type="button" className="primary" disabled={!selected || submitting || designCount === 0 || check?.state === "refused"} onClick={() => void submit()} data-testid="sweep-submit" title={designCount === 0 ? "Pick at least one design" : !selected ? "Pick a dataset" : undefined}>
          {submitting ? "Queueing…" : "▶ Start sweep"}
        </button>
      </div>
    </Modal>
  );
}

export const SweepDialog = memo(SweepDialogView);
