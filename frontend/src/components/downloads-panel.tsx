/** The run's files with a "how to load this" snippet for each, using model.py's own class name. */
import { memo, useEffect, useState } from "react";
import { api } from "@/lib/api";
import type { RunDetail } from "@/lib/run-types";
import { classNameFromModelPy, DOWNLOADS, downloadUrl, snippetFor, type DownloadSpec } from "@/lib/snippets";

function inputOf(run: RunDetail): { shape: number[] | null; dtype: string } {
  const input = run.graph?.nodes?.find((n) => n.type === "Input");
  const shape = input?.params?.shape;
  const dtype = input?.params?.dtype;
  return { shape: Array.isArray(shape) ? (shape as number[]) : null, dtype: typeof dtype === "string" ? dtype : "float32" };
}

function DownloadsPanelView({ run }: { run: RunDetail }) {
  const files = run.files ?? [];
  const available = DOWNLOADS.filter((d) => (d.kind === "zip" ? files.length > 0 : files.includes(d.kind)));
  const [selected, setSelected] = useState<DownloadSpec["kind"]>("pth");
  const [className, setClassName] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const hasPy = files.includes("model_py");

  useEffect(() => {
    if (!hasPy) return;
    let live = true;
    api.runModelPy(run.id).then(
      (src) => live && setClassName(classNameFromModelPy(src)),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [run.id, hasPy]);

  if (!available.length) {
    return <p className="muted pad" data-testid="downloads-empty">{run.status === "running" || run.status === "queued" ? "Files are written when the run ends." : "This run left no files."}</p>;
  }
  const spec = available.find((d) => d.kind === selected) ?? available[0]!;
  const { shape, dtype } = inputOf(run);
  const snippet = snippetFor(spec.kind, { className: className ?? "Model", inputShape: shape, inputDtype: dtype, runId: run.id });
  const filename = spec.kind === "zip" ? `run-${run.id}.zip` : spec.filename;

  return (
    <div className="downloads" data-testid="downloads">
      <ul className="download-list">
        {available.map((d) => (
          <li key={d.kind} className={d.kind === spec.kind ? "on" : undefined}>
            {/* The label downloads the file too (and shows how to load it): clicking a file's name gets the file. */}
            <a className="link download-pick" href={downloadUrl(run.id, d.format)} download onClick={() => setSelected(d.kind)} data-testid={`snippet-tab-${d.kind}`}>
              {d.label}
            </a>
            <a className="button small" href={downloadUrl(run.id, d.format)} download data-testid={`download-${d.kind}`} title={`Download ${d.kind === "zip" ? `run-${run.id}.zip` : d.filename}`}>
              ↓
            </a>
          </li>
        ))}
      </ul>
      <div className="snippet">
        <div className="snippet-head">
          <span>
            How to load <code>{filename}</code>
            {spec.kind !== "model_py" && spec.kind !== "graph" && spec.kind !== "zip" && spec.kind !== "onnx" ? <> with <code>model.py</code> beside it</> : null}
          </span>
          <button
            type="button"
            className="small"
            onClick={() => {
              void navigator.clipboard?.writeText(snippet).then(() => {
                setCopied(true);
                setTimeout(() => setCopied(false), 1200);
              });
            }}
          >
            {copied ? "Copied" : "Copy"}
          </button>
        </div>
        <pre data-testid={`snippet-${spec.kind}`}>{snippet}</pre>
        {run.onnx_error && <p className="muted small-note">ONNX export failed: {run.onnx_error}</p>}
      </div>
    </div>
  );
}

export const DownloadsPanel = memo(DownloadsPanelView);
