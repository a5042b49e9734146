import { describe, expect, it } from "vitest";
import {
  applySweepStatus,
  axisFraction,
  errorKind,
  formatCell,
  frontLine,
  nextSort,
  numericAxis,
  optionAxis,
  optionLabel,
  paretoFront,
  runError,
  sortRuns,
  sweepActive,
  sweepColumns,
  tickLabel,
  toPixel,
  tradeoffPoints,
  wantsLog,
} from "@/lib/sweep";
import type { SweepDetail, SweepRun } from "@/lib/sweep-types";
import { runSummary } from "@/test/run-fixtures";

function sweepRun(id: number, extra: Partial<SweepRun> = {}): SweepRun {
  return { ...runSummary(id, "succeeded"), sweep: 1, config: { lr: 0.01, epochs: 2 }, params: 100, flops: 200, architecture_name: null, ...extra };
}

function detail(runs: SweepRun[], options = ["lr"]): SweepDetail {
  return { id: 1, name: "Sweep of lr", status: "succeeded", options, created_at: "2026-01-01T00:00:00Z", request: {}, runs };
}

describe("sweepColumns", () => {
  it("has a column per varied option and accuracy columns for a classification sweep", () => {
    const runs = [sweepRun(1, { final_metrics: { val_loss: 0.5, val_accuracy: 0.8 }, best_metrics: { val_loss: 0.4, val_accuracy: 0.85 }, best_epoch: 1 })];
    const cols = sweepColumns(detail(runs, ["lr", "batch_size"]));
    expect(cols.map((c) => c.key)).toEqual(["id", "status", "option:lr", "option:batch_size", "val_loss", "val_accuracy", "best_epoch", "best_val_loss", "best_val_accuracy", "params", "flops", "time_s"]);
    const byKey = Object.fromEntries(cols.map((c) => [c.key, c]));
    expect(byKey["option:lr"]?.value(runs[0] as SweepRun)).toBe(0.01);
    expect(byKey["option:batch_size"]?.value(runs[0] as SweepRun)).toBeNull();
    expect(byKey["best_val_accuracy"]?.value(runs[0] as SweepRun)).toBe(0.85);
    expect(byKey["val_accuracy"]?.percent).toBe(true);
  });

  it("shows R² for regression and the design when the sweep trains several", () => {
    const runs = [
      sweepRun(1, { final_metrics: { val_loss: 2, val_r2: 0.3 }, architecture: 4, architecture_version: 1, architecture_name: "small" }),
      sweepRun(2, { final_metrics: { val_loss: 1, val_r2: 0.6 }, architecture: 5, architecture_version: 2 }),
    ];
    const cols = sweepColumns(detail(runs));
    expect(cols.map((c) => c.key)).toContain("val_r2");
    expect(cols.map((c) => c.key)).not.toContain("val_accuracy");
    const design = cols.find((c) => c.key === "design");
    expect(runs.map((r) => design?.value(r))).toEqual(["small v1", "#5 v2"]);
  });
});

describe("sortRuns", () => {
  const runs = [
    sweepRun(1, { final_metrics: { val_loss: 0.3 } }),
    sweepRun(2, { final_metrics: {} }),
    sweepRun(3, { final_metrics: { val_loss: 0.1 } }),
    sweepRun(4, { final_metrics: { val_loss: 0.3 } }),
  ];
  const column = sweepColumns(detail(runs)).find((c) => c.key === "val_loss")!;

  it("orders by the column with missing values last either way and ties by id", () => {
    expect(sortRuns(runs, column, "asc").map((r) => r.id)).toEqual([3, 1, 4, 2]);
    expect(sortRuns(runs, column, "desc").map((r) => r.id)).toEqual([1, 4, 3, 2]);
  });

  it("sorts text naturally and leaves its input alone", () => {
    const named = [sweepRun(1, { status: "stopped" }), sweepRun(2, { status: "failed" })];
    const status = sweepColumns(detail(named)).find((c) => c.key === "status")!;
    expect(sortRuns(named, status, "asc").map((r) => r.id)).toEqual([2, 1]);
    expect(named.map((r) => r.id)).toEqual([1, 2]);
  });

  it("flips the direction on a second click and starts another column ascending", () => {
    expect(nextSort(null, "lr")).toEqual({ key: "lr", dir: "asc" });
    expect(nextSort({ key: "lr", dir: "asc" }, "lr")).toEqual({ key: "lr", dir: "desc" });
    expect(nextSort({ key: "lr", dir: "desc" }, "params")).toEqual({ key: "params", dir: "asc" });
  });
});

describe("the trade-off", () => {
  it("uses 1 − accuracy for classification and the loss otherwise, best before final", () => {
    const cls = [sweepRun(1, { best_metrics: { val_loss: 0.4, val_accuracy: 0.9 }, final_metrics: { val_accuracy: 0.8 } })];
    expect(errorKind(cls)).toBe("1-accuracy");
    expect(runError(cls[0] as SweepRun, "1-accuracy")).toBeCloseTo(0.1);
    const noBest = sweepRun(2, { best_metrics: null, final_metrics: { val_loss: 0.7, val_accuracy: 0.75 } });
    expect(runError(noBest, "1-accuracy")).toBeCloseTo(0.25);
    const reg = [sweepRun(3, { best_metrics: { val_loss: 1.5 }, final_metrics: { val_loss: 2 } })];
    expect(errorKind(reg)).toBe("val_loss");
    expect(runError(reg[0] as SweepRun, "val_loss")).toBe(1.5);
    expect(runError(sweepRun(4, { final_metrics: {} }), "val_loss")).toBeNull();
  });

  it("puts on the front exactly the points no other beats on both cost and error", () => {
    const pts = [
      { cost: 10, error: 0.5 }, // front: cheapest
      { cost: 20, error: 0.3 }, // front
      { cost: 20, error: 0.4 }, // beaten by the one above (same cost, lower error)
      { cost: 30, error: 0.3 }, // beaten (more cost, same error)
      { cost: 40, error: 0.1 }, // front: best error
      { cost: 40, error: 0.1 }, // equal to the one above: both on the front
    ];
    expect([...paretoFront(pts)].sort()).toEqual([0, 1, 4, 5]);
    expect(paretoFront([])).toEqual(new Set());
  });

  it("skips runs without an error, marks the front and joins it cheapest first", () => {
    const runs = [
      sweepRun(1, { params: 300, best_metrics: { val_loss: 0.2, val_accuracy: 0.95 } }),
      sweepRun(2, { params: 100, best_metrics: { val_loss: 0.5, val_accuracy: 0.8 } }),
      sweepRun(3, { params: 200, best_metrics: { val_loss: 0.6, val_accuracy: 0.7 } }),
      sweepRun(4, { params: 50, status: "failed", final_metrics: {}, best_metrics: null }),
    ];
    const points = tradeoffPoints(runs, "params");
    expect(points.map((p) => [p.run.id, p.pareto])).toEqual([
      [1, true],
      [2, true],
      [3, false],
    ]);
    expect(frontLine(points).map((p) => p.run.id)).toEqual([2, 1]);
    // By FLOPs (all equal here) only the lowest error is unbeaten.
    expect(tradeoffPoints(runs, "flops").filter((p) => p.pareto).map((p) => p.run.id)).toEqual([1]);
  });
});

describe("axes", () => {
  it("goes log when positive values span more than 10×", () => {
    expect(wantsLog([0.003, 0.03, 0.3])).toBe(true);
    expect(wantsLog([1, 10])).toBe(false);
    expect(wantsLog([0, 100])).toBe(false);
    expect(wantsLog([])).toBe(false);
  });

  it("pads a log axis and ticks it at round numbers inside it", () => {
    const axis = numericAxis([0.003, 0.3]);
    expect(axis.kind).toBe("log");
    expect(axis.domain[0]).toBeLessThan(0.003);
    expect(axis.domain[1]).toBeGreaterThan(0.3);
    expect(axis.ticks).toEqual([0.005, 0.01, 0.02, 0.05, 0.1, 0.2]);
    expect(axisFraction(axis, 0.003)).toBeGreaterThan(0);
    expect(axisFraction(axis, 0.3)).toBeLessThan(1);
    expect(axisFraction(axis, -1)).toBeNull();
    // log10 spacing: 0.03 sits halfway between 0.003 and 0.3
    expect(axisFraction(axis, 0.03)).toBeCloseTo(0.5);
  });

  it("gives a linear axis nice ticks and a single value some room", () => {
    const axis = numericAxis([0.2, 0.9]);
    expect(axis.kind).toBe("linear");
    expect(axis.ticks).toEqual([0.2, 0.4, 0.6, 0.8]);
    const one = numericAxis([5]);
    expect(one.domain).toEqual([4.5, 5.5]);
    expect(axisFraction(one, 5)).toBeCloseTo(0.5);
    expect(numericAxis([], false).domain).toEqual([0, 1]);
  });

  it("puts text options in one slot per value", () => {
    const axis = optionAxis(["sgd", "adam", "sgd", null]);
    expect(axis).toEqual({ kind: "category", categories: ["adam", "sgd"] });
    expect(axisFraction(axis, "adam")).toBe(0.25);
    expect(axisFraction(axis, "sgd")).toBe(0.75);
    expect(optionAxis([0.1, 0.001]).kind).toBe("log");
  });

  it("draws a point inside the frame, y growing down", () => {
    const box = { width: 100, height: 100, left: 10, right: 10, top: 10, bottom: 10 };
    const axis = { kind: "linear" as const, domain: [0, 1] as [number, number], ticks: [] };
    expect(toPixel(box, axis, axis, 0, 0)).toEqual({ x: 10, y: 90 });
    expect(toPixel(box, axis, axis, 1, 1)).toEqual({ x: 90, y: 10 });
    expect(toPixel(box, axis, axis, null, 1)).toBeNull();
  });

  it("labels ticks shortly", () => {
    expect(tickLabel(25_000)).toBe("25k");
    expect(tickLabel(1_500_000)).toBe("1.5M");
    expect(tickLabel(0.05)).toBe("0.05");
    expect(tickLabel(0.0001)).toBe("1e-4");
  });
});

describe("formatCell", () => {
  it("shows percentages, sizes, seconds and short numbers", () => {
    expect(formatCell({ key: "val_accuracy", kind: "metric", percent: true }, 0.8512)).toBe("85.1%");
    expect(formatCell({ key: "params", kind: "size" }, 12_345)).toBe("12.3k");
    expect(formatCell({ key: "time_s", kind: "metric" }, 1.234)).toBe("1.2 s");
    expect(formatCell({ key: "val_loss", kind: "metric" }, 0.123456)).toBe("0.1235");
    expect(formatCell({ key: "option:lr", kind: "option" }, null)).toBe("—");
    expect(formatCell({ key: "option:optimizer", kind: "option" }, "sgd")).toBe("sgd");
  });
});

describe("live", () => {
  it("puts a status message's summary in its row, keeping the config and sizes", () => {
    const d = detail([sweepRun(1, { status: "running" }), sweepRun(2, { status: "queued" })]);
    const next = applySweepStatus(d, runSummary(2, "running", { sweep: 1, queue_position: null }));
    expect(next.runs[1]?.status).toBe("running");
    expect(next.runs[1]?.params).toBe(100);
    expect(next.runs[0]).toBe(d.runs[0]);
    expect(applySweepStatus(d, runSummary(9, "running"))).toBe(d);
  });

  it("keeps listening while the sweep or any run is active", () => {
    expect(sweepActive({ status: "succeeded", runs: [sweepRun(1)] })).toBe(false);
    expect(sweepActive({ status: "running", runs: [] })).toBe(true);
    expect(sweepActive({ status: "stopped", runs: [sweepRun(1, { status: "running" })] })).toBe(true);
  });

  it("writes a run's options as one line", () => {
    expect(optionLabel(sweepRun(1, { config: { lr: 0.3, optimizer: "sgd" } }), ["lr", "optimizer"])).toBe("lr=0.3, optimizer=sgd");
  });
});
