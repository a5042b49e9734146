import { describe, expect, it, vi } from "vitest";
import { createFrameBatch } from "@/lib/frame";

describe("the frame batch", () => {
  it("draws everything pending in one frame, the latest draw of each key once", () => {
    const frames: (() => void)[] = [];
    const batch = createFrameBatch((cb) => frames.push(cb));
    const a = {};
    const b = {};
    const drawn: string[] = [];
    batch.schedule(a, () => drawn.push("a1"));
    batch.schedule(a, () => drawn.push("a2"));
    batch.schedule(b, () => drawn.push("b"));
    expect(frames).toHaveLength(1); // one frame asked for, however many pictures
    frames[0]!();
    expect(drawn).toEqual(["a2", "b"]);
    batch.schedule(a, () => drawn.push("a3"));
    expect(frames).toHaveLength(2);
  });

  it("forgets a cancelled draw", () => {
    const batch = createFrameBatch(() => undefined);
    const draw = vi.fn();
    const key = {};
    batch.schedule(key, draw);
    batch.cancel(key);
    batch.flush();
    expect(draw).not.toHaveBeenCalled();
  });
});
