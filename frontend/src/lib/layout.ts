/**
 * Auto-layout with ELK's layered algorithm, top to bottom or left to right, run in a web worker. A
 * graph too long to read on a laptop screen in one column (an expanded ResNet) or row is wrapped into
 * side-by-side columns (rows) whose whole has the screen's proportions, like text in a newspaper.
 */
import ELK, { type ELK as ElkEngine, type ElkNode, type LayoutOptions } from "elkjs/lib/elk-api.js";
import elkWorkerUrl from "elkjs/lib/elk-worker.min.js?url";
import type { Position } from "@/lib/types";

export interface LayoutInput {
  nodes: readonly { id: string; width?: number; height?: number }[];
  /** `data.port` / `data.sourcePort` (ShapeEdge's) keep multi-input nodes' inputs in port order. */
  edges: readonly { source: string; target: string; data?: { port?: number; sourcePort?: number } }[];
}

/** Which way layers follow each other: ELK's `elk.direction`. */
export type Direction = "DOWN" | "RIGHT";

export const DIRECTIONS: readonly { value: Direction; label: string }[] = [
  { value: "DOWN", label: "Top to bottom" },
  { value: "RIGHT", label: "Left to right" },
];

export interface Size {
  width: number;
  height: number;
}

/** A node's size before it is drawn: the CSS width, and the height of a typical layer with its parameters. */
export const DEFAULT_NODE_WIDTH = 200;
export const DEFAULT_NODE_HEIGHT = 80;

/** Below this zoom node labels stop being readable; a load or layout never goes lower. */
export const READABLE_ZOOM = 0.75;

/** The canvas pane until the canvas reports its own size (`setPane`): a laptop screen with palette and inspector open, 908×792 at 1440×900, 748×612 at 1280×720. */
export const LAYOUT_SCREEN: Size = { width: 900, height: 760 };

// Room between layers for an edge's shape label.
const BETWEEN_LAYERS = 40;
const PADDING = 20;
const SPACING: LayoutOptions = {
  "elk.spacing.nodeNode": "30",
  "elk.layered.spacing.nodeNodeBetweenLayers": String(BETWEEN_LAYERS),
  "elk.padding": `[top=${PADDING},left=${PADDING},bottom=${PADDING},right=${PADDING}]`,
};

/**
 * From this many nodes ELK places nodes in each layer the simple way: on a 1,000-node residual chain
 * about 3× faster than its default (network simplex) and the wrapped whole keeps the screen's
 * proportions (6,315 × 5,770 rather than 17,281 × 5,040 for 900 × 760).
 */
export const BIG_GRAPH = 250;

/** ELK's input for `input`; with `aspectRatio`, its layers are wrapped into columns (rows) of about that width/height. */
export function elkGraph({ nodes, edges }: LayoutInput, aspectRatio: number | null = null, direction: Direction = "DOWN"): ElkNode {
  const ids = new Set(nodes.map((n) => n.id));
  const kept = edges.filter((e) => ids.has(e.source) && ids.has(e.target) && e.source !== e.target);
  const ports = new Map<string, { ins: Set<number>; outs: Set<number> }>(nodes.map((n) => [n.id, { ins: new Set(), outs: new Set() }]));
  for (const e of kept) {
    ports.get(e.target)!.ins.add(e.data?.port ?? 0);
    ports.get(e.source)!.outs.add(e.data?.sourcePort ?? 0);
  }
  // ELK ids share one namespace; ":" never appears in a node id (a Python identifier).
  const [inSide, outSide] = direction === "RIGHT" ? ["WEST", "EAST"] : ["NORTH", "SOUTH"];
  const port = (id: string, kind: "in" | "out", index: number) => ({
    id: `${id}:${kind}:${index}`,
    layoutOptions: { "elk.port.side": kind === "in" ? inSide : outSide, "elk.port.index": String(index) },
  });
  return {
    id: ":root",
    layoutOptions: {
      "elk.algorithm": "layered",
      "elk.direction": direction,
      ...SPACING,
      ...(nodes.length >= BIG_GRAPH ? { "elk.layered.nodePlacement.strategy": "SIMPLE" } : {}),
      ...(aspectRatio === null ? {} : { "elk.layered.wrapping.strategy": "MULTI_EDGE", "elk.aspectRatio": String(aspectRatio) }),
    },
    children: nodes.map((n) => {
      const { ins, outs } = ports.get(n.id)!;
      return {
        id: n.id,
        width: n.width ?? DEFAULT_NODE_WIDTH,
        height: n.height ?? DEFAULT_NODE_HEIGHT,
        // Inputs on top (left) and outputs below (right) in port order, as the canvas draws their handles.
        layoutOptions: { "elk.portConstraints": "FIXED_ORDER" },
        ports: [...[...ins].sort((a, b) => a - b).map((p) => port(n.id, "in", p)), ...[...outs].sort((a, b) => a - b).map((p) => port(n.id, "out", p))],
      };
    }),
    edges: kept.map((e, i) => ({
      id: `:e${i}`,
      sources: [port(e.source, "out", e.data?.sourcePort ?? 0).id],
      targets: [port(e.target, "in", e.data?.port ?? 0).id],
    })),
  };
}

interface Engine {
  elk: ElkEngine;
  /** Rejects when the worker dies or never loads: ELK's own promises would wait for ever. */
  failed: Promise<never>;
}

let engine: Promise<Engine> | null = null;

// Only where there are no workers (vitest's jsdom); kept out of the bundle, which never needs it.
const IN_THREAD_ELK = "elkjs/lib/elk.bundled.js";

/** One ELK for the page: in a web worker, or in this thread where there are no workers. */
function layoutEngine(): Promise<Engine> {
  engine ??=
    typeof Worker !== "undefined"
      ? Promise.resolve(workerEngine())
      : (import(/* @vite-ignore */ IN_THREAD_ELK) as Promise<{ default: typeof ELK }>).then((m) => ({ elk: new m.default(), failed: new Promise<never>(() => undefined) }));
  return engine;
}

function workerEngine(): Engine {
  let fail: (e: Error) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  failed.catch(() => undefined); // each layout races it; nobody may be waiting when it fails
  const elk = new ELK({
    workerFactory: () => {
      const worker = new Worker(elkWorkerUrl, { name: "elk-layout" });
      worker.addEventListener("error", (e) => {
        engine = null; // the next layout starts a fresh worker
        fail(new Error(`the layout worker failed${e.message ? `: ${e.message}` : ""}`));
      });
      return worker;
    },
  });
  return { elk, failed };
}

/**
 * Top-left positions for every node, in layers from inputs down to (right to) outputs. When the
 * single column (row) would not fit `screen` at READABLE_ZOOM, the layers are wrapped into columns
 * (rows) that together have `screen`'s aspect ratio, so that Fit shows the whole network.
 */
export async function layoutPositions(
  input: LayoutInput,
  { screen = LAYOUT_SCREEN, direction = "DOWN" }: { screen?: Size; direction?: Direction } = {},
): Promise<Map<string, Position>> {
  const out = new Map<string, Position>();
  if (!input.nodes.length) return out;
  const { elk, failed } = await layoutEngine();
  const run = (graph: ElkNode) => Promise.race([elk.layout(graph), failed]);
  // A column deeper (a row wider) than the screen needs wrapping: skip the single-column try.
  const along = direction === "RIGHT" ? screen.width : screen.height;
  let laid = minColumnHeight(input, direction) * READABLE_ZOOM > along ? null : await run(elkGraph(input, null, direction));
  const tooBig = !laid || (laid.width ?? 0) * READABLE_ZOOM > screen.width || (laid.height ?? 0) * READABLE_ZOOM > screen.height;
  if (tooBig || !laid) laid = await run(elkGraph(input, screen.width / screen.height, direction));
  for (const c of laid.children ?? []) out.set(c.id, { x: Math.round(c.x ?? 0), y: Math.round(c.y ?? 0) });
  return out;
}

/**
 * The least height a single top-to-bottom column of `input` can have (width of a left-to-right
 * row): its longest path, one layer per node, each as short (narrow) as the shortest (narrowest)
 * node, with ELK's spacing and padding. O(nodes + edges).
 */
export function minColumnHeight({ nodes, edges }: LayoutInput, direction: Direction = "DOWN"): number {
  if (!nodes.length) return 0;
  const ids = new Set(nodes.map((n) => n.id));
  const out = new Map<string, string[]>();
  const indegree = new Map<string, number>(nodes.map((n) => [n.id, 0]));
  for (const e of edges) {
    if (!ids.has(e.source) || !ids.has(e.target) || e.source === e.target) continue;
    (out.get(e.source) ?? out.set(e.source, []).get(e.source)!).push(e.target);
    indegree.set(e.target, indegree.get(e.target)! + 1);
  }
  // Longest path by Kahn's order; nodes on a cycle (which the compiler refuses) count as one layer.
  const depth = new Map<string, number>();
  const queue = nodes.filter((n) => indegree.get(n.id) === 0).map((n) => n.id);
  for (const id of queue) depth.set(id, 1);
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i]!;
    for (const t of out.get(id) ?? []) {
      depth.set(t, Math.max(depth.get(t) ?? 1, depth.get(id)! + 1));
      const left = indegree.get(t)! - 1;
      indegree.set(t, left);
      if (left === 0) queue.push(t);
    }
  }
  const layers = Math.max(1, ...depth.values());
  const shortest = Math.min(...nodes.map((n) => (direction === "RIGHT" ? (n.width ?? DEFAULT_NODE_WIDTH) : (n.height ?? DEFAULT_NODE_HEIGHT))));
  return layers * shortest + (layers - 1) * BETWEEN_LAYERS + 2 * PADDING;
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
