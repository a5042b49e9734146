import { act, render } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { useLiveValidation } from "@/hooks/use-live-validation";
import type { ValidationResult } from "@/lib/types";
import { builderStore } from "@/store/builder-store";
import { catalog, validation } from "@/test/fixtures";

function Harness() {
  useLiveValidation(150);
  return null;
}

type Pending = { body: { nodes: { id: string }[] }; resolve: (r: ValidationResult) => void };

describe("live validation", () => {
  let pending: Pending[];
  beforeEach(() => {
    vi.useFakeTimers();
    pending = [];
    builderStore.getState().newGraph();
    builderStore.getState().setCatalog(catalog);
    vi.stubGlobal(
      "fetch",
      vi.fn((_url: string, init: RequestInit) => {
        const body = JSON.parse(String(init.body)) as Pending["body"];
        return new Promise<Response>((resolve) => {
          pending.push({ body, resolve: (r) => resolve(new Response(JSON.stringify(r), { status: 200 })) });
        });
      }),
    );
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it("debounces edits and keeps the newest answer when an older one arrives last", async () => {
    render(<Harness />);
    expect(pending).toHaveLength(1); // the initial check
    act(() => {
      builderStore.getState().addNode("Input", { x: 0, y: 0 });
      builderStore.getState().addNode("Linear", { x: 0, y: 100 });
    });
    await act(async () => void vi.advanceTimersByTime(100));
    expect(pending).toHaveLength(1);
    await act(async () => void vi.advanceTimersByTime(100));
    expect(pending).toHaveLength(2); // two quick edits, one request
    expect(pending[1]!.body.nodes.map((n) => n.id)).toEqual(["input_1", "linear_1"]);

    act(() => void builderStore.getState().addNode("ReLU", { x: 0, y: 200 }));
    await act(async () => void vi.advanceTimersByTime(200));
    expect(pending).toHaveLength(3);

    // The newest answer arrives first, then the older one: the older must be ignored.
    await act(async () => pending[2]!.resolve(validation({ params: 3 })));
    await act(async () => pending[1]!.resolve(validation({ params: 2 })));
    await act(async () => pending[0]!.resolve(validation({ params: 1 })));
    expect(builderStore.getState().validation?.value.params).toBe(3);
    expect(builderStore.getState().validation?.revision).toBe(builderStore.getState().revision);
  });
});
