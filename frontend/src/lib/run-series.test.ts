import { describe, expect, it } from "vitest";
import { applyMessage, backfill, boundaryAt, Column, createRunSeries, lastIndexAtOrBelow, lossColumns, MAX_LOG_LINES, nodeAlerts, normColumns, resumeStep, validationColumns } from "@/lib/run-series";
import { epoch, metrics, snapshot } from "@/test/run-fixtures";

const steps = (s: ReturnType<typeof createRunSeries>) => Array.from(s.steps.view());

describe("Column", () => {
  it("grows past its capacity and keeps every value in order", () => {
    const c = new Column(2);
    for (let i = 0; i < 100_000; i++) c.push(i);
    expect(c.length).toBe(100_000);
    expect(c.view().length).toBe(100_000);
    expect(c.at(99_999)).toBe(99_999);
    expect(c.last()).toBe(99_999);
    expect(c.at(100_000)).toBeUndefined();
  });
});

describe("applyMessage", () => {
  it("folds a snapshot's events, then live messages, in step order", () => {
    const s = createRunSeries(4);
    applyMessage(s, snapshot(1, [metrics(5, 10), metrics(15), epoch(1, 15)]));
    applyMessage(s, metrics(20, 25));
    expect(steps(s)).toEqual([5, 10, 15, 20, 25]);
    expect(s.lastStep).toBe(25);
    expect(s.epochs.map((e) => e.epoch)).toEqual([1]);
  });

  it("drops points at or below the last step, keeping the newer ones of a mixed message", () => {
    const s = createRunSeries();
    applyMessage(s, metrics(5, 10, 15));
    const v = s.version;
    expect(applyMessage(s, metrics(10, 15))).toBe(false);
    expect(s.version).toBe(v);
    applyMessage(s, metrics(15, 20));
    expect(steps(s)).toEqual([5, 10, 15, 20]);
    expect(Array.from(s.trainLoss.view())).toEqual([1 / 5, 1 / 10, 1 / 15, 1 / 20]);
  });

  it("merges a reconnect's snapshot without repeating what it already has", () => {
    const s = createRunSeries();
    applyMessage(s, snapshot(1, [metrics(5, 10), epoch(1, 10)]));
    applyMessage(s, metrics(15));
    expect(resumeStep(s)).toBe(15);
    // The server answers ?after=15, but an overlapping replay must be harmless too.
    applyMessage(s, snapshot(1, [metrics(10, 15, 20), epoch(1, 10), epoch(2, 20), metrics(25)]));
    expect(steps(s)).toEqual([5, 10, 15, 20, 25]);
    expect(s.epochs.map((e) => e.epoch)).toEqual([1, 2]);
  });

  it("puts each epoch's validation loss at the point of its last step", () => {
    const s = createRunSeries();
    applyMessage(s, metrics(5, 10, 15, 20));
    applyMessage(s, epoch(1, 10));
    applyMessage(s, epoch(2, 22));
    expect(s.valLossAtStep).toEqual([null, 0.4, null, 0.2]);
    // An epoch ending past the last point raises the step, so that point is not taken again.
    expect(s.lastStep).toBe(22);
  });

  it("keeps the data points of the first epoch and every boundary", () => {
    const s = createRunSeries();
    const boundary = { x: [0, 1] as [number, number], y: [0, 1] as [number, number], size: 2, classes: [0, 1, 1, 0] };
    applyMessage(s, epoch(1, 10, { boundary, points: [[0.1, 0.2, 0]] }));
    applyMessage(s, epoch(2, 20, { boundary: { ...boundary, classes: [1, 1, 1, 1] } }));
    expect(s.points).toEqual([[0.1, 0.2, 0]]);
    expect(s.boundaries.map((b) => b.epoch)).toEqual([1, 2]);
    expect(boundaryAt(s)?.epoch).toBe(2);
    expect(boundaryAt(s, 1)?.boundary.classes).toEqual([0, 1, 1, 0]);
    expect(s.epochs[0]).not.toHaveProperty("boundary");
  });

  it("takes the first final message only and caps the log", () => {
    const s = createRunSeries();
    expect(applyMessage(s, { type: "stopped", data: { status: "stopped", metrics: {}, files: ["pth"] } })).toBe(true);
    expect(applyMessage(s, { type: "finished", data: { status: "succeeded", metrics: {}, files: [] } })).toBe(false);
    expect(s.final?.type).toBe("stopped");
    for (let i = 0; i < MAX_LOG_LINES + 10; i++) applyMessage(s, { type: "log", data: { message: `line ${i}` } });
    expect(s.logs.length).toBe(MAX_LOG_LINES);
    expect(s.logs[s.logs.length - 1]).toBe(`line ${MAX_LOG_LINES + 9}`);
  });
});

describe("helpers", () => {
  it("finds the last index at or below a step", () => {
    const c = new Column();
    for (const v of [5, 10, 15]) c.push(v);
    expect(lastIndexAtOrBelow(c, 4)).toBe(-1);
    expect(lastIndexAtOrBelow(c, 10)).toBe(1);
    expect(lastIndexAtOrBelow(c, 99)).toBe(2);
  });

  it("turns per-epoch norms into one column per layer, null where a layer is missing", () => {
    const s = createRunSeries();
    applyMessage(s, epoch(1, 10, { norms: { a: { weight: 1, grad: 0.5 } } }));
    applyMessage(s, epoch(2, 20, { norms: { a: { weight: 2, grad: 0.25 }, b: { weight: 3, grad: 0.1 } } }));
    expect(normColumns(s.epochs, "grad")).toEqual({ layers: ["a", "b"], x: [1, 2], ys: [[0.5, 0.25], [null, 0.1]] });
  });
});

describe("backfill", () => {
  it("fills a hole in the steps without touching what is there", () => {
    const s = createRunSeries(2);
    applyMessage(s, metrics(5, 10));
    applyMessage(s, metrics(25, 30));
    applyMessage(s, epoch(1, 30));
    const v = s.version;
    expect(backfill(s, [metrics(10, 15, 20), metrics(25)])).toBe(true);
    expect(steps(s)).toEqual([5, 10, 15, 20, 25, 30]);
    expect(Array.from(s.trainLoss.view())).toEqual([5, 10, 15, 20, 25, 30].map((n) => 1 / n));
    expect(s.valLossAtStep).toEqual([null, null, null, null, null, 0.4]);
    expect(s.version).toBeGreaterThan(v);
    expect(backfill(s, [metrics(5, 10, 15)])).toBe(false);
  });

  it("fills a missing epoch in order, with its boundary", () => {
    const s = createRunSeries();
    const boundary = { x: [0, 1] as [number, number], y: [0, 1] as [number, number], size: 1, classes: [0] };
    applyMessage(s, metrics(10, 20, 30));
    applyMessage(s, epoch(1, 10, { boundary }));
    applyMessage(s, epoch(3, 30, { boundary }));
    backfill(s, [epoch(2, 20, { boundary }), epoch(3, 30)]);
    expect(s.epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
    expect(s.boundaries.map((b) => b.epoch)).toEqual([1, 2, 3]);
    expect(s.valLossAtStep).toEqual([0.4, 0.2, 0.4 / 3]);
  });
});

describe("loss and validation columns", () => {
  it("draws each epoch's train and val loss for a ten-step run, one step an epoch", () => {
    const s = createRunSeries();
    for (let n = 1; n <= 10; n++) {
      applyMessage(s, metrics(n));
      applyMessage(s, epoch(n, n, { train_loss: 1 / n, epochs: 10 }));
    }
    const [x, train, val, epochTrain] = lossColumns(s);
    expect(Array.from(x)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(Array.from(train)).toEqual(Array.from(x, (n) => 1 / n));
    expect(val).toEqual(Array.from(x, (n) => 0.4 / n));
    expect(epochTrain).toEqual(Array.from(x, (n) => 1 / n));
  });

  it("draws the epochs alone when no step was logged", () => {
    const s = createRunSeries();
    applyMessage(s, epoch(1, 13, { train_loss: 0.9 }));
    applyMessage(s, epoch(2, 26, { train_loss: 0.7 }));
    expect(lossColumns(s)).toEqual([[13, 26], [null, null], [0.4, 0.2], [0.9, 0.7]]);
  });

  it("charts R² and no accuracy for a regression run", () => {
    const s = createRunSeries();
    applyMessage(s, epoch(1, 10, { val_accuracy: undefined, val_r2: 0.5 }));
    applyMessage(s, epoch(2, 20, { val_accuracy: undefined, val_r2: 0.8 }));
    expect(validationColumns(s.epochs)).toEqual({ metric: "r2", x: [1, 2], ys: [[0.5, 0.8]] });
  });

  it("charts accuracy, with top-5 when there is one, for a classification run", () => {
    const s = createRunSeries();
    applyMessage(s, epoch(1, 10));
    expect(validationColumns(s.epochs)).toEqual({ metric: "accuracy", x: [1], ys: [[0.6]] });
    applyMessage(s, epoch(2, 20, { val_top5: 0.9 }));
    expect(validationColumns(s.epochs).ys).toEqual([[0.6, 0.7], [null, 0.9]]);
  });
});

describe("the latest pictures", () => {
  const units = (v: number) => ({ fc1: { size: 2, range: [v, v] as [number, number], values: [[v, v, v, v]] } });
  const maps = (v: number) => ({
    sample: { index: 3, label: 1, prediction: 1, image: { channels: [{ size: [1, 1] as [number, number], range: [0, 1] as [number, number], values: [[v]] }], of: 1 } },
    nodes: {},
  });
  const healthOf = (dead: number) => ({ relu: { act_mean: 0, act_std: 0, dead_fraction: dead, saturated_fraction: null, grad_norm: null, update_ratio: null, alerts: [] } });

  it("keeps only the newest units, feature maps and health, each with its epoch, out of the summaries", () => {
    const s = createRunSeries();
    applyMessage(s, epoch(1, 10, { units: units(1), feature_maps: maps(1), health: healthOf(0.5) }));
    applyMessage(s, epoch(2, 20, { units: units(2) }));
    expect(s.latest.units).toEqual({ epoch: 2, value: units(2) });
    expect(s.latest.featureMaps).toEqual({ epoch: 1, value: maps(1) }); // epoch 2 sent none: the last that came stays
    expect(s.latest.health?.epoch).toBe(1);
    for (const e of s.epochs) {
      expect(Object.keys(e)).not.toContain("units");
      expect(Object.keys(e)).not.toContain("feature_maps");
      expect(Object.keys(e)).not.toContain("health");
    }
  });

  it("is a new object when it changes and the same one when an epoch brings none", () => {
    const s = createRunSeries();
    applyMessage(s, epoch(1, 10, { units: units(1) }));
    const before = s.latest;
    const unitsBefore = s.latest.units;
    applyMessage(s, epoch(2, 20));
    expect(s.latest).toBe(before);
    applyMessage(s, epoch(3, 30, { health: healthOf(1) }));
    expect(s.latest).not.toBe(before);
    expect(s.latest.units).toBe(unitsBefore); // the nodes' pictures did not change: nothing to redraw
  });

  it("is never replaced by an older epoch filled in later", () => {
    const s = createRunSeries();
    applyMessage(s, metrics(5));
    applyMessage(s, epoch(3, 30, { units: units(3) }));
    backfill(s, [epoch(2, 20, { units: units(2), health: healthOf(0.25) })]);
    expect(s.latest.units).toEqual({ epoch: 3, value: units(3) });
    expect(s.latest.health?.epoch).toBe(2); // the only health there is
  });

  it("collects every alert once, and each node's latest of a kind", () => {
    const s = createRunSeries();
    const dead = { node: "relu", kind: "dead" as const, message: "relu: 100% of units dead since epoch 1" };
    applyMessage(s, snapshot(1, [epoch(1, 10, { alerts: [dead] })]));
    applyMessage(s, snapshot(1, [epoch(1, 10, { alerts: [dead] })])); // a reconnect's replay
    applyMessage(s, epoch(2, 20, { alerts: [{ node: "fc1", kind: "exploding", message: "fc1: gradients exploding" }] }));
    expect(s.alerts.map((a) => a.node)).toEqual(["relu", "fc1"]);
    expect(nodeAlerts(s.alerts, "relu")).toEqual([dead]);
    expect(nodeAlerts(s.alerts, "fc2")).toEqual([]);
  });
});
