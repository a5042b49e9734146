/**
 * Train the graph on the canvas: pick a dataset (with a preview), set the training options (the
 * dataset's defaults prefilled, every engine option reachable), see the server's check of the request
 * live (`POST /api/runs/check`, the submit's own checks), and go to the run's page.
 */
import { memo, useCallback, useEffect, useMemo, useState } from "react";
import { DatasetPreviewPanel } from "@/components/dataset-preview";
import { Modal } from "@/components/modal";
import { useServerCheck } from "@/hooks/use-server-check";
import { DatasetChooser, OptionFields, ServerErrorBox, useDatasetPreview, useSetupLists, type ServerRefusal, type Values } from "@/components/run-setup";
import { api, ApiError } from "@/lib/api";
import { navigate } from "@/lib/router";
import type { DatasetList, RunPlan } from "@/lib/run-types";
import { pickDataset } from "@/lib/dataset-pick";
import { fieldErrors as splitFieldErrors, planSummary } from "@/lib/run-check";
import { BASIC_OPTIONS, buildRunRequest, configSpecs, optionToSpec, parseObjectValues } from "@/lib/train-form";
import type { ParamValue } from "@/lib/types";
import { builderStore, selectIsDirty, useBuilder } from "@/store/builder-store";
import { currentGraph } from "@/store/commands";

/** The dataset the dialog starts from: one whose samples fit the canvas's Input and Output (see pickDataset). */
export function canvasPick(d: DatasetList) {
  const input = currentGraph().nodes.find((n) => n.type === "Input")?.params?.shape;
  const shapes = builderStore.getState().validation?.value.output_shapes;
  const output = Array.isArray(shapes) && shapes.length === 1 && Array.isArray(shapes[0]) ? (shapes[0] as number[]) : null;
  return pickDataset(d.builtin, Array.isArray(input) ? (input as number[]) : null, output);
}

function TrainDialogView({ onClose }: { onClose(): void }) {
  const graphName = useBuilder((s) => s.name);
  const validation = useBuilder((s) => s.validation?.value ?? null);
  const initWeights = useBuilder((s) => s.initWeights);
  const [selected, setSelected] = useState<string>("");
  const [datasetValues, setDatasetValues] = useState<Values>({});
  const [config, setConfig] = useState<Values>({});
  const [name, setName] = useState(graphName);
  const [submitting, setSubmitting] = useState(false);
  const [serverError, setServerError] = useState<ServerRefusal | null>(null);
  const { datasets, setDatasets, options, optionsMissing, loadError } = useSetupLists((d) => {
    const pick = canvasPick(d);
    if (pick) {
      setSelected(pick.name); // the list is drawn only now, so the user has not chosen yet
      setDatasetValues(pick.options);
    }
  });

  const builtin = datasets?.builtin.find((d) => d.name === selected) ?? null;
  const upload = datasets?.uploads.find((u) => u.key === selected) ?? null;

  // The preview follows the dataset and its options; an older answer never replaces a newer one.
  const { preview, error: previewError, loading: previewLoading } = useDatasetPreview(datasets, selected, datasetValues);
  const optionsKey = JSON.stringify(datasetValues);
  useEffect(() => setServerError(null), [selected, optionsKey]);

  const defaults = builtin?.defaults ?? {};
  const specs = useMemo(
    () => configSpecs(options, optionsMissing, defaults),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [options, optionsMissing, selected, datasets],
  );
  const basic = specs.filter((s) => BASIC_OPTIONS.includes(s.name));
  const advanced = specs.filter((s) => !BASIC_OPTIONS.includes(s.name));
  const datasetSpecs = useMemo(() => (builtin?.options ?? []).map((o) => optionToSpec(o)), [builtin]);

  const graphErrors = validation && !validation.ok ? validation.errors.length : 0;

  // The request the Start button would send, checked by the server as the user edits (debounced).
  const requestFor = useCallback(() => {
    const s = builderStore.getState();
    const source = { graph: currentGraph(), architecture: s.architecture && !selectIsDirty(s) ? s.architecture : null };
    const request = buildRunRequest(source, selected, upload ? {} : datasetValues, parseObjectValues(config, options ?? []), name);
    if (s.initWeights) request.init_weights = s.initWeights.id;
    return request;
  }, [selected, upload, datasetValues, config, options, name]);
  const checkKey = selected ? JSON.stringify([selected, datasetValues, config, validation?.ok, initWeights?.id]) : null;
  const check = useServerCheck<RunPlan>(checkKey, (signal) => api.checkRun(requestFor(), signal), () => setServerError(null));
  const refused = check?.state === "refused" ? check : null;
  const shownError = serverError ?? (refused ? { message: refused.message, errors: refused.errors } : null);
  const split = splitFieldErrors(shownError?.errors ?? []);
  const fieldErrors: Record<string, string> = { ...split.dataset, ...split.config };

  const onConfig = useCallback((n: string, v: ParamValue | undefined) => setConfig((c) => ({ ...c, [n]: v })), []);
  const onDatasetOption = useCallback((n: string, v: ParamValue | undefined) => setDatasetValues((c) => ({ ...c, [n]: v })), []);

  const submit = async () => {
    if (!selected) return;
    setSubmitting(true);
    setServerError(null);
    try {
      const run = await api.createRun(requestFor());
      builderStore.getState().setLastRun(run.id);
      onClose();
      navigate(`/runs/${run.id}/`);
    } catch (e) {
      if (e instanceof ApiError) setServerError({ message: e.message, errors: e.errors });
      else setServerError({ message: String(e), errors: [] });
      setSubmitting(false);
    }
  };

  return (
    <Modal title="Train" onClose={onClose} wide className="train-modal" testId="train-dialog">
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
                if (kind === "builtin") {
                  setDatasetValues({});
                  setConfig({});
                }
              }}
              onUploaded={(u) => {
                setDatasets((d) => (d ? { ...d, uploads: [u, ...d.uploads.filter((x) => x.id !== u.id)] } : d));
                setSelected(u.key);
              }}
            />
          )}
        </div>
        <div className="train-col preview-col">
          <h3>{builtin?.title ?? upload?.name ?? "Preview"}</h3>
          <DatasetPreviewPanel preview={preview} loading={previewLoading} error={previewError} />
          {datasetSpecs.length > 0 && (
            <div className="params-form dataset-options" data-testid="dataset-options">
              <h4>Dataset options</h4>
              <OptionFields specs={datasetSpecs} values={datasetValues} onChange={onDatasetOption} errors={fieldErrors} />
            </div>
          )}
        </div>
        <div className="train-col config-col">
          <h3>Training</h3>
          <div className="params-form" data-testid="config-form">
            <div className="field">
              <label className="field-label" htmlFor="train-run-name">
                run name
              </label>
              <input id="train-run-name" type="text" value={name} onChange={(e) => setName(e.target.value)} data-testid="train-name" />
            </div>
            <OptionFields specs={basic} values={config} onChange={onConfig} errors={fieldErrors} />
            {advanced.length > 0 && (
              <details className="more-options">
                <summary data-testid="more-options">More options ({advanced.length})</summary>
                <OptionFields specs={advanced} values={config} onChange={onConfig} errors={fieldErrors} />
              </details>
            )}
            {initWeights && (
              <p className="muted small-note" data-testid="train-init-weights">
                Starts from the weights “{initWeights.name}” (file #{initWeights.id}).
              </p>
            )}
            {optionsMissing && <p className="muted small-note">This server does not list its training options yet; the dataset's defaults apply to the rest.</p>}
          </div>
        </div>
      </div>
      <div className="train-foot">
        <div className="train-messages">
          {graphErrors > 0 && <p className="field-error">The graph has {graphErrors} error{graphErrors === 1 ? "" : "s"}; fix {graphErrors === 1 ? "it" : "them"} in the builder first.</p>}
          {check?.state === "ok" && !serverError && (
            <p className="check-ok" data-testid="train-check">
              ✓ {planSummary(check.plan)}
            </p>
          )}
          {check?.state === "checking" && !shownError && <p className="muted" data-testid="train-checking">Checking…</p>}
          {shownError && <ServerErrorBox error={shownError} testId="train-error" />}
        </div>
        <button type="button" onClick={onClose}>
          Cancel
        </button>
        <button type="button" className="primary" disabled={!selected || submitting || check?.state !== "ok"} onClick={() => void submit()} data-testid="train-submit" title={refused ? refused.message : check?.state === "checking" ? "Checking with the server…" : undefined}>
          {submitting ? "Starting…" : "▶ Start training"}
        </button>
      </div>
    </Modal>
  );
}

export const TrainDialog = memo(TrainDialogView);
