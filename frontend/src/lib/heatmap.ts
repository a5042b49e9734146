/**
 * Pixels of the pictures a run streams: unit heatmaps on a diverging scale (TensorFlow Playground's:
 * negative orange, 0 white, positive blue, scaled by the node's largest magnitude) and feature maps
 * in grey (a picture's lo black, hi white), or in colour for a 3-channel sample image.
 *
 * Every function fills a caller's buffer when given one, so a redraw 10 times a second allocates nothing.
 */
import { CLASS_COLORS, type Rgb } from "@/lib/boundary";
import type { Picture } from "@/lib/run-types";

/** Playground's class colours: orange below zero, blue above. */
export const NEGATIVE: Rgb = CLASS_COLORS[0] as Rgb;
export const POSITIVE: Rgb = CLASS_COLORS[1] as Rgb;

/** The scale a node's units share: the larger magnitude of its range (never 0). */
export function divergingScale(range: readonly [number, number]): number {
  const m = Math.max(Math.abs(range[0]), Math.abs(range[1]));
  return Number.isFinite(m) && m > 0 ? m : 1;
}

/** The colour of `value` on a diverging scale of ±`scale`: white at 0, full orange at -scale, full blue at +scale. */
export function divergingColor(value: number, scale: number): Rgb {
  const t = Number.isFinite(value) ? Math.max(-1, Math.min(1, value / scale)) : 0;
  const end = t < 0 ? NEGATIVE : POSITIVE;
  const a = Math.abs(t);
  return [Math.round(255 + (end[0] - 255) * a), Math.round(255 + (end[1] - 255) * a), Math.round(255 + (end[2] - 255) * a)];
}

function buffer(out: Uint8ClampedArray<ArrayBuffer> | undefined, length: number): Uint8ClampedArray<ArrayBuffer> {
  return out && out.length === length ? out : new Uint8ClampedArray(length);
}

/**
 * RGBA pixels (size×size) of one unit's values, the top image row being the largest y: row r of the
 * values is the r-th step up from y min (as the decision boundary's grid), so it lands on image row size-1-r.
 */
export function unitPixels(values: readonly number[], size: number, scale: number, out?: Uint8ClampedArray<ArrayBuffer>): Uint8ClampedArray<ArrayBuffer> {
  const px = buffer(out, size * size * 4);
  for (let r = 0; r < size; r++) {
    const imageRow = size - 1 - r;
    for (let c = 0; c < size; c++) {
      const [red, green, blue] = divergingColor(values[r * size + c] ?? 0, scale);
      const o = (imageRow * size + c) * 4;
      px[o] = red;
      px[o + 1] = green;
      px[o + 2] = blue;
      px[o + 3] = 255;
    }
  }
  return px;
}

/** 0–255 for `v` between a picture's lo (0) and hi (255); a flat picture is black, all at its lo. */
function level(v: number, lo: number, span: number): number {
  if (!(span > 0)) return 0;
  return Math.round(((v - lo) / span) * 255);
}

/** RGBA pixels (w×h) of a picture in grey, its first row on top (as the probe draws it). */
export function greyPixels(picture: Picture, out?: Uint8ClampedArray<ArrayBuffer>): Uint8ClampedArray<ArrayBuffer> {
  const [h, w] = picture.size;
  const [lo, hi] = picture.range;
  const px = buffer(out, w * h * 4);
  for (let y = 0; y < h; y++) {
    const row = picture.values[y] ?? [];
    for (let x = 0; x < w; x++) {
      const g = level(row[x] ?? lo, lo, hi - lo);
      const o = (y * w + x) * 4;
      px[o] = g;
      px[o + 1] = g;
      px[o + 2] = g;
      px[o + 3] = 255;
    }
  }
  return px;
}

/** RGBA pixels of an image's channels: three make red, green and blue, each on its own range; one is grey. */
export function imagePixels(channels: readonly Picture[], out?: Uint8ClampedArray<ArrayBuffer>): Uint8ClampedArray<ArrayBuffer> | null {
  const first = channels[0];
  if (!first) return null;
  if (channels.length < 3) return greyPixels(first, out);
  const [h, w] = first.size;
  const px = buffer(out, w * h * 4);
  for (let ch = 0; ch < 3; ch++) {
    const p = channels[ch]!;
    const [lo, hi] = p.range;
    for (let y = 0; y < h; y++) {
      const row = p.values[y] ?? [];
      for (let x = 0; x < w; x++) px[(y * w + x) * 4 + ch] = level(row[x] ?? lo, lo, hi - lo);
    }
  }
  for (let i = 3; i < px.length; i += 4) px[i] = 255;
  return px;
}
