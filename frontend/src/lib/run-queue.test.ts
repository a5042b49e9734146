import { describe, expect, it } from "vitest";
import { inQueue, queueLabel } from "@/lib/run-queue";
import { runSummary } from "@/test/run-fixtures";

describe("queueLabel", () => {
  it("says a queued run's place, or that it is held", () => {
    expect(queueLabel(runSummary(1, "queued", { queue_position: 2 }))).toBe("#2 in queue");
    expect(queueLabel(runSummary(1, "queued", { held: true, queue_position: null }))).toBe("held");
    expect(queueLabel(runSummary(1, "queued", { queue_position: null }))).toBe("queued");
    expect(queueLabel(runSummary(1, "running"))).toBeNull();
    expect(inQueue(runSummary(1, "queued"))).toBe(true);
    expect(inQueue(runSummary(1, "succeeded"))).toBe(false);
  });
});
