import { describe, expect, it } from "vitest";
import { applyStatus } from "@/lib/run-list";
import { runSummary as summary } from "@/test/run-fixtures";

describe("the run list", () => {
  it("replaces a row with the status message's summary, final metrics and duration included", () => {
    const rows = [summary(1, "running"), summary(2, "queued")];
    const ended = summary(1, "succeeded", { final_metrics: { val_accuracy: 0.9 }, duration_s: 12.5 });
    expect(applyStatus(rows, ended)).toEqual([ended, rows[1]]);
  });

  it("puts a new run first", () => {
    const rows = [summary(1, "succeeded")];
    expect(applyStatus(rows, summary(3, "queued")).map((r) => r.id)).toEqual([3, 1]);
  });

  it("never takes an ended run back to running on a late message", () => {
    const rows = [summary(1, "succeeded")];
    expect(applyStatus(rows, summary(1, "running"))[0]!.status).toBe("succeeded");
  });
});
