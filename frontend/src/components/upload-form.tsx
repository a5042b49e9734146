/** Upload a dataset: a CSV (with its target column), an .npz, or a zip of one folder of images per class. */
import { memo, useState } from "react";
import { api, ApiError } from "@/lib/api";
import { formatBytes } from "@/lib/format";
import type { UploadedDataset } from "@/lib/run-types";
import { uploadDefaults, uploadKind, uploadOption, uploadOptions, type UploadOptionSpecs } from "@/lib/upload-options";

/** `options`: the upload options the server publishes (`GET /api/datasets`); the fields start from their defaults. */
function UploadFormView({ maxBytes, options, onUploaded }: { maxBytes: number; options: UploadOptionSpecs; onUploaded(d: UploadedDataset): void }) {
  const initial = uploadDefaults(options);
  const [file, setFile] = useState<File | null>(null);
  const [name, setName] = useState("");
  const [target, setTarget] = useState(initial.target);
  const [task, setTask] = useState(initial.task);
  const [standardize, setStandardize] = useState(initial.standardize);
  const [size, setSize] = useState(initial.size);
  const [text, setText] = useState(initial.text);
  const [tokens, setTokens] = useState(initial.tokens);
  const [length, setLength] = useState(initial.length);
  const tokensSpec = uploadOption(options, "csv", "tokens");
  const lengthSpec = uploadOption(options, "csv", "length");
  const taskSpec = uploadOption(options, "csv", "task");
  const standardizeSpec = uploadOption(options, "csv", "standardize");
  const sizeSpec = uploadOption(options, "imagezip", "size");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const kind = uploadKind(file?.name);

  const submit = async () => {
    if (!file) return;
    if (file.size > maxBytes) {
      setError(`${file.name} is ${formatBytes(file.size)}; the limit is ${formatBytes(maxBytes)}.`);
      return;
    }
    const options = uploadOptions(kind, { target, task, standardize, size, text, tokens, length });
    const form = new FormData();
    form.append("file", file);
    if (name.trim()) form.append("name", name.trim());
    if (kind) form.append("kind", kind);
    form.append("options", JSON.stringify(options));
    setBusy(true);
    setError(null);
    try {
      const d = await api.uploadDataset(form);
      onUploaded(d);
      setFile(null);
      setName("");
    } catch (e) {
      const first = e instanceof ApiError ? e.errors[0] : undefined;
      setError(e instanceof ApiError ? (first && first.message !== e.message ? `${e.message} (${first.message})` : e.message) : String(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="upload-form" data-testid="upload-form">
      <input type="file" accept=".csv,.npz,.zip" onChange={(e) => setFile(e.target.files?.[0] ?? null)} data-testid="upload-file" />
      {file && (
        <>
          <input type="text" placeholder={`Name (${file.name})`} value={name} onChange={(e) => setName(e.target.value)} />
          {kind === "csv" && (
            <div className="row">
              <input type="text" placeholder="Target column (last if empty)" value={target} onChange={(e) => setTarget(e.target.value)} title={uploadOption(options, "csv", "target")?.doc} data-testid="upload-target" />
              <select value={task} onChange={(e) => setTask(e.target.value)} aria-label="Task" title={taskSpec?.doc} data-testid="upload-task">
                <option value="">task: {String(taskSpec?.default ?? "auto")}</option>
                {(taskSpec?.choices ?? []).filter((c) => c !== taskSpec?.default).map((c) => <option key={c} value={c}>{c}</option>)}
              </select>
            </div>
          )}
          {kind === "csv" && (
            <div className="row">
              <input type="text" placeholder="Text column (none: numbers only)" value={text} onChange={(e) => setText(e.target.value)} title={uploadOption(options, "csv", "text")?.doc} data-testid="upload-text" />
              {text.trim() && (
                <>
                  <select value={tokens} onChange={(e) => setTokens(e.target.value)} aria-label="Tokens" title={tokensSpec?.doc} data-testid="upload-tokens">
                    <option value="">tokens: {String(tokensSpec?.default ?? "char")}</option>
                    {(tokensSpec?.choices ?? []).filter((c) => c !== tokensSpec?.default).map((c) => <option key={c} value={c}>{c}</option>)}
                  </select>
                  <input type="number" placeholder="Length (longest)" min={lengthSpec?.min} max={lengthSpec?.max} step={1} value={length} onChange={(e) => setLength(e.target.value)} title={lengthSpec?.doc} data-testid="upload-length" />
                </>
              )}
            </div>
          )}
          {kind === "csv" && !text.trim() && (
            <label className="check" title={standardizeSpec?.doc}>
              <input type="checkbox" checked={standardize} onChange={(e) => setStandardize(e.target.checked)} data-testid="upload-standardize" /> Standardize features
            </label>
          )}
          {kind === "imagezip" && <label className="row">Image size <input type="number" min={sizeSpec?.min} max={sizeSpec?.max} step={1} value={size} onChange={(e) => setSize(e.target.value)} title={sizeSpec?.doc} data-testid="upload-size" /> px</label>}
          <button type="button" className="primary small" disabled={busy} onClick={() => void submit()} data-testid="upload-submit">
            {busy ? "Uploading…" : "Upload"}
          </button>
        </>
      )}
      {error && <p className="field-error" data-testid="upload-error">{error}</p>}
      <p className="muted small-note">.csv, .npz or a .zip of class folders · up to {formatBytes(maxBytes)}</p>
    </div>
  );
}

export const UploadForm = memo(UploadFormView);
