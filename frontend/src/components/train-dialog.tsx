/**
 * Train the graph on the canvas: pick a dataset (with a preview), set the training options (the
 * dataset's defaults prefilled, every engine option reachable), see the server's check of the request
 * live (`POST /api/runs/check`, the submit's own checks), and go to the run's page.
 */
import { memo, useCallback, useEffect, useMemo, useRef, useState } from "react";
import { DatasetPreviewPanel } from "@/components/dataset-preview";
import { Modal } from "@/components/modal";
import { ParamField } from "@/components/param-field";
import { UploadForm } from "@/components/upload-form";
import { api, ApiError } from "@/lib/api";
import { navigate } from "@/lib/router";
import type { BuiltinDataset, DatasetList, DatasetPreview, UploadedDataset } from "@/lib/run-types";
import { pickDataset } from "@/lib/dataset-pick";
import { checkFromError, fieldErrors as splitFieldErrors, newerCheck, planSummary, type RunCheck } from "@/lib/run-check";
import { BASIC_OPTIONS, buildRunRequest, fallbackOptions, optionToSpec, parseObjectValues } from "@/lib/train-form";
import type { GraphError, ParamSpec, ParamValue } from "@/lib/types";
import { builderStore, selectIsDirty, useBuilder } from "@/store/builder-store";
import { currentGraph } from "@/store/commands";

type Values = Record<string, ParamValue | undefined>;

const GROUPS: { title: string; test: (d: BuiltinDataset) => boolean }[] = [
  { title: "2-D (draws a decision boundary)", test: (d) => d.input_shape.length === 1 && d.input_shape[0] === 2 && d.task === "classification" },
  { title: "Images", test: (d) => d.input_shape.length >= 2 },
  { title: "Tabular and synthetic", test: () => true },
];

function groupBuiltins(list: BuiltinDataset[]): { title: string; items: BuiltinDataset[] }[] {
  const left = [...list];
  return GROUPS.map((g) => {
    const items = left.filter(g.test);
    for (const d of items) left.splice(left.indexOf(d), 1);
    return { title: g.title, items };
  }).filter((g) => g.items.length);
}

function uploadPreview(u: UploadedDataset): DatasetPreview {
  return { ...(u.preview ?? {}), name: u.key, title: u.name, task: u.task, input_shape: u.input_shape, samples: u.samples, classes: u.classes ?? undefined, target_size: u.target_size ?? undefined };
}

function OptionFields({ specs, values, onChange, errors }: { specs: ReturnType<typeof optionToSpec>[]; values: Values; onChange(name: string, v: ParamValue | undefined): void; errors: Record<string, string> }) {
  return (
    <>
      {specs.map((spec) => (
        <ParamField key={spec.name} spec={spec} value={values[spec.name]} onChange={onChange} serverError={errors[spec.name]} />
      ))}
    </>
  );
}

function TrainDialogView({ onClose }: { onClose(): void }) {
  const graphName = useBuilder((s) => s.name);
  const validation = useBuilder((s) => s.validation?.value ?? null);
  const initWeights = useBuilder((s) => s.initWeights);
  const [datasets, setDatasets] = useState<DatasetList | null>(null);
  const [options, setOptions] = useState<ParamSpec[] | null>(null);
  const [optionsMissing, setOptionsMissing] = useState(false);
  const [selected, setSelected] = useState<string>("");
  const [datasetValues, setDatasetValues] = useState<Values>({});
  const [config, setConfig] = useState<Values>({});
  const [name, setName] = useState(graphName);
  const [preview, setPreview] = useState<DatasetPreview | null>(null);
  const [previewError, setPreviewError] = useState<string | null>(null);
  const [previewLoading, setPreviewLoading] = useState(false);
  const [submitting, setSubmitting] = useState(false);
  const [serverError, setServerError] = useState<{ message: string; errors: GraphError[] } | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const previewSeq = useRef(0);

  useEffect(() => {
    api.datasets().then(
      (d) => {
        setDatasets(d);
        // Start from a dataset whose samples fit the graph's Input and Output (see pickDataset).
        const input = currentGraph().nodes.find((n) => n.type === "Input")?.params?.shape;
        const shapes = builderStore.getState().validation?.value.output_shapes;
        const output = Array.isArray(shapes) && shapes.length === 1 && Array.isArray(shapes[0]) ? (shapes[0] as number[]) : null;
        const pick = pickDataset(d.builtin, Array.isArray(input) ? (input as number[]) : null, output);
        if (pick) {
          setSelected(pick.name); // the list is drawn only now, so the user has not chosen yet
          setDatasetValues(pick.options);
        }
      },
      (e: unknown) => setLoadError(`Could not load the datasets: ${e instanceof Error ? e.message : String(e)}`),
    );
    api.trainingOptions().then(
      (o) => setOptions(o.fields),
      (e: unknown) => {
        if (e instanceof ApiError && e.status === 404) setOptionsMissing(true);
        else setLoadError(`Could not load the training options: ${e instanceof Error ? e.message : String(e)}`);
      },
    );
  }, []);

  const builtin = datasets?.builtin.find((d) => d.name === selected) ?? null;
  const upload = datasets?.uploads.find((u) => u.key === selected) ?? null;

  // The preview follows the dataset and its options; an older answer never replaces a newer one.
  const optionsKey = JSON.stringify(datasetValues);
  useEffect(() => {
    setServerError(null);
    if (upload) {
      setPreview(uploadPreview(upload));
      setPreviewError(null);
      return;
    }
    if (!builtin) return;
    const seq = ++previewSeq.current;
    setPreviewLoading(true);
    const timer = setTimeout(() => {
      const opts = Object.fromEntries(Object.entries(datasetValues).filter(([, v]) => v !== undefined));
      api.datasetPreview(builtin.name, opts).then(
        (p) => {
          if (seq !== previewSeq.current) return;
          setPreview(p);
          setPreviewError(null);
          setPreviewLoading(false);
        },
        (e: unknown) => {
          if (seq !== previewSeq.current) return;
          setPreview(null);
          setPreviewError(e instanceof Error ? e.message : String(e));
          setPreviewLoading(false);
        },
      );
    }, 250);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [selected, optionsKey, datasets]);

  const defaults = builtin?.defaults ?? {};
  const configSpecs = useMemo(() => {
    const list = options ?? (optionsMissing ? fallbackOptions(defaults) : []);
    return list.map((o) => optionToSpec(o, defaults[o.name]));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [options, optionsMissing, selected, datasets]);
  const basic = configSpecs.filter((s) => BASIC_OPTIONS.includes(s.name));
  const advanced = configSpecs.filter((s) => !BASIC_OPTIONS.includes(s.name));
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
  const [check, setCheck] = useState<RunCheck | null>(null);
  const checkSeq = useRef(0);
  const checkKey = JSON.stringify([selected, datasetValues, config, validation?.ok, initWeights?.id]);
  useEffect(() => {
    if (!selected) return;
    const seq = ++checkSeq.current;
    setServerError(null);
    setCheck((c) => newerCheck(c, { state: "checking", seq }));
    const controller = new AbortController();
    const timer = setTimeout(() => {
      api.checkRun(requestFor(), controller.signal).then(
        (plan) => setCheck((c) => newerCheck(c, { state: "ok", seq, plan })),
        (e: unknown) => {
          if (!controller.signal.aborted) setCheck((c) => newerCheck(c, checkFromError(seq, e)));
        },
      );
    }, 300);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [checkKey]);
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
          {datasets &&
            groupBuiltins(datasets.builtin).map((g) => (
              <div key={g.title} className="dataset-group">
                <div className="dataset-group-title">{g.title}</div>
                {g.items.map((d) => (
                  <button
                    key={d.name}
                    type="button"
                    className={`dataset-item${selected === d.name ? " on" : ""}`}
                    disabled={!d.available}
                    title={d.available ? d.description : `${d.description} (not on this server: download it first)`}
                    onClick={() => {
                      setSelected(d.name);
                      setDatasetValues({});
                      setConfig({});
                    }}
                    data-testid={`dataset-item-${d.name}`}
                  >
                    <span className="dataset-title">{d.title}</span>
                    <span className="dataset-shape">{d.input_shape.join("×")}</span>
                  </button>
                ))}
              </div>
            ))}
          {datasets && (
            <div className="dataset-group">
              <div className="dataset-group-title">Your uploads</div>
              {datasets.uploads.map((u) => (
                <button key={u.key} type="button" className={`dataset-item${selected === u.key ? " on" : ""}`} onClick={() => setSelected(u.key)} data-testid={`dataset-item-${u.key}`}>
                  <span className="dataset-title">{u.name}</span>
                  <span className="dataset-shape">{u.input_shape.join("×")}</span>
                </button>
              ))}
              <UploadForm
                maxBytes={datasets.max_upload_bytes}
                options={datasets.upload_options}
                onUploaded={(u) => {
                  setDatasets((d) => (d ? { ...d, uploads: [u, ...d.uploads.filter((x) => x.id !== u.id)] } : d));
                  setSelected(u.key);
                }}
              />
            </div>
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
          {shownError && (
            <div className="server-error" data-testid="train-error">
              <b>{shownError.message}</b>
              {shownError.errors.filter((e) => e.message !== shownError.message).length > 0 && (
                <ul>
                  {shownError.errors
                    .filter((e) => e.message !== shownError.message)
                    .map((e, i) => (
                      <li key={i}>
                        {e.node || e.field ? <code>{e.node ?? e.field}:</code> : null} {e.message}
                      </li>
                    ))}
                </ul>
              )}
            </div>
          )}
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
