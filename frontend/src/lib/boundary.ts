/** A decision boundary grid as pixels, and data coordinates as canvas positions (TensorFlow Playground style). */
import type { Boundary } from "@/lib/run-types";

export type Rgb = readonly [number, number, number];

/** Class colours: Playground's orange and blue first, then a categorical palette. */
export const CLASS_COLORS: readonly Rgb[] = [
  [245, 147, 34],
  [8, 119, 189],
  [46, 160, 67],
  [214, 39, 40],
  [148, 103, 189],
  [140, 86, 75],
  [227, 119, 194],
  [127, 127, 127],
  [188, 189, 34],
  [23, 190, 207],
];

export function classColor(label: number): Rgb {
  const n = CLASS_COLORS.length;
  return CLASS_COLORS[((label % n) + n) % n] as Rgb;
}

/** A colour mixed toward white: regions are light, points are full strength. */
export function tint(rgb: Rgb, amount: number): Rgb {
  return [rgb[0] + (255 - rgb[0]) * amount, rgb[1] + (255 - rgb[1]) * amount, rgb[2] + (255 - rgb[2]) * amount].map(Math.round) as unknown as Rgb;
}

/**
 * RGBA pixels (size×size) of a boundary grid, the top image row being the largest y: the grid's row r
 * is the r-th step up from y min, so it lands on image row size-1-r.
 */
export function boundaryPixels(boundary: Boundary, lighten = 0.6): Uint8ClampedArray<ArrayBuffer> {
  const n = boundary.size;
  const out = new Uint8ClampedArray(n * n * 4);
  const cache = new Map<number, Rgb>();
  for (let r = 0; r < n; r++) {
    const imageRow = n - 1 - r;
    for (let c = 0; c < n; c++) {
      const label = boundary.classes[r * n + c] ?? 0;
      let rgb = cache.get(label);
      if (!rgb) {
        rgb = tint(classColor(label), lighten);
        cache.set(label, rgb);
      }
      const o = (imageRow * n + c) * 4;
      out[o] = rgb[0];
      out[o + 1] = rgb[1];
      out[o + 2] = rgb[2];
      out[o + 3] = 255;
    }
  }
  return out;
}

/** Where a data point (x, y) falls on a width×height canvas showing the boundary's extent (y up). */
export function toCanvas(boundary: Pick<Boundary, "x" | "y">, x: number, y: number, width: number, height: number): [number, number] {
  const [x0, x1] = boundary.x;
  const [y0, y1] = boundary.y;
  const px = ((x - x0) / (x1 - x0 || 1)) * width;
  const py = (1 - (y - y0) / (y1 - y0 || 1)) * height;
  return [px, py];
}
