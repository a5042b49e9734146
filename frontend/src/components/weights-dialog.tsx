/**
 * "Import weights…": checks a state dict against the graph on the canvas and shows, before anything
 * is applied, which keys match, which are missing, left over or of another shape. A file that fits
 * can be attached to the next run.
 */
import { useMemo, useState } from "react";
import { Modal } from "@/components/modal";
import { shapeWeightsReport } from "@/lib/pretrained";
import type { WeightsCheck } from "@/lib/types";
import { attachWeights, checkWeights } from "@/store/commands";

/** Keys listed per section before "… and N more" (resnet50 has 320 tensors). */
const MAX_ROWS = 300;

export function WeightsDialog({ onClose }: { onClose(): void }) {
  const [file, setFile] = useState<File | null>(null);
  const [check, setCheck] = useState<WeightsCheck | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<"checking" | "attaching" | null>(null);
  const view = useMemo(() => (check ? shapeWeightsReport(check) : null), [check]);

  const choose = async (picked: File) => {
    setFile(picked);
    setCheck(null);
    setError(null);
    setBusy("checking");
    try {
      setCheck(await checkWeights(picked));
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(null);
    }
  };

  const attach = async () => {
    if (!file) return;
    setBusy("attaching");
    const ok = await attachWeights(file);
    setBusy(null);
    if (ok) onClose();
  };

  return (
    <Modal title="Import weights" onClose={onClose} wide testId="weights-dialog">
      <p className="muted">
        A state dict (.pth, .pt or .safetensors) is checked against this graph, key by key and shape by shape, before anything is applied. Nothing
        in the file runs: it is read as tensors only.
      </p>
      <input
        type="file"
        accept=".pth,.pt,.safetensors"
        onChange={(e) => {
          const picked = e.target.files?.[0];
          e.target.value = "";
          if (picked) void choose(picked);
        }}
        data-testid="weights-input"
      />
      {busy === "checking" && <p className="muted">Checking {file?.name}…</p>}
      {error && (
        <p className="field-error" data-testid="weights-error">
          {file?.name}: {error}
        </p>
      )}
      {check && view && (
        <div className="weights-report" data-testid="weights-report">
          <p className={`weights-headline ${view.ok ? "good" : "bad"}`} data-testid="weights-report-status">
            {view.headline}
          </p>
          <p className="muted">
            {check.file}: {check.tensors.toLocaleString("en-US")} tensors.
          </p>
          <ul className="weights-counts">
            <Count label="Matched" n={check.matched.length} kind="matched" />
            <Count label="Missing" n={check.missing.length} kind="missing" />
            <Count label="Unexpected" n={check.unexpected.length} kind="unexpected" />
            <Count label="Mis-shaped" n={check.mismatched.length} kind="mismatched" />
          </ul>
          {view.sections.map((s) => (
            <details key={s.kind} open={s.problem} className={`weights-section${s.problem ? " problem" : ""}`} data-testid={`weights-section-${s.kind}`}>
              <summary>
                {s.label} ({s.count.toLocaleString("en-US")})
              </summary>
              <ul>
                {s.rows.slice(0, MAX_ROWS).map((row) => (
                  <li key={row}>
                    <code>{row}</code>
                  </li>
                ))}
                {s.rows.length > MAX_ROWS && <li className="muted">… and {(s.rows.length - MAX_ROWS).toLocaleString("en-US")} more</li>}
              </ul>
            </details>
          ))}
        </div>
      )}
      <div className="modal-actions">
        <button type="button" onClick={onClose}>
          Close
        </button>
        <button
          type="button"
          className="primary"
          disabled={!check?.ok || busy !== null}
          onClick={() => void attach()}
          title={check && !check.ok ? "A run refuses weights that don't fit its graph" : "Keep the file on the server; the next run starts from it"}
          data-testid="weights-attach"
        >
          {busy === "attaching" ? "Uploading…" : "Attach to next run"}
        </button>
      </div>
    </Modal>
  );
}

function Count({ label, n, kind }: { label: string; n: number; kind: string }) {
  const bad = kind !== "matched" && n > 0;
  return (
    <li className={bad ? "bad" : undefined}>
      <span className="figure-label">{label}</span> <b data-testid={`weights-count-${kind}`}>{n.toLocaleString("en-US")}</b>
    </li>
  );
}
