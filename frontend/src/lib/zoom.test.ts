import { describe, expect, it } from "vitest";
import { DEFAULT_MIN_ZOOM, FAR_ZOOM, LOWEST_ZOOM, viewportCentring, zoomBucket, zoomFloor } from "@/lib/zoom";
import { viewportFor } from "@/lib/layout";

describe("zoomFloor", () => {
  it("keeps React Flow's 0.1 for a graph that fits above it, and for no graph", () => {
    expect(zoomFloor({ x: 0, y: 0, width: 2000, height: 1500 }, { width: 900, height: 760 })).toBe(DEFAULT_MIN_ZOOM);
    expect(zoomFloor(null, { width: 900, height: 760 })).toBe(DEFAULT_MIN_ZOOM);
  });

  it("goes low enough for Fit to show a 1,000-node column whole", () => {
    // The old top-to-bottom column of 1,000 nodes: 308 × 145,984 px; (760 - 80) / 145,984 = 0.00466.
    expect(zoomFloor({ x: 0, y: 0, width: 308, height: 145_984 }, { width: 900, height: 760 })).toBe(LOWEST_ZOOM);
    // Wrapped into columns (6,315 × 5,770): the fit is 0.1178 by height, 0.8 of it is 0.094.
    const floor = zoomFloor({ x: 0, y: 0, width: 6315, height: 5770 }, { width: 900, height: 760 });
    expect(floor).toBe(0.094);
    const { zoom } = viewportFor({ x: 0, y: 0, width: 6315, height: 5770 }, 900, 760, { minZoom: floor, padding: 40 });
    expect(zoom).toBeCloseTo(680 / 5770, 6);
    expect(zoom).toBeGreaterThan(floor);
  });

  it("fits by the narrower side of a wide graph", () => {
    expect(zoomFloor({ x: -500, y: 0, width: 40_000, height: 400 }, { width: 1040, height: 760 })).toBe(0.019); // 960 / 40,000 × 0.8
  });
});

describe("zoomBucket", () => {
  it("is far below FAR_ZOOM and near from it", () => {
    expect(FAR_ZOOM).toBe(0.45);
    expect(zoomBucket(0.01)).toBe("far");
    expect(zoomBucket(0.449)).toBe("far");
    expect(zoomBucket(0.45)).toBe("near");
    expect(zoomBucket(0.75)).toBe("near");
    expect(zoomBucket(2)).toBe("near");
  });
});

describe("viewportCentring", () => {
  it("puts the middle of a box at the middle of the pane at the given zoom", () => {
    expect(viewportCentring({ x: 1000, y: 2000, width: 200, height: 80 }, 900, 760, 0.5)).toEqual({ x: 450 - 550, y: 380 - 1020, zoom: 0.5 });
  });
});
