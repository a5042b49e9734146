import { describe, expect, it } from "vitest";
import { divergingColor, divergingScale, greyPixels, imagePixels, NEGATIVE, POSITIVE, unitPixels } from "@/lib/heatmap";
import type { Picture } from "@/lib/run-types";

const rgbAt = (px: Uint8ClampedArray, w: number, x: number, y: number) => Array.from(px.slice((y * w + x) * 4, (y * w + x) * 4 + 4));

describe("the diverging unit scale", () => {
  it("is white at zero, full orange at minus the scale and full blue at plus it, clamped beyond", () => {
    expect(divergingColor(0, 2)).toEqual([255, 255, 255]);
    expect(divergingColor(-2, 2)).toEqual([...NEGATIVE]);
    expect(divergingColor(2, 2)).toEqual([...POSITIVE]);
    expect(divergingColor(9, 2)).toEqual([...POSITIVE]);
    expect(divergingColor(Number.NaN, 2)).toEqual([255, 255, 255]);
    // halfway to blue: halfway from white on each channel
    expect(divergingColor(1, 2)).toEqual([Math.round(255 + (POSITIVE[0] - 255) / 2), Math.round(255 + (POSITIVE[1] - 255) / 2), Math.round(255 + (POSITIVE[2] - 255) / 2)]);
  });

  it("is scaled by the larger magnitude of the node's range, never by zero", () => {
    expect(divergingScale([-3, 1])).toBe(3);
    expect(divergingScale([0.2, 0.5])).toBe(0.5);
    expect(divergingScale([0, 0])).toBe(1);
  });

  it("draws row 0 (y min) at the bottom of the image, as the decision boundary does", () => {
    // 2×2: row 0 (bottom) = [-1, 0], row 1 (top) = [0, 1]
    const px = unitPixels([-1, 0, 0, 1], 2, 1);
    expect(rgbAt(px, 2, 0, 1)).toEqual([...NEGATIVE, 255]); // bottom-left: the first value
    expect(rgbAt(px, 2, 1, 0)).toEqual([...POSITIVE, 255]); // top-right: the last value
    expect(rgbAt(px, 2, 0, 0)).toEqual([255, 255, 255, 255]);
  });

  it("fills the buffer it is given instead of allocating one", () => {
    const out = new Uint8ClampedArray(16);
    expect(unitPixels([1, 1, 1, 1], 2, 1, out)).toBe(out);
    expect(unitPixels([1], 1, 1, out)).not.toBe(out); // a wrong size gets its own
  });
});

describe("feature-map pixels", () => {
  const picture = (values: number[][], range: [number, number]): Picture => ({ size: [values.length, values[0]!.length], range, values });

  it("go from black at the picture's lo to white at its hi, first row on top", () => {
    const px = greyPixels(picture([[0, 2], [1, 2]], [0, 2]));
    expect(rgbAt(px, 2, 0, 0)).toEqual([0, 0, 0, 255]);
    expect(rgbAt(px, 2, 1, 0)).toEqual([255, 255, 255, 255]);
    expect(rgbAt(px, 2, 0, 1)).toEqual([128, 128, 128, 255]);
  });

  it("of a flat picture are black", () => {
    expect(rgbAt(greyPixels(picture([[3]], [3, 3])), 1, 0, 0)).toEqual([0, 0, 0, 255]);
  });

  it("of a three-channel sample are red, green and blue, each on its own range", () => {
    const px = imagePixels([picture([[1]], [0, 1]), picture([[5]], [0, 10]), picture([[-1]], [-1, 1])])!;
    expect(rgbAt(px, 1, 0, 0)).toEqual([255, 128, 0, 255]);
  });

  it("of a one-channel sample are grey, and of none are nothing", () => {
    expect(rgbAt(imagePixels([picture([[1]], [0, 1])])!, 1, 0, 0)).toEqual([255, 255, 255, 255]);
    expect(imagePixels([])).toBeNull();
  });
});
