import { describe, expect, it } from "vitest";
import { epochRange, foldParent, parentPart } from "@/lib/run-lineage";
import { applyMessage, createRunSeries } from "@/lib/run-series";
import type { StreamMessage } from "@/lib/run-types";
import { epoch, metrics, snapshot } from "@/test/run-fixtures";

const steps = (s: ReturnType<typeof createRunSeries>) => Array.from(s.steps.view());

// A 2-epoch parent of 20 steps, and its child continuing at step 21, epochs 3 and 4.
const PARENT: StreamMessage[] = [
  { type: "log", data: { message: "parent started" } },
  metrics(5, 10),
  epoch(1, 10),
  metrics(15, 20),
  epoch(2, 20),
  { type: "finished", data: { status: "succeeded", metrics: { val_loss: 0.2 }, files: ["pth"] } },
];
const CHILD: StreamMessage[] = [metrics(25, 30), epoch(3, 30), metrics(35, 40), epoch(4, 40)];

describe("foldParent", () => {
  it("draws the parent's points and epochs before the child's, whichever arrives first", () => {
    const childFirst = createRunSeries(2);
    applyMessage(childFirst, snapshot(8, CHILD));
    const v = childFirst.version;
    const { part, changed } = foldParent(childFirst, 7, PARENT);
    expect(changed).toBe(true);
    expect(childFirst.version).toBeGreaterThan(v);
    expect(steps(childFirst)).toEqual([5, 10, 15, 20, 25, 30, 35, 40]);
    expect(childFirst.epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4]);
    expect(childFirst.valLossAtStep).toEqual([null, 0.4, null, 0.2, null, 0.4 / 3, null, 0.1]);
    expect(part).toEqual({ run: 7, firstEpoch: 1, lastEpoch: 2, lastStep: 20 });

    const parentFirst = createRunSeries();
    foldParent(parentFirst, 7, PARENT);
    applyMessage(parentFirst, snapshot(8, CHILD));
    expect(steps(parentFirst)).toEqual(steps(childFirst));
    expect(parentFirst.epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4]);
  });

  it("keeps the parent's log and final message out of the child's", () => {
    const s = createRunSeries();
    applyMessage(s, snapshot(8, CHILD));
    foldParent(s, 7, PARENT);
    expect(s.logs).toEqual([]);
    expect(s.final).toBeNull();
  });

  it("changes nothing the second time", () => {
    const s = createRunSeries();
    applyMessage(s, snapshot(8, CHILD));
    foldParent(s, 7, PARENT);
    const v = s.version;
    expect(foldParent(s, 7, PARENT).changed).toBe(false);
    expect(s.version).toBe(v);
  });
});

describe("parentPart", () => {
  it("says which epochs came from the parent", () => {
    expect(epochRange(parentPart(7, PARENT))).toBe("epochs 1–2");
    expect(epochRange(parentPart(7, [epoch(1, 10)]))).toBe("epoch 1");
    expect(epochRange(parentPart(7, [metrics(5)]))).toBe("");
    expect(parentPart(7, [metrics(5)]).lastStep).toBe(5);
  });
});
