/**
 * The editor's graph model and pure utilities over it: conversion to and from `netbuilder.graph/1`,
 * node ids, port handles, connection rules (cycles, one edge per input port) and clipboard copies.
 */
import type { Edge, Node } from "@xyflow/react";
import {
  GRAPH_FORMAT,
  type Catalog,
  type GraphDoc,
  type GraphDocEdge,
  type GraphDocNode,
  type LayerSpec,
  type ParamValue,
  type Position,
} from "@/lib/types";

export type Params = Record<string, ParamValue>;

/** A layer from the catalog placed on the canvas. */
export type LayerNodeData = {
  layerType: string;
  params: Params;
  /** The document's node-level `trainable`; absent means true (the node learns). */
  trainable?: boolean;
  /** The document's node-level `lr_mult`; absent means 1. */
  lrMult?: number;
  /** Keys of the document node other than id/type/params/position/trainable/lr_mult, kept so a round trip loses nothing. */
  extra?: Record<string, unknown>;
};
export type LayerNode = Node<LayerNodeData, "layer">;

/** Every kind of node the canvas draws; a union so new kinds come with their own guard. */
export type BuilderNode = LayerNode;

export function isLayerNode(node: Node): node is LayerNode {
  return node.type === "layer";
}

/** An edge from output `sourcePort` of one node into input `port` of another; its label is the shape. */
export type ShapeEdgeData = { port: number; sourcePort: number };
export type ShapeEdge = Edge<ShapeEdgeData, "shape">;

export type Snapshot = { nodes: BuilderNode[]; edges: ShapeEdge[] };

const ID_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function isValidNodeId(id: string): boolean {
  return ID_RE.test(id);
}

/** Handle ids: `in-<port>` on targets, `out-<port>` on sources. */
export const inHandle = (port: number): string => `in-${port}`;
export const outHandle = (port: number): string => `out-${port}`;

export function portOfHandle(handle: string | null | undefined): number {
  if (!handle) return 0;
  const m = /-(\d+)$/.exec(handle);
  return m ? Number(m[1]) : 0;
}

/** The id prefix for a layer type: `Conv2d` → `conv2d`, `BatchNorm2d` → `batchnorm2d`. */
export function idPrefix(layerType: string): string {
  const base = layerType.toLowerCase().replace(/[^a-z0-9_]/g, "_").replace(/_+/g, "_").replace(/^_|_$/g, "");
  if (!base) return "node";
  return /^[0-9]/.test(base) ? `n_${base}` : base;
}

/** The next free id for a layer type, e.g. `linear_3` when `linear_1` and `linear_2` exist. */
export function nextNodeId(layerType: string, taken: Iterable<string>): string {
  const prefix = idPrefix(layerType);
  const used = new Set(taken);
  let highest = 0;
  const re = new RegExp(`^${prefix}_(\\d+)$`);
  for (const id of used) {
    const m = re.exec(id);
    if (m) highest = Math.max(highest, Number(m[1]));
  }
  let n = highest + 1;
  while (used.has(`${prefix}_${n}`)) n += 1;
  return `${prefix}_${n}`;
}

export function edgeId(source: string, sourcePort: number, target: string, port: number): string {
  return `e_${source}_${sourcePort}__${target}_${port}`;
}

export function makeEdge(source: string, sourcePort: number, target: string, port: number): ShapeEdge {
  return {
    id: edgeId(source, sourcePort, target, port),
    type: "shape",
    source,
    target,
    sourceHandle: outHandle(sourcePort),
    targetHandle: inHandle(port),
    data: { port, sourcePort },
  };
}

export function makeLayerNode(id: string, layerType: string, position: Position, params: Params = {}): LayerNode {
  return { id, type: "layer", position, data: { layerType, params } };
}

/**
 * How many input handles a node shows: the catalog's fixed count, or for a variadic node
 * (`inputs.max` null) one more than the highest port in use so there is always a free slot.
 */
export function inputPortCount(spec: LayerSpec | undefined, usedPorts: readonly number[]): number {
  if (!spec) return Math.max(1, ...usedPorts.map((p) => p + 1));
  const { min, max } = spec.inputs;
  if (max === 0) return 0;
  if (max !== null) return Math.max(max, min);
  const highestUsed = usedPorts.length ? Math.max(...usedPorts) + 1 : 0;
  return Math.max(min, 1, highestUsed + 1);
}

/**
 * How many output handles a node shows: the catalog's count, or for a node whose outputs depend on
 * its parameters (`outputs` null) as many as the server reports, and never fewer than are wired.
 */
export function outputPortCount(spec: LayerSpec | undefined, reported: number, usedPorts: readonly number[]): number {
  const wired = usedPorts.length ? Math.max(...usedPorts) + 1 : 0;
  if (!spec) return Math.max(1, wired);
  if (spec.outputs !== null) return Math.max(0, spec.outputs);
  return Math.max(1, reported, wired);
}

/** True when `from` can reach `to` by following edges forwards. */
export function reaches(edges: readonly { source: string; target: string }[], from: string, to: string): boolean {
  const out = new Map<string, string[]>();
  for (const e of edges) {
    const list = out.get(e.source);
    if (list) list.push(e.target);
    else out.set(e.source, [e.target]);
  }
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length) {
    const id = stack.pop() as string;
    if (id === to) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const next of out.get(id) ?? []) stack.push(next);
  }
  return false;
}

export interface ConnectionRequest {
  source: string | null;
  target: string | null;
  sourceHandle?: string | null;
  targetHandle?: string | null;
}

export type ConnectionCheck = { ok: true } | { ok: false; reason: string };

/** Whether a new edge may be drawn; when not, a short reason for the user. */
export function checkConnection(
  conn: ConnectionRequest,
  nodes: readonly BuilderNode[],
  edges: readonly ShapeEdge[],
  catalog: Catalog | null,
): ConnectionCheck {
  const { source, target } = conn;
  if (!source || !target) return { ok: false, reason: "Connect an output to an input." };
  if (source === target) return { ok: false, reason: "A layer cannot feed itself." };
  const targetNode = nodes.find((n) => n.id === target);
  const sourceNode = nodes.find((n) => n.id === source);
  if (!targetNode || !sourceNode) return { ok: false, reason: "Unknown node." };
  const port = portOfHandle(conn.targetHandle);
  const sourcePort = portOfHandle(conn.sourceHandle);
  const spec = catalog?.layers.find((l) => l.type === targetNode.data.layerType);
  if (spec && spec.inputs.max === 0) return { ok: false, reason: `${spec.type} takes no input.` };
  if (spec && spec.inputs.max !== null && port >= spec.inputs.max) {
    return { ok: false, reason: `${spec.type} has only ${spec.inputs.max} input${spec.inputs.max === 1 ? "" : "s"}.` };
  }
  const occupied = edges.find((e) => e.target === target && (e.data?.port ?? 0) === port);
  if (occupied) {
    const taken = occupied.source === source ? "is already connected" : `already takes ${occupied.source}`;
    return { ok: false, reason: `Input ${port} of ${target} ${taken}; an input port takes one edge.` };
  }
  if (reaches(edges, target, source)) {
    return { ok: false, reason: `That would make a cycle: ${target} already feeds ${source}.` };
  }
  const srcSpec = catalog?.layers.find((l) => l.type === sourceNode.data.layerType);
  if (srcSpec && srcSpec.outputs !== null && sourcePort >= srcSpec.outputs) {
    return { ok: false, reason: `${srcSpec.type} has no output ${sourcePort}.` };
  }
  return { ok: true };
}

/** True when a node is frozen: `trainable: false` in the document. */
export function isFrozen(node: LayerNode): boolean {
  return node.data.trainable === false;
}

/** The node's learning-rate multiplier (1 unless set). */
export function lrMultOf(node: LayerNode): number {
  return node.data.lrMult ?? 1;
}

/** Node-level keys that name another node: `share` (call its module) and `tie` (take its weight). */
export const NODE_LINKS = ["share", "tie"] as const;
export type NodeLink = (typeof NODE_LINKS)[number];

/** The node another node's `share` or `tie` names, or null. */
export function linkOf(node: LayerNode, key: NodeLink): string | null {
  const value = node.data.extra?.[key];
  return typeof value === "string" ? value : null;
}

/** `node` with its `share` or `tie` naming `target` (null: removed); the node itself when nothing changes. */
export function withLink(node: LayerNode, key: NodeLink, target: string | null): LayerNode {
  if (linkOf(node, key) === target) return node;
  const extra = { ...(node.data.extra ?? {}) };
  if (target === null) delete extra[key];
  else extra[key] = target;
  const data = { ...node.data };
  if (Object.keys(extra).length) data.extra = extra;
  else delete data.extra;
  return { ...node, data };
}

/** `node` with every link to `oldId` renamed to `newId` (a renamed node keeps lending its module). */
export function renameLinks(node: LayerNode, oldId: string, newId: string): LayerNode {
  return NODE_LINKS.reduce((n, key) => (linkOf(n, key) === oldId ? withLink(n, key, newId) : n), node);
}

/** The document the server validates, saves and exports. */
export function toGraphDoc(name: string, snap: Snapshot, extras: Record<string, unknown> = {}): GraphDoc {
  const nodes: GraphDocNode[] = snap.nodes.filter(isLayerNode).map((n) => ({
    ...(n.data.extra ?? {}),
    id: n.id,
    type: n.data.layerType,
    params: { ...n.data.params },
    // Fine-tuning keys are written only when they differ from the format's defaults.
    ...(n.data.trainable === false ? { trainable: false } : {}),
    ...(n.data.lrMult !== undefined && n.data.lrMult !== 1 ? { lr_mult: n.data.lrMult } : {}),
    position: { x: Math.round(n.position.x), y: Math.round(n.position.y) },
  }));
  const edges: GraphDocEdge[] = snap.edges.map((e) => ({
    source: e.source,
    target: e.target,
    port: e.data?.port ?? portOfHandle(e.targetHandle),
    source_port: e.data?.sourcePort ?? portOfHandle(e.sourceHandle),
  }));
  return { ...extras, format: GRAPH_FORMAT, name, nodes, edges };
}

export class GraphDocError extends Error {}

export interface LoadedGraph extends Snapshot {
  name: string;
  extras: Record<string, unknown>;
  /** True when some node had no position, so the caller should lay the graph out. */
  needsLayout: boolean;
}

/** Reads a `netbuilder.graph/1` document; throws GraphDocError with a readable message when it is not one. */
export function fromGraphDoc(raw: unknown): LoadedGraph {
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) throw new GraphDocError("Not a graph: expected a JSON object.");
  const doc = raw as Partial<GraphDoc>;
  if (doc.format !== GRAPH_FORMAT) throw new GraphDocError(`Not a ${GRAPH_FORMAT} document (format is ${JSON.stringify(doc.format)}).`);
  if (!Array.isArray(doc.nodes) || !Array.isArray(doc.edges)) throw new GraphDocError("A graph needs `nodes` and `edges` lists.");
  const { format: _format, name, nodes: docNodes, edges: docEdges, ...extras } = doc as GraphDoc;
  let needsLayout = false;
  const ids = new Set<string>();
  const nodes: BuilderNode[] = docNodes.map((dn, i) => {
    if (!dn || typeof dn.id !== "string" || typeof dn.type !== "string") {
      throw new GraphDocError(`Node ${i} needs a string id and type.`);
    }
    if (ids.has(dn.id)) throw new GraphDocError(`Node id ${dn.id} appears twice.`);
    ids.add(dn.id);
    const { id, type, params, position, ...extra } = dn;
    const hasPos = !!position && Number.isFinite(position.x) && Number.isFinite(position.y);
    if (!hasPos) needsLayout = true;
    const node = makeLayerNode(id, type, hasPos ? { x: position.x, y: position.y } : { x: 0, y: i * 100 }, { ...(params ?? {}) });
    // Well-typed fine-tuning keys become node data; anything else stays in `extra` and goes back to
    // the server as it came, so the server names the problem.
    if (typeof extra.trainable === "boolean") {
      if (!extra.trainable) node.data.trainable = false;
      delete extra.trainable;
    }
    if (typeof extra.lr_mult === "number") {
      if (extra.lr_mult !== 1) node.data.lrMult = extra.lr_mult;
      delete extra.lr_mult;
    }
    if (Object.keys(extra).length) node.data.extra = extra;
    return node;
  });
  const edges: ShapeEdge[] = docEdges.map((de, i) => {
    if (!de || typeof de.source !== "string" || typeof de.target !== "string") {
      throw new GraphDocError(`Edge ${i} needs a source and a target.`);
    }
    return makeEdge(de.source, de.source_port ?? 0, de.target, de.port ?? 0);
  });
  return { name: typeof name === "string" && name ? name : "Untitled", nodes, edges, extras, needsLayout };
}

/** The selected nodes and the edges between them, for the clipboard. */
export function copySelection(snap: Snapshot): Snapshot | null {
  const nodes = snap.nodes.filter((n) => n.selected);
  if (!nodes.length) return null;
  const ids = new Set(nodes.map((n) => n.id));
  const edges = snap.edges.filter((e) => ids.has(e.source) && ids.has(e.target));
  return {
    nodes: nodes.map((n) => ({ ...n, selected: false, data: { ...n.data, params: { ...n.data.params } } })),
    edges: edges.map((e) => ({ ...e, selected: false })),
  };
}

/** Copies of clipboard nodes with fresh ids, shifted by `offset`, and their inner edges rewired. */
export function pasteCopies(clip: Snapshot, taken: Iterable<string>, offset: Position): Snapshot {
  const used = new Set(taken);
  const rename = new Map<string, string>();
  const nodes = clip.nodes.map((n) => {
    const id = nextNodeId(n.data.layerType, used);
    used.add(id);
    rename.set(n.id, id);
    return {
      ...n,
      id,
      selected: true,
      position: { x: n.position.x + offset.x, y: n.position.y + offset.y },
      data: { ...n.data, params: { ...n.data.params } },
    };
  });
  const edges = clip.edges.map((e) => {
    const d = e.data ?? { port: portOfHandle(e.targetHandle), sourcePort: portOfHandle(e.sourceHandle) };
    return makeEdge(rename.get(e.source) as string, d.sourcePort, rename.get(e.target) as string, d.port);
  });
  return { nodes, edges };
}

/** Removes the given nodes and every edge touching them, plus the given edges. */
export function removeElements(snap: Snapshot, nodeIds: ReadonlySet<string>, edgeIds: ReadonlySet<string>): Snapshot {
  return {
    nodes: snap.nodes.filter((n) => !nodeIds.has(n.id)),
    edges: snap.edges.filter((e) => !edgeIds.has(e.id) && !nodeIds.has(e.source) && !nodeIds.has(e.target)),
  };
}
