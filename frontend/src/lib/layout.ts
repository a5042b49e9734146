/** Auto-layout with dagre: top-to-bottom ranks, following edges. */
import dagre from "@dagrejs/dagre";
import type { Position } from "@/lib/types";

export interface LayoutInput {
  nodes: readonly { id: string; width?: number; height?: number }[];
  edges: readonly { source: string; target: string }[];
}

export const DEFAULT_NODE_WIDTH = 200;
export const DEFAULT_NODE_HEIGHT = 90;

/** Top-left positions for every node, laid out in ranks from inputs down to outputs. */
export function layoutPositions({ nodes, edges }: LayoutInput, direction: "TB" | "LR" = "TB"): Map<string, Position> {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: direction, nodesep: 50, ranksep: 56, marginx: 20, marginy: 20 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of nodes) {
    g.setNode(n.id, { width: n.width ?? DEFAULT_NODE_WIDTH, height: n.height ?? DEFAULT_NODE_HEIGHT });
  }
  const ids = new Set(nodes.map((n) => n.id));
  for (const e of edges) if (ids.has(e.source) && ids.has(e.target)) g.setEdge(e.source, e.target);
  dagre.layout(g);
  const out = new Map<string, Position>();
  for (const n of nodes) {
    const p = g.node(n.id);
    const w = n.width ?? DEFAULT_NODE_WIDTH;
    const h = n.height ?? DEFAULT_NODE_HEIGHT;
    out.set(n.id, { x: Math.round(p.x - w / 2), y: Math.round(p.y - h / 2) });
  }
  return out;
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Viewport {
  x: number;
  y: number;
  zoom: number;
}

/** The box around all nodes, using measured sizes where known (unmeasured nodes were never drawn). */
export function graphBounds(nodes: readonly { position: Position; measured?: { width?: number; height?: number } }[]): Rect | null {
  if (!nodes.length) return null;
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const n of nodes) {
    const w = n.measured?.width ?? DEFAULT_NODE_WIDTH;
    const h = n.measured?.height ?? DEFAULT_NODE_HEIGHT;
    minX = Math.min(minX, n.position.x);
    minY = Math.min(minY, n.position.y);
    maxX = Math.max(maxX, n.position.x + w);
    maxY = Math.max(maxY, n.position.y + h);
  }
  return { x: minX, y: minY, width: maxX - minX, height: maxY - minY };
}

/**
 * The viewport that shows `bounds` in a `width`×`height` pane. When the whole graph would need a
 * zoom below `minZoom` (unreadable labels), it stays at `minZoom` and shows the top of the graph,
 * where the inputs are, centred horizontally when it fits.
 */
export function viewportFor(
  bounds: Rect,
  width: number,
  height: number,
  { padding = 40, minZoom = 0.1, maxZoom = 1 }: { padding?: number; minZoom?: number; maxZoom?: number } = {},
): Viewport {
  const fit = Math.min((width - 2 * padding) / Math.max(bounds.width, 1), (height - 2 * padding) / Math.max(bounds.height, 1));
  const zoom = Math.max(minZoom, Math.min(maxZoom, fit));
  const centreX = width / 2 - (bounds.x + bounds.width / 2) * zoom;
  const centreY = height / 2 - (bounds.y + bounds.height / 2) * zoom;
  const fitsX = bounds.width * zoom <= width - 2 * padding;
  const fitsY = bounds.height * zoom <= height - 2 * padding;
  return {
    x: fitsX ? centreX : padding - bounds.x * zoom,
    y: fitsY ? centreY : padding - bounds.y * zoom,
    zoom,
  };
}
