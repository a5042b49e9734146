import { describe, expect, it } from "vitest";
import { computeProgress, formatDuration, recentMean, stepsPerEpoch } from "@/lib/progress";

const e = (epoch: number, step: number, time_s = 2) => ({ epoch, step, time_s });

describe("computeProgress", () => {
  it("is unknown before the first epoch when the dataset size is unknown", () => {
    const p = computeProgress({ totalEpochs: 5, epochs: [], lastStep: 12, samplesPerS: 100, batchSize: 10 });
    expect(p).toEqual({ fraction: null, epoch: 1, stepsPerEpoch: null, etaS: null });
  });

  it("uses the dataset size before the first epoch ends", () => {
    const p = computeProgress({ totalEpochs: 2, epochs: [], lastStep: 10, samplesPerS: 100, batchSize: 10, samplesPerEpoch: 200 });
    // 20 steps an epoch, 40 in all, 10 done; 30 left at 0.1 s each.
    expect(p.stepsPerEpoch).toBe(20);
    expect(p.fraction).toBeCloseTo(0.25);
    expect(p.etaS).toBeCloseTo(3);
  });

  it("counts steps within the epoch once the steps per epoch are known", () => {
    const p = computeProgress({ totalEpochs: 4, epochs: [e(1, 40)], lastStep: 60, samplesPerS: 160, batchSize: 16 });
    expect(p.epoch).toBe(2);
    expect(p.fraction).toBeCloseTo(60 / 160);
    // 100 steps left at 0.1 s a step.
    expect(p.etaS).toBeCloseTo(10);
  });

  it("falls back to the mean epoch time without a throughput", () => {
    const p = computeProgress({ totalEpochs: 3, epochs: [e(1, 50, 5), e(2, 100, 3)], lastStep: 100, samplesPerS: null, batchSize: null });
    // 4 s an epoch over 50 steps; 50 steps left.
    expect(p.etaS).toBeCloseTo(4);
  });

  it("never claims the next epoch from a late step and is done after the last epoch", () => {
    expect(computeProgress({ totalEpochs: 2, epochs: [e(1, 10)], lastStep: 35, samplesPerS: null, batchSize: null }).fraction).toBeCloseTo(1);
    expect(computeProgress({ totalEpochs: 2, epochs: [e(1, 10), e(2, 20)], lastStep: 20, samplesPerS: 1, batchSize: 1 })).toMatchObject({ fraction: 1, epoch: 2, etaS: 0 });
  });

  it("derives steps per epoch from a resumed run's first epoch", () => {
    expect(stepsPerEpoch({ epochs: [e(3, 90)], batchSize: 8, samplesPerEpoch: 1 })).toBe(30);
  });
});

describe("formatting", () => {
  it("formats durations", () => {
    expect(formatDuration(null)).toBe("—");
    expect(formatDuration(75)).toBe("1:15");
    expect(formatDuration(3725)).toBe("1:02:05");
  });

  it("averages the recent values only", () => {
    expect(recentMean([])).toBeNull();
    expect(recentMean([100, 1, 2, 3], 3)).toBe(2);
    expect(recentMean(new Float64Array([NaN, 4]))).toBe(4);
  });
});
