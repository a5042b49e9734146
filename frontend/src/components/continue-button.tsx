/**
 * Continue an ended run: n more epochs from its last checkpoint, optionally with another learning rate
 * or optimizer (POST /api/runs/{id}/continue), then the new run's page. The server's refusal (no
 * checkpoint, a bad option) is shown as it answered.
 */
import { memo, useCallback, useEffect, useMemo, useState } from "react";
import { Modal } from "@/components/modal";
import { OptionFields, ServerErrorBox, type ServerRefusal, type Values } from "@/components/run-setup";
import { api, ApiError } from "@/lib/api";
import { navigate } from "@/lib/router";
import { fieldErrors } from "@/lib/run-check";
import { isActive, type RunDetail, type RunStatus } from "@/lib/run-types";
import { setValues } from "@/lib/train-form";
import type { ParamSpec, ParamValue } from "@/lib/types";

/** The options the dialog offers to change; the rest stay as the run had them. */
const CHANGEABLE = ["lr", "optimizer"];

function ContinueDialog({ run, onClose }: { run: RunDetail; onClose(): void }) {
  const [options, setOptions] = useState<ParamSpec[] | null>(null);
  const [epochs, setEpochs] = useState<Values>({});
  const [changes, setChanges] = useState<Values>({});
  const [error, setError] = useState<ServerRefusal | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    api.trainingOptions().then(
      (o) => setOptions(o.fields),
      () => setOptions([]),
    );
  }, []);
  // Each field's placeholder is the run's own value: an empty field keeps it.
  const specs = useMemo(() => {
    const asRun = (o: ParamSpec): ParamSpec => ({ ...o, default: (run.config?.[o.name] as ParamValue | undefined) ?? o.default, required: false });
    const list = options ?? [];
    const epochSpec = list.find((o) => o.name === "epochs");
    return {
      epochs: epochSpec ? [{ ...epochSpec, doc: "how many more epochs to train", default: undefined, required: true }] : [],
      changes: list.filter((o) => CHANGEABLE.includes(o.name)).map(asRun),
    };
  }, [options, run.config]);
  const onEpochs = useCallback((n: string, v: ParamValue | undefined) => setEpochs((c) => ({ ...c, [n]: v })), []);
  const onChange = useCallback((n: string, v: ParamValue | undefined) => setChanges((c) => ({ ...c, [n]: v })), []);
  const n = epochs.epochs;
  const split = fieldErrors(error?.errors ?? []);

  const submit = async () => {
    if (typeof n !== "number") return;
    setBusy(true);
    setError(null);
    try {
      const config = setValues(changes);
      const child = await api.continueRun(run.id, Object.keys(config).length ? { epochs: n, config } : { epochs: n });
      onClose();
      navigate(`/runs/${child.id}/`);
    } catch (e) {
      setError(e instanceof ApiError ? { message: e.message, errors: e.errors } : { message: String(e), errors: [] });
      setBusy(false);
    }
  };

  return (
    <Modal title={`Continue run #${run.id}`} onClose={onClose} testId="continue-dialog">
      <form
        className="params-form"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <p className="muted small-note">
          A new run trains on from this run's last checkpoint: its weights, its place in the data and, when the optimizer and its options are unchanged, the optimizer's state. Its epochs are numbered on from
          epoch {run.epoch}.
        </p>
        {options === null ? <p className="muted">Loading…</p> : <OptionFields specs={specs.epochs} values={epochs} onChange={onEpochs} errors={split.config} />}
        {specs.changes.length > 0 && (
          <>
            <h4>Change (empty: as the run had it)</h4>
            <OptionFields specs={specs.changes} values={changes} onChange={onChange} errors={split.config} />
          </>
        )}
        {error && <ServerErrorBox error={error} testId="continue-error" />}
        <div className="modal-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy || typeof n !== "number"} data-testid="continue-submit">
            {busy ? "Queueing…" : "▶ Continue"}
          </button>
        </div>
      </form>
    </Modal>
  );
}

/** "Continue…" for a run that has ended; nothing while it is queued or running. */
function ContinueButtonView({ run, status }: { run: RunDetail | null; status: RunStatus | null }) {
  const [open, setOpen] = useState(false);
  const close = useCallback(() => setOpen(false), []);
  if (!run || !status || isActive(status)) return null;
  return (
    <>
      <button type="button" onClick={() => setOpen(true)} title="Train this run on from its last checkpoint" data-testid="continue-button">
        Continue…
      </button>
      {open && <ContinueDialog run={run} onClose={close} />}
    </>
  );
}

export const ContinueButton = memo(ContinueButtonView);
