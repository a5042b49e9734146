import { describe, expect, it } from "vitest";
import { alignCurves, configRows, curvesFromEvents, thin } from "@/lib/compare";

describe("alignCurves", () => {
  it("joins curves on the union of their x, with gaps as null", () => {
    const [x, a, b] = alignCurves([
      { x: [1, 3], y: [10, 30] },
      { x: [2, 3, 4], y: [0.2, 0.3, 0.4] },
    ]);
    expect(x).toEqual([1, 2, 3, 4]);
    expect(a).toEqual([10, null, 30, null]);
    expect(b).toEqual([null, 0.2, 0.3, 0.4]);
  });

  it("handles no curves and empty ones", () => {
    expect(alignCurves([])).toEqual([[]]);
    expect(alignCurves([{ x: [], y: [] }, { x: [5], y: [1] }])).toEqual([[5], [null], [1]]);
  });
});

describe("thin", () => {
  it("keeps every k-th point and always the last", () => {
    const x = Array.from({ length: 10 }, (_, i) => i);
    expect(thin({ x, y: x }, 4).x).toEqual([0, 3, 6, 9]);
    expect(thin({ x, y: x }, 3).x).toEqual([0, 4, 8, 9]);
    expect(thin({ x, y: x }, 100).x).toEqual(x);
  });
});

describe("configRows", () => {
  it("lists every key once and marks the ones that differ", () => {
    const rows = configRows([
      { lr: 0.01, epochs: 5, loss: null },
      { lr: 0.001, epochs: 5 },
    ]);
    expect(rows).toEqual([
      { key: "lr", values: ["0.01", "0.001"], differs: true },
      { key: "epochs", values: ["5", "5"], differs: false },
      { key: "loss", values: ["None", "—"], differs: true },
    ]);
  });
});

describe("curvesFromEvents", () => {
  it("reads train loss per step and validation per epoch from stored events, once each", () => {
    const c = curvesFromEvents([
      { type: "metrics", data: { step: 10, points: [{ step: 5, train_loss: 1 }, { step: 10, train_loss: 0.8 }] } },
      { type: "epoch", data: { epoch: 1, step: 10, val_loss: 0.9, val_accuracy: 0.6 } },
      { type: "metrics", data: { step: 20, points: [{ step: 10, train_loss: 0.8 }, { step: 20, train_loss: 0.5 }] } },
      { type: "epoch", data: { epoch: 1, step: 10, val_loss: 0.9 } },
      { type: "log", data: { message: "hi" } },
    ]);
    expect(c.trainLoss).toEqual({ x: [5, 10, 20], y: [1, 0.8, 0.5] });
    expect(c.valLoss).toEqual({ x: [10], y: [0.9] });
    expect(c.valAccuracy).toEqual({ x: [1], y: [0.6] });
  });
});
