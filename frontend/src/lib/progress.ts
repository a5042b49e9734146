/** Progress and ETA of a run from what its stream has told so far. Pure: the page passes the figures in. */

export interface ProgressInput {
  /** Epochs the run will train (from an epoch message, else the run's config). */
  totalEpochs: number | null;
  /** Epoch summaries received: their epoch number, step at the end and training seconds. */
  epochs: readonly { epoch: number; step: number; time_s: number }[];
  /** The highest step seen. */
  lastStep: number;
  /** Recent throughput from the metrics points, samples per second. */
  samplesPerS: number | null;
  batchSize: number | null;
  /** Training samples per epoch when known before the first epoch ends (the dataset's size less validation). */
  samplesPerEpoch?: number | null;
}

export interface Progress {
  /** 0..1, or null while it can't be told (the first epoch of a dataset of unknown size). */
  fraction: number | null;
  /** The epoch in progress, 1-based, capped at the total. */
  epoch: number;
  stepsPerEpoch: number | null;
  /** Seconds left, or null when unknown. */
  etaS: number | null;
}

/** Steps per epoch: from an epoch's end step (exact), else from the dataset size and batch size. */
export function stepsPerEpoch(input: Pick<ProgressInput, "epochs" | "batchSize" | "samplesPerEpoch">): number | null {
  const first = input.epochs[0];
  if (first && first.epoch > 0 && first.step > 0) return first.step / first.epoch;
  if (input.samplesPerEpoch && input.batchSize) return Math.ceil(input.samplesPerEpoch / input.batchSize);
  return null;
}

/** Seconds per step: the recent throughput when known, else the mean epoch time. */
function secondsPerStep(input: ProgressInput, perEpoch: number | null): number | null {
  if (input.samplesPerS && input.samplesPerS > 0 && input.batchSize) return input.batchSize / input.samplesPerS;
  if (perEpoch && input.epochs.length) {
    const mean = input.epochs.reduce((s, e) => s + e.time_s, 0) / input.epochs.length;
    return mean / perEpoch;
  }
  return null;
}

export function computeProgress(input: ProgressInput): Progress {
  const total = input.totalEpochs && input.totalEpochs > 0 ? input.totalEpochs : null;
  const done = input.epochs[input.epochs.length - 1]?.epoch ?? 0;
  const perEpoch = stepsPerEpoch(input);
  const epoch = total ? Math.min(done + 1, total) : done + 1;
  if (!total) return { fraction: null, epoch, stepsPerEpoch: perEpoch, etaS: null };
  if (done >= total) return { fraction: 1, epoch: total, stepsPerEpoch: perEpoch, etaS: 0 };
  if (!perEpoch) return { fraction: done / total || null, epoch, stepsPerEpoch: null, etaS: null };
  const totalSteps = perEpoch * total;
  // The step count is exact; the epoch count caps it, so a rounding error can't claim the next epoch.
  const stepsDone = Math.min(Math.max(input.lastStep, done * perEpoch), (done + 1) * perEpoch);
  const fraction = Math.min(1, Math.max(0, stepsDone / totalSteps));
  const sps = secondsPerStep(input, perEpoch);
  const etaS = sps === null ? null : Math.max(0, (totalSteps - stepsDone) * sps);
  return { fraction, epoch, stepsPerEpoch: perEpoch, etaS };
}

/** Mean of the last `n` values of a column view (recent throughput), or null when empty. */
export function recentMean(values: ArrayLike<number>, n = 20): number | null {
  const len = values.length;
  if (!len) return null;
  let sum = 0;
  let count = 0;
  for (let i = Math.max(0, len - n); i < len; i++) {
    const v = values[i] as number;
    if (Number.isFinite(v)) {
      sum += v;
      count++;
    }
  }
  return count ? sum / count : null;
}

/** 75 → "1:15", 3725 → "1:02:05". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "—";
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const pad = (n: number) => String(n).padStart(2, "0");
  return h ? `${h}:${pad(m)}:${pad(sec)}` : `${m}:${pad(sec)}`;
}
