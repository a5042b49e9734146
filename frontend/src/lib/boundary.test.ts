import { describe, expect, it } from "vitest";
import { boundaryPixels, classColor, tint, toCanvas } from "@/lib/boundary";

describe("boundaryPixels", () => {
  it("puts grid row 0 (y min) at the bottom of the image, columns left to right", () => {
    // Row 0 (bottom): classes 0, 1; row 1 (top): classes 1, 1.
    const px = boundaryPixels({ x: [0, 1], y: [0, 1], size: 2, classes: [0, 1, 1, 1] }, 0);
    const at = (row: number, col: number) => Array.from(px.slice((row * 2 + col) * 4, (row * 2 + col) * 4 + 4));
    expect(at(1, 0)).toEqual([...classColor(0), 255]);
    expect(at(1, 1)).toEqual([...classColor(1), 255]);
    expect(at(0, 0)).toEqual([...classColor(1), 255]);
    expect(px.length).toBe(16);
  });

  it("lightens the regions toward white", () => {
    const px = boundaryPixels({ x: [0, 1], y: [0, 1], size: 1, classes: [0] }, 0.5);
    expect(Array.from(px.slice(0, 3))).toEqual([...tint(classColor(0), 0.5)]);
    expect(tint([0, 100, 255], 0.5)).toEqual([128, 178, 255]);
  });
});

describe("toCanvas", () => {
  it("maps data coordinates onto the canvas with y pointing up", () => {
    const b = { x: [-1, 1] as [number, number], y: [0, 2] as [number, number] };
    expect(toCanvas(b, -1, 0, 100, 200)).toEqual([0, 200]);
    expect(toCanvas(b, 1, 2, 100, 200)).toEqual([100, 0]);
    expect(toCanvas(b, 0, 1, 100, 200)).toEqual([50, 100]);
  });

  it("cycles colours for many classes", () => {
    expect(classColor(10)).toEqual(classColor(0));
  });
});
