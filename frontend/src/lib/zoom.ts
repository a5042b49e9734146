/**
 * Zoom limits and levels of detail for the canvas: a zoom floor low enough for Fit to show a whole
 * big graph, and the bucket a zoom falls in, which the canvas writes once on its container
 * (`data-zoom`) so that CSS, not each node, decides what a node shows.
 */
import type { Rect, Size, Viewport } from "@/lib/layout";

/** React Flow's usual floor; a graph that fits above it keeps it. */
export const DEFAULT_MIN_ZOOM = 0.1;
/** Below this a node is a few pixels: nothing is readable, even the overview's ids. */
export const LOWEST_ZOOM = 0.005;
/** Fit's margin around the graph, in screen pixels (use-fit-graph's `viewportFor` padding). */
export const FIT_PADDING = 40;

/**
 * The least zoom the canvas allows for `bounds` in a `pane`: low enough that Fit shows the whole
 * graph with its margin (and a little more, to pan around it), never above DEFAULT_MIN_ZOOM and
 * never below LOWEST_ZOOM.
 */
export function zoomFloor(bounds: Rect | null, pane: Size, padding = FIT_PADDING): number {
  if (!bounds) return DEFAULT_MIN_ZOOM;
  const fit = Math.min((pane.width - 2 * padding) / Math.max(bounds.width, 1), (pane.height - 2 * padding) / Math.max(bounds.height, 1));
  const floor = Math.min(DEFAULT_MIN_ZOOM, fit * 0.8);
  return Math.max(LOWEST_ZOOM, Math.floor(floor * 1000) / 1000);
}

/**
 * Levels of detail: `far`, a box in its layer category's colour with the node's id in large type
 * (ports hidden and inert, so a drag moves the node); `near`, type, parameters, shape and ports.
 */
export type ZoomBucket = "far" | "near";

/** Below this zoom a node's 12 px labels are under 5.4 px on screen: it is drawn `far`. */
export const FAR_ZOOM = 0.45;

export function zoomBucket(zoom: number): ZoomBucket {
  return zoom < FAR_ZOOM ? "far" : "near";
}

/** The viewport at `zoom` whose centre is the centre of `bounds`, in a `width`×`height` pane. */
export function viewportCentring(bounds: Rect, width: number, height: number, zoom: number): Viewport {
  return {
    x: width / 2 - (bounds.x + bounds.width / 2) * zoom,
    y: height / 2 - (bounds.y + bounds.height / 2) * zoom,
    zoom,
  };
}
