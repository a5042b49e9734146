import { afterEach, describe, expect, it, vi } from "vitest";
import { computeProgress, elapsedSeconds, formatDuration, meanEpochSeconds, stepsPerEpoch } from "@/lib/progress";
import { runDetail } from "@/test/run-fixtures";

const T0 = 1_800_000_000; // Unix seconds
/** Epoch `epoch` ending at `step`, `seconds` long, ended at `endedAt`. */
const e = (epoch: number, step: number, seconds = 2, endedAt?: number) => ({
  epoch,
  step,
  epoch_seconds: seconds,
  samples_per_second: 1000 / seconds,
  ...(endedAt === undefined ? {} : { ended_at: endedAt }),
});
const base = { lastStep: 0, batchSize: 10, now: T0, startedAt: T0 };

describe("computeProgress", () => {
  it("is unknown before the first epoch when the dataset size is unknown", () => {
    const p = computeProgress({ ...base, totalEpochs: 5, epochs: [], lastStep: 12, startedAt: null });
    expect(p).toEqual({ fraction: null, epoch: 1, stepsPerEpoch: null, etaS: null, samplesPerS: null });
  });

  it("guesses the first epoch from the time since the start and its share of steps", () => {
    // 20 steps an epoch, 40 in all; 10 done in 4 s: 8 s an epoch, 16 s in all, 12 s left.
    const p = computeProgress({ ...base, totalEpochs: 2, epochs: [], lastStep: 10, samplesPerEpoch: 200, now: T0 + 4 });
    expect(p.stepsPerEpoch).toBe(20);
    expect(p.fraction).toBeCloseTo(0.25);
    expect(p.etaS).toBeCloseTo(12);
    expect(p.samplesPerS).toBeCloseTo(100 / 4); // 10 steps of 10 samples in 4 s
  });

  it("takes the ETA from the mean epoch wall time less the time into the current epoch", () => {
    // Epochs of 5 s and 3 s (4 s mean), 3 of 5 left, 1 s into the third.
    const epochs = [e(1, 50, 5, T0 + 5), e(2, 100, 3, T0 + 8)];
    const p = computeProgress({ ...base, totalEpochs: 5, epochs, lastStep: 110, now: T0 + 9 });
    expect(p.epoch).toBe(3);
    expect(p.fraction).toBeCloseTo(110 / 250);
    expect(p.etaS).toBeCloseTo(4 * 3 - 1);
    // The throughput of the whole last epoch, not of its steps.
    expect(p.samplesPerS).toBeCloseTo(1000 / 3);
  });

  it("never counts more than one epoch off however long the current one takes", () => {
    const p = computeProgress({ ...base, totalEpochs: 3, epochs: [e(1, 10, 2, T0 + 2)], lastStep: 10, now: T0 + 60 });
    expect(p.etaS).toBeCloseTo(2); // 2 epochs of 2 s left, less at most one
  });

  it("falls back to the steps into the epoch without an end time", () => {
    const p = computeProgress({ ...base, totalEpochs: 3, epochs: [e(1, 50, 4)], lastStep: 75 });
    expect(p.etaS).toBeCloseTo(4 * 2 - 2);
  });

  it("never claims the next epoch from a late step and is done after the last epoch", () => {
    expect(computeProgress({ ...base, totalEpochs: 2, epochs: [e(1, 10)], lastStep: 35 }).fraction).toBeCloseTo(1);
    expect(computeProgress({ ...base, totalEpochs: 2, epochs: [e(1, 10), e(2, 20)], lastStep: 20 })).toMatchObject({ fraction: 1, epoch: 2, etaS: 0 });
  });

  it("derives steps per epoch from a resumed run's first epoch", () => {
    expect(stepsPerEpoch({ epochs: [e(3, 90)], batchSize: 8, samplesPerEpoch: 1 })).toBe(30);
  });

  it("averages only the epochs that carry a wall time", () => {
    expect(meanEpochSeconds([{ epoch: 1, step: 1 }, e(2, 2, 3), e(3, 3, 5)])).toBe(4);
    expect(meanEpochSeconds([{ epoch: 1, step: 1 }])).toBeNull();
  });
});

describe("elapsedSeconds", () => {
  afterEach(() => vi.useRealTimers());

  it("ticks from started_at with the clock while the run runs", () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date("2026-01-01T00:00:30Z"));
    const run = { ...runDetail(1), started_at: "2026-01-01T00:00:00Z" };
    expect(elapsedSeconds(run)).toBe(30);
    vi.advanceTimersByTime(45_000);
    expect(elapsedSeconds(run)).toBe(75);
    expect(formatDuration(elapsedSeconds(run))).toBe("1:15");
  });

  it("is the duration once the run ended and unknown before it started", () => {
    const ended = { ...runDetail(1, "succeeded"), started_at: "2026-01-01T00:00:00Z", finished_at: "2026-01-01T00:01:00Z", duration_s: 60 };
    expect(elapsedSeconds(ended, Date.parse("2026-01-02T00:00:00Z") / 1000)).toBe(60);
    expect(elapsedSeconds({ ...ended, duration_s: null })).toBe(60);
    expect(elapsedSeconds(runDetail(1, "queued"))).toBeNull();
  });
});

describe("formatting", () => {
  it("formats durations", () => {
    expect(formatDuration(null)).toBe("—");
    expect(formatDuration(75)).toBe("1:15");
    expect(formatDuration(3725)).toBe("1:02:05");
  });
});
