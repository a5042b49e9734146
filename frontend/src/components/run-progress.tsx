/** The epoch progress bar with ETA, throughput, device, step and the latest figures. */
import { memo } from "react";
import { computeProgress, formatDuration, recentMean } from "@/lib/progress";
import { isActive } from "@/lib/run-types";
import { useRun } from "@/store/run-store";

function fmt(v: number | undefined | null, digits = 4): string {
  return v === undefined || v === null || !Number.isFinite(v) ? "—" : String(Number(v.toPrecision(digits)));
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
  const sps = recentMean(series.samplesPerS.view());
  const active = isActive(status ?? undefined);
  const p = computeProgress({ totalEpochs, epochs, lastStep: series.lastStep, samplesPerS: sps, batchSize: batch, samplesPerEpoch });
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
        <div>
          <dt>{active ? "elapsed" : "duration"}</dt>
          <dd>{formatDuration(run?.duration_s ?? null)}</dd>
        </div>
      </dl>
    </div>
  );
}

export const RunProgress = memo(RunProgressView);
