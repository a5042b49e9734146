/** The epoch progress bar with ETA, throughput, device, step and the latest figures. */
import { memo, useEffect, useState } from "react";
import { computeProgress, elapsedSeconds, formatDuration } from "@/lib/progress";
import { isActive } from "@/lib/run-types";
import { useRun } from "@/store/run-store";

function fmt(v: number | undefined | null, digits = 4): string {
  return v === undefined || v === null || !Number.isFinite(v) ? "—" : String(Number(v.toPrecision(digits)));
}

/** The clock in Unix seconds, ticking each second while `ticking`. */
function useClock(ticking: boolean): number {
  const [now, setNow] = useState(() => Date.now() / 1000);
  useEffect(() => {
    if (!ticking) return;
    setNow(Date.now() / 1000);
    const timer = setInterval(() => setNow(Date.now() / 1000), 1000);
    return () => clearInterval(timer);
  }, [ticking]);
  return now;
}

function RunProgressView({ samplesPerEpoch }: { samplesPerEpoch: number | null }) {
  useRun((s) => s.version);
  const series = useRun((s) => s.series);
  const run = useRun((s) => s.run);
  const status = useRun((s) => s.status);
  const device = useRun((s) => s.device);
  const epochs = series.epochs;
  const last = epochs[epochs.length - 1];
  const totalEpochs = last?.epochs ?? (typeof run?.config?.epochs === "number" ? run.config.epochs : null);
  const batch = typeof run?.config?.batch_size === "number" ? run.config.batch_size : null;
  const active = isActive(status ?? undefined);
  const now = useClock(status === "running");
  const startedAt = run?.started_at ? Date.parse(run.started_at) / 1000 : null;
  const p = computeProgress({ totalEpochs, epochs, lastStep: series.lastStep, batchSize: batch, samplesPerEpoch, now, startedAt });
  const sps = p.samplesPerS;
  const fraction = status === "succeeded" ? 1 : p.fraction;
  const trainLoss = series.trainLoss.last();
  return (
    <div className="run-progress" data-testid="run-progress">
      <div className="progress-line">
        <span className="progress-epoch" data-testid="progress-epoch">
          Epoch {status === "succeeded" ? totalEpochs ?? p.epoch : p.epoch}
          {totalEpochs ? ` / ${totalEpochs}` : ""}
        </span>
        <div
          className={`progress-track${fraction === null && active ? " indeterminate" : ""}`}
          role="progressbar"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={fraction === null ? undefined : Math.round(fraction * 100)}
          data-testid="progress-bar"
        >
          <div className={`progress-fill status-fill-${status ?? "queued"}`} style={{ width: `${((fraction ?? 0) * 100).toFixed(1)}%` }} />
        </div>
        <span className="progress-pct">{fraction === null ? "" : `${Math.floor(fraction * 100)}%`}</span>
      </div>
      <dl className="run-facts">
        <div>
          <dt>ETA</dt>
          <dd data-testid="progress-eta">{active ? (status === "queued" ? "queued" : formatDuration(p.etaS)) : "—"}</dd>
        </div>
        <div>
          <dt>samples/s</dt>
          <dd data-testid="progress-sps">{sps === null ? "—" : Math.round(sps).toLocaleString("en-US")}</dd>
        </div>
        <div>
          <dt>device</dt>
          <dd data-testid="run-device">{device || "—"}</dd>
        </div>
        <div>
          <dt>step</dt>
          <dd data-testid="progress-step" data-step={series.lastStep}>{series.lastStep.toLocaleString("en-US")}</dd>
        </div>
        <div>
          <dt>train loss</dt>
          <dd>{fmt(trainLoss)}</dd>
        </div>
        <div>
          <dt>val loss</dt>
          <dd>{fmt(last?.val_loss)}</dd>
        </div>
        {last?.val_accuracy !== undefined && (
          <div>
            <dt>val accuracy</dt>
            <dd data-testid="val-accuracy">{(last.val_accuracy * 100).toFixed(1)}%</dd>
          </div>
        )}
        {last?.val_r2 !== undefined && (
          <div>
            <dt>val R²</dt>
            <dd data-testid="val-r2">{fmt(last.val_r2, 3)}</dd>
          </div>
        )}
        <div>
          <dt>{active ? "elapsed" : "duration"}</dt>
          <dd data-testid="progress-elapsed">{formatDuration(elapsedSeconds(run, now))}</dd>
        </div>
      </dl>
    </div>
  );
}

export const RunProgress = memo(RunProgressView);
