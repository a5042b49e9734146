import { describe, expect, it } from "vitest";
import { graphBounds, layoutPositions, viewportFor } from "@/lib/layout";

describe("auto-layout", () => {
  it("puts every node below the ones that feed it", () => {
    const pos = layoutPositions({
      nodes: [{ id: "x" }, { id: "a" }, { id: "b" }, { id: "add" }],
      edges: [
        { source: "x", target: "a" },
        { source: "x", target: "b" },
        { source: "a", target: "add" },
        { source: "b", target: "add" },
      ],
    });
    expect(pos.get("a")!.y).toBeGreaterThan(pos.get("x")!.y);
    expect(pos.get("add")!.y).toBeGreaterThan(pos.get("b")!.y);
    expect(pos.get("a")!.y).toBe(pos.get("b")!.y);
    // Side by side, not overlapping.
    expect(Math.abs(pos.get("a")!.x - pos.get("b")!.x)).toBeGreaterThanOrEqual(200);
  });
});

describe("fitting the view", () => {
  it("bounds nodes with measured or default sizes", () => {
    expect(graphBounds([])).toBeNull();
    expect(
      graphBounds([
        { position: { x: 0, y: 0 }, measured: { width: 100, height: 50 } },
        { position: { x: 200, y: 300 } },
      ]),
    ).toEqual({ x: 0, y: 0, width: 400, height: 390 });
  });

  it("centres a small graph at no more than 100%", () => {
    expect(viewportFor({ x: 0, y: 0, width: 200, height: 100 }, 1000, 800)).toEqual({ x: 400, y: 350, zoom: 1 });
  });

  it("zooms out to fit a larger graph", () => {
    const vp = viewportFor({ x: 0, y: 0, width: 1840, height: 400 }, 1000, 800);
    expect(vp.zoom).toBeCloseTo(0.5);
  });

  it("keeps a tall graph readable and shows its top", () => {
    const vp = viewportFor({ x: 0, y: 100, width: 200, height: 5000 }, 1000, 800, { minZoom: 0.6 });
    expect(vp.zoom).toBe(0.6);
    expect(vp.y).toBeCloseTo(40 - 100 * 0.6);
    expect(vp.x).toBeCloseTo(500 - 100 * 0.6);
  });
});
