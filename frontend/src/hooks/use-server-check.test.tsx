import { act, render } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CHECK_DELAY_MS, useServerCheck } from "@/hooks/use-server-check";
import type { Check } from "@/lib/run-check";

type Asked = { key: string; resolve: (v: string) => void };

describe("useServerCheck", () => {
  let asked: Asked[];
  let seen: Check<string> | null;
  function Harness({ k }: { k: string | null }) {
    seen = useServerCheck<string>(k, () => new Promise<string>((resolve) => asked.push({ key: k ?? "", resolve })));
    return null;
  }
  beforeEach(() => {
    vi.useFakeTimers();
    asked = [];
    seen = null;
  });
  afterEach(() => vi.useRealTimers());

  it("asks once after the delay, and an older answer never replaces the newer one", async () => {
    const { rerender } = render(<Harness k="a" />);
    expect(seen?.state).toBe("checking");
    act(() => void vi.advanceTimersByTime(CHECK_DELAY_MS));
    rerender(<Harness k="b" />);
    act(() => void vi.advanceTimersByTime(CHECK_DELAY_MS));
    expect(asked.map((a) => a.key)).toEqual(["a", "b"]);
    await act(async () => asked[1]!.resolve("plan b"));
    await act(async () => asked[0]!.resolve("plan a"));
    expect(seen).toEqual({ state: "ok", seq: 2, plan: "plan b" });
  });

  it("asks nothing and answers nothing for a null key", () => {
    render(<Harness k={null} />);
    act(() => void vi.advanceTimersByTime(CHECK_DELAY_MS * 2));
    expect(asked).toEqual([]);
    expect(seen).toBeNull();
  });
});
