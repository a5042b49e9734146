/** Progress and ETA of a run from what its stream has told so far. Pure: the page passes the figures in. */

/** What an epoch summary tells of time: its whole wall time and throughput, and when it ended. */
export interface EpochTiming {
  epoch: number;
  step: number;
  /** The epoch's wall time, evaluation and checkpoint included. */
  epoch_seconds?: number;
  /** Training samples over `epoch_seconds`. */
  samples_per_second?: number;
  /** Unix seconds. */
  ended_at?: number;
}

export interface ProgressInput {
  /** Epochs the run will train (from an epoch message, else the run's config). */
  totalEpochs: number | null;
  /** Epoch summaries received. */
  epochs: readonly EpochTiming[];
  /** The highest step seen. */
  lastStep: number;
  batchSize: number | null;
  /** Training samples per epoch when known before the first epoch ends (the dataset's size less validation). */
  samplesPerEpoch?: number | null;
  /** The clock, Unix seconds. */
  now: number;
  /** When the run started (its `started_at`), Unix seconds; null while it hasn't. */
  startedAt: number | null;
}

export interface Progress {
  /** 0..1, or null while it can't be told (the first epoch of a dataset of unknown size). */
  fraction: number | null;
  /** The epoch in progress, 1-based, capped at the total. */
  epoch: number;
  stepsPerEpoch: number | null;
  /** Seconds left, or null when unknown. */
  etaS: number | null;
  /** Samples per second of whole epochs (the last one's), or of the first epoch so far; null when unknown. */
  samplesPerS: number | null;
}

/** Steps per epoch: from an epoch's end step (exact), else from the dataset size and batch size. */
export function stepsPerEpoch(input: Pick<ProgressInput, "epochs" | "batchSize" | "samplesPerEpoch">): number | null {
  const first = input.epochs[0];
  if (first && first.epoch > 0 && first.step > 0) return first.step / first.epoch;
  if (input.samplesPerEpoch && input.batchSize) return Math.ceil(input.samplesPerEpoch / input.batchSize);
  return null;
}

/** Mean wall time of the epochs that carry one, or null. */
export function meanEpochSeconds(epochs: readonly EpochTiming[]): number | null {
  const times = epochs.map((e) => e.epoch_seconds).filter((t): t is number => t !== undefined && t > 0);
  return times.length ? times.reduce((a, b) => a + b, 0) / times.length : null;
}

/**
 * Seconds left: the mean epoch wall time × the epochs left, less the time into the current one (since the
 * last epoch ended, at most one epoch). Before the first epoch ends, that epoch's time is guessed from
 * the time since the start and the share of its steps done.
 */
function etaSeconds(input: ProgressInput, total: number, done: number, perEpoch: number, stepsDone: number): number | null {
  const mean = meanEpochSeconds(input.epochs);
  const last = input.epochs[input.epochs.length - 1];
  if (mean !== null) {
    const into = last?.ended_at !== undefined ? input.now - last.ended_at : ((stepsDone - done * perEpoch) / perEpoch) * mean;
    return Math.max(0, mean * (total - done) - Math.min(Math.max(into, 0), mean));
  }
  if (done === 0 && input.startedAt !== null && stepsDone > 0) {
    const into = Math.max(0, input.now - input.startedAt);
    return Math.max(0, ((into * perEpoch) / stepsDone) * total - into);
  }
  return null;
}

function samplesPerSecond(input: ProgressInput): number | null {
  const last = input.epochs[input.epochs.length - 1];
  if (last) return last.samples_per_second ?? null;
  if (input.startedAt === null || !input.batchSize || input.lastStep <= 0) return null;
  const into = input.now - input.startedAt;
  return into > 0 ? (input.lastStep * input.batchSize) / into : null;
}

export function computeProgress(input: ProgressInput): Progress {
  const total = input.totalEpochs && input.totalEpochs > 0 ? input.totalEpochs : null;
  const done = input.epochs[input.epochs.length - 1]?.epoch ?? 0;
  const perEpoch = stepsPerEpoch(input);
  const epoch = total ? Math.min(done + 1, total) : done + 1;
  const samplesPerS = samplesPerSecond(input);
  if (!total) return { fraction: null, epoch, stepsPerEpoch: perEpoch, etaS: null, samplesPerS };
  if (done >= total) return { fraction: 1, epoch: total, stepsPerEpoch: perEpoch, etaS: 0, samplesPerS };
  if (!perEpoch) return { fraction: done / total || null, epoch, stepsPerEpoch: null, etaS: null, samplesPerS };
  const totalSteps = perEpoch * total;
  // The step count is exact; the epoch count caps it, so a rounding error can't claim the next epoch.
  const stepsDone = Math.min(Math.max(input.lastStep, done * perEpoch), (done + 1) * perEpoch);
  const fraction = Math.min(1, Math.max(0, stepsDone / totalSteps));
  return { fraction, epoch, stepsPerEpoch: perEpoch, etaS: etaSeconds(input, total, done, perEpoch, stepsDone), samplesPerS };
}

/**
 * Seconds since the run started: ticking with `now` while it runs, its duration once it ended, null
 * before it started.
 */
export function elapsedSeconds(
  run: { started_at: string | null; finished_at: string | null; duration_s: number | null } | null,
  now: number = Date.now() / 1000,
): number | null {
  if (!run?.started_at) return null;
  const start = Date.parse(run.started_at) / 1000;
  if (!Number.isFinite(start)) return null;
  if (run.finished_at) return run.duration_s ?? Date.parse(run.finished_at) / 1000 - start;
  return Math.max(0, now - start);
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
