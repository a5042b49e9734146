/**
 * What the Train and New sweep dialogs share: the datasets and training options the server lists,
 * the dataset list (with uploads), its live preview, the option fields, and the server's refusal
 * shown as it answered.
 */
import { memo, useEffect, useRef, useState } from "react";
import { ParamField } from "@/components/param-field";
import { UploadForm } from "@/components/upload-form";
import { api, ApiError } from "@/lib/api";
import type { DatasetList, DatasetPreview, UploadedDataset } from "@/lib/run-types";
import { groupBuiltins, uploadPreview } from "@/lib/train-form";
import type { GraphError, ParamSpec, ParamValue } from "@/lib/types";

export type Values = Record<string, ParamValue | undefined>;

export interface SetupLists {
  datasets: DatasetList | null;
  setDatasets(update: (d: DatasetList | null) => DatasetList | null): void;
  /** The training options (`GET /api/training/options`); null until they come. */
  options: ParamSpec[] | null;
  /** The server has no options list (404): the dataset's defaults are the fields. */
  optionsMissing: boolean;
  loadError: string | null;
}

/** Loads the datasets and the training options once; `onDatasets` sees the list when it comes. */
export function useSetupLists(onDatasets?: (d: DatasetList) => void): SetupLists {
  const [datasets, setDatasets] = useState<DatasetList | null>(null);
  const [options, setOptions] = useState<ParamSpec[] | null>(null);
  const [optionsMissing, setOptionsMissing] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);
  const first = useRef(onDatasets);
  useEffect(() => {
    api.datasets().then(
      (d) => {
        setDatasets(d);
        first.current?.(d);
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
  return { datasets, setDatasets, options, optionsMissing, loadError };
}

/** The preview of the chosen dataset with its options, debounced; an older answer never replaces a newer one. */
export function useDatasetPreview(datasets: DatasetList | null, selected: string, values: Values): { preview: DatasetPreview | null; error: string | null; loading: boolean } {
  const [preview, setPreview] = useState<DatasetPreview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const seq = useRef(0);
  const builtin = datasets?.builtin.find((d) => d.name === selected) ?? null;
  const upload = datasets?.uploads.find((u) => u.key === selected) ?? null;
  const key = JSON.stringify(values);
  useEffect(() => {
    if (upload) {
      setPreview(uploadPreview(upload));
      setError(null);
      return;
    }
    if (!builtin) return;
    const mine = ++seq.current;
    setLoading(true);
    const timer = setTimeout(() => {
      const opts = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
      api.datasetPreview(builtin.name, opts).then(
        (p) => {
          if (mine !== seq.current) return;
          setPreview(p);
          setError(null);
          setLoading(false);
        },
        (e: unknown) => {
          if (mine !== seq.current) return;
          setPreview(null);
          setError(e instanceof Error ? e.message : String(e));
          setLoading(false);
        },
      );
    }, 250);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [selected, key, datasets]);
  return { preview, error, loading };
}

function OptionFieldsView({ specs, values, onChange, errors }: { specs: ParamSpec[]; values: Values; onChange(name: string, v: ParamValue | undefined): void; errors: Record<string, string> }) {
  return (
    <>
      {specs.map((spec) => (
        <ParamField key={spec.name} spec={spec} value={values[spec.name]} onChange={onChange} serverError={errors[spec.name]} />
      ))}
    </>
  );
}

export const OptionFields = memo(OptionFieldsView);

export interface DatasetChooserProps {
  datasets: DatasetList;
  selected: string;
  /** A built-in dataset or an upload (`upload:ID`) was picked. */
  onPick(key: string, kind: "builtin" | "upload"): void;
  onUploaded(d: UploadedDataset): void;
}

/** The built-in datasets by group, the user's uploads, and the upload form. */
function DatasetChooserView({ datasets, selected, onPick, onUploaded }: DatasetChooserProps) {
  return (
    <>
      {groupBuiltins(datasets.builtin).map((g) => (
        <div key={g.title} className="dataset-group">
          <div className="dataset-group-title">{g.title}</div>
          {g.items.map((d) => (
            <button
              key={d.name}
              type="button"
              className={`dataset-item${selected === d.name ? " on" : ""}`}
              disabled={!d.available}
              title={d.available ? d.description : `${d.description} (not on this server: download it first)`}
              onClick={() => onPick(d.name, "builtin")}
              data-testid={`dataset-item-${d.name}`}
            >
              <span className="dataset-title">{d.title}</span>
              <span className="dataset-shape">{d.input_shape.join("×")}</span>
            </button>
          ))}
        </div>
      ))}
      <div className="dataset-group">
        <div className="dataset-group-title">Your uploads</div>
        {datasets.uploads.map((u) => (
          <button key={u.key} type="button" className={`dataset-item${selected === u.key ? " on" : ""}`} onClick={() => onPick(u.key, "upload")} data-testid={`dataset-item-${u.key}`}>
            <span className="dataset-title">{u.name}</span>
            <span className="dataset-shape">{u.input_shape.join("×")}</span>
          </button>
        ))}
        <UploadForm maxBytes={datasets.max_upload_bytes} options={datasets.upload_options} onUploaded={onUploaded} />
      </div>
    </>
  );
}

export const DatasetChooser = memo(DatasetChooserView);

export interface ServerRefusal {
  message: string;
  errors: GraphError[];
}

/** The values of a sweep's combination, as the server named them: "lr=50, batch_size=32". */
function valuesText(values: unknown): string {
  if (!values || typeof values !== "object") return "";
  return Object.entries(values as Record<string, unknown>)
    .map(([k, v]) => `${k}=${typeof v === "object" ? JSON.stringify(v) : String(v)}`)
    .join(", ");
}

/** The server's refusal as it answered: its detail, then each error (node or field, and a sweep's combination). */
function ServerErrorBoxView({ error, testId }: { error: ServerRefusal; testId: string }) {
  const items = error.errors.filter((e) => e.message !== error.message);
  return (
    <div className="server-error" data-testid={testId}>
      <b>{error.message}</b>
      {items.length > 0 && (
        <ul>
          {items.map((e, i) => {
            const combination = typeof e.combination === "number" ? e.combination : null;
            return (
              <li key={i} data-field={e.field ?? undefined}>
                {e.node || e.field ? <code>{e.node ?? e.field}:</code> : null} {e.message}
                {combination !== null && (
                  <span className="muted" data-testid={`${testId}-combination`}>
                    {" "}
                    (combination {combination}
                    {valuesText(e.values) ? `: ${valuesText(e.values)}` : ""})
                  </span>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}

export const ServerErrorBox = memo(ServerErrorBoxView);
