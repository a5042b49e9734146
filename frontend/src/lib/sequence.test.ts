import { describe, expect, it } from "vitest";
import { isStale, newer } from "@/lib/sequence";

describe("answer ordering", () => {
  it("keeps the newer of two answers whatever order they arrive in", () => {
    const a = { revision: 1, value: "old" };
    const b = { revision: 2, value: "new" };
    expect(newer(newer(null, a), b)).toBe(b);
    expect(newer(newer(null, b), a)).toBe(b);
  });

  it("treats a repeat of the same revision as stale", () => {
    const a = { revision: 3, value: "first" };
    expect(newer(a, { revision: 3, value: "again" })).toBe(a);
    expect(isStale(a, 3)).toBe(true);
    expect(isStale(a, 4)).toBe(false);
    expect(isStale(null, 0)).toBe(false);
  });
});
