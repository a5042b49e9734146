/**
 * A graph's blocks (docs/graph-format.md "Blocks") in the editor: a block's definition as a canvas and
 * back, the first use whose copy the block's canvas shows, validation answers seen from inside a block,
 * and the blocks a block needs. The transformations (make block, ungroup) are the server's.
 */
import { fromGraphDoc, toGraphDoc, type BuilderNode, type Snapshot } from "@/lib/graph";
import type { GraphDocEdge, GraphDocNode, GraphError, ParamSpec, ParamValue, ValidationResult } from "@/lib/types";

export const BLOCK_TYPE = "Block";

/** A parameter a block declares: an option's kind and bounds (`{"kind": "int", "default": 64, "min": 1}`). */
export type BlockParamDecl = Omit<ParamSpec, "name">;

/** One block of a graph's `blocks`. */
export interface BlockDef {
  params?: Record<string, BlockParamDecl>;
  nodes: GraphDocNode[];
  edges: GraphDocEdge[];
  [extra: string]: unknown;
}

export type Blocks = Record<string, BlockDef>;

/** The name a Block node uses, or null for any other node. */
export function blockOf(node: BuilderNode): string | null {
  if (node.data.layerType !== BLOCK_TYPE) return null;
  const name = node.data.params.block;
  return typeof name === "string" ? name : null;
}

/** The graph's `blocks` key as the editor keeps it: only well-formed definitions (objects with node and edge lists). */
export function readBlocks(raw: unknown): Blocks {
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) return {};
  const out: Blocks = {};
  for (const [name, def] of Object.entries(raw as Record<string, unknown>)) {
    if (def && typeof def === "object" && Array.isArray((def as BlockDef).nodes) && Array.isArray((def as BlockDef).edges)) {
      out[name] = def as BlockDef;
    }
  }
  return out;
}

/** A block's inside as a canvas; `needsLayout` when its nodes came without positions. */
export function blockCanvas(name: string, def: BlockDef): Snapshot & { needsLayout: boolean } {
  const loaded = fromGraphDoc({ format: "netbuilder.graph/1", name, nodes: def.nodes, edges: def.edges });
  return { nodes: loaded.nodes, edges: loaded.edges, needsLayout: loaded.needsLayout };
}

/** `def` with the canvas's nodes and edges; its declared parameters and other keys kept. */
export function withCanvas(def: BlockDef, snap: Snapshot): BlockDef {
  const doc = toGraphDoc("", snap);
  return { ...def, nodes: doc.nodes, edges: doc.edges };
}

/** The nodes whose definition holds the Block nodes at depth `level` of `path` (the top graph first). */
function nodesAt(top: readonly GraphDocNode[], blocks: Blocks, path: readonly string[], level: number): readonly GraphDocNode[] {
  return level === 0 ? top : blocks[path[level - 1] as string]?.nodes ?? [];
}

/**
 * The validation key prefix of the copy that block canvas `path` shows: its first use's first copy
 * (`stage1/1/`, inside a block in a block `stage1/1/inner/1/`); null when some level has no use.
 */
export function firstUsePrefix(top: readonly GraphDocNode[], blocks: Blocks, path: readonly string[]): string | null {
  let prefix = "";
  for (let level = 0; level < path.length; level += 1) {
    const use = nodesAt(top, blocks, path, level).find((n) => n.type === BLOCK_TYPE && n.params?.block === path[level]);
    if (!use) return null;
    prefix += `${use.id}/1/`;
  }
  return prefix;
}

/** The inner node an error at `path` (`stage1/1/c1`, `stage1/1/inner/1/x`) belongs to on the canvas of `prefix`. */
function innerNode(path: string | null | undefined, prefix: string): string | null {
  if (!path || !path.startsWith(prefix)) return null;
  const rest = path.slice(prefix.length);
  return rest.split("/")[0] || null;
}

/** An error as told inside the block: on its inner node, the message without the path in front. */
function seenInside(error: GraphError, prefix: string): GraphError | null {
  const path = typeof error.path === "string" ? error.path : null;
  const node = innerNode(path, prefix);
  if (!node) return null;
  const at = `${path}: `;
  return { ...error, node, message: error.message.startsWith(at) ? error.message.slice(at.length) : error.message };
}

/**
 * The validation answer as the canvas of block copy `prefix` reads it: the copy's per-node answers keyed
 * by inner id, and the errors and warnings inside it on their inner nodes. The totals stay the graph's.
 */
export function validationInside(result: ValidationResult, prefix: string): ValidationResult {
  const nodes: ValidationResult["nodes"] = {};
  for (const [key, report] of Object.entries(result.nodes)) {
    if (!key.startsWith(prefix)) continue;
    const rest = key.slice(prefix.length);
    if (!rest.includes("/")) nodes[rest] = report;
  }
  const inside = (list: GraphError[] | undefined) =>
    (list ?? []).map((e) => seenInside(e, prefix)).filter((e): e is GraphError => e !== null);
  return { ...result, nodes, errors: inside(result.errors), warnings: inside(result.warnings) };
}

/** `name` and every block it uses, inner ones too (each once), for copying a block into another graph. */
export function blockClosure(name: string, blocks: Blocks): Blocks {
  const out: Blocks = {};
  const visit = (n: string) => {
    const def = blocks[n];
    if (!def || out[n]) return;
    out[n] = def;
    for (const node of def.nodes) if (node.type === BLOCK_TYPE && typeof node.params?.block === "string") visit(node.params.block);
  };
  visit(name);
  return out;
}

/** Whether any node of the top graph or of another block still uses block `name`. */
export function isUsed(name: string, top: readonly GraphDocNode[], blocks: Blocks): boolean {
  const uses = (nodes: readonly GraphDocNode[]) => nodes.some((n) => n.type === BLOCK_TYPE && n.params?.block === name);
  return uses(top) || Object.entries(blocks).some(([other, def]) => other !== name && uses(def.nodes));
}

/** A declared parameter as a form field (the inspector's ParamField). */
export function declaredParamSpecs(def: BlockDef | undefined): ParamSpec[] {
  return Object.entries(def?.params ?? {}).map(([name, decl]) => ({ ...decl, name, required: decl.default === undefined }));
}

/** The Block node's params for a new use of `name`: the block, one copy, the declared parameters left at their defaults. */
export function newUseParams(name: string): Record<string, string | number> {
  return { block: name, repeat: 1 };
}

/** A free block name to suggest: `Block1`, `Block2`, … */
export function nextBlockName(taken: readonly string[]): string {
  let n = 1;
  while (taken.includes(`Block${n}`)) n += 1;
  return `Block${n}`;
}

const inputCounts = new WeakMap<BlockDef, number>();

/** How many inputs a Block node using block `name` takes (its block's Input nodes); null for an unknown block. */
export function blockInputCount(blocks: Blocks, name: unknown): number | null {
  const def = typeof name === "string" ? blocks[name] : undefined;
  if (!def) return null;
  let count = inputCounts.get(def); // counted once per definition: each Block node's lookup is O(1)
  if (count === undefined) {
    count = def.nodes.filter((n) => n.type === "Input").length;
    inputCounts.set(def, count);
  }
  return count;
}

/** The block parameter a value refers to (`"$channels"` → `channels`), or null for a plain value. */
export function paramRef(value: unknown): string | null {
  return typeof value === "string" && value.startsWith("$") && value.length > 1 ? value.slice(1) : null;
}

/** The keys of a layer option that a block parameter declaration keeps (the server's `blocks.declared`). */
function declarationOf(spec: ParamSpec, value: ParamValue | undefined): BlockParamDecl {
  const decl: BlockParamDecl = { kind: spec.kind };
  const initial = value !== undefined ? value : spec.default;
  if (initial !== undefined && (initial !== null || spec.nullable)) decl.default = initial;
  if (spec.min != null) decl.min = spec.min;
  if (spec.max != null) decl.max = spec.max;
  if (spec.choices?.length) decl.choices = spec.choices;
  if (spec.nullable) decl.nullable = true;
  if (spec.doc) decl.doc = spec.doc;
  return decl;
}

/** A parameter name the block does not declare yet: `base`, then `base_2`, `base_3`, … */
function freeParamName(def: BlockDef, base: string): string {
  const taken = def.params ?? {};
  if (!(base in taken)) return base;
  let n = 2;
  while (`${base}_${n}` in taken) n += 1;
  return `${base}_${n}`;
}

/**
 * Field `spec` of an inner node made a parameter of block `def`: a new declaration of the field's kind and
 * bounds whose default is the field's value (or its default), named after the field; the field then reads
 * `"$name"`, so each use of the block sets its own value.
 */
export function promoteToParam(def: BlockDef, spec: ParamSpec, value: ParamValue | undefined): { def: BlockDef; name: string } {
  const name = freeParamName(def, spec.name);
  return { def: { ...def, params: { ...(def.params ?? {}), [name]: declarationOf(spec, value) } }, name };
}

/** Where the inside of `def` refers to parameter `name`: `node.field` for each. */
export function paramUses(nodes: readonly { id: string; params?: Record<string, ParamValue> }[], name: string): string[] {
  const refers = (v: unknown): boolean => paramRef(v) === name || (Array.isArray(v) && v.some(refers));
  return nodes.flatMap((n) => Object.entries(n.params ?? {}).filter(([, v]) => refers(v)).map(([field]) => `${n.id}.${field}`));
}

/** `def` with the default of parameter `name` set (or, undefined, removed: each use then has to give one). */
export function withParamDefault(def: BlockDef, name: string, value: ParamValue | undefined): BlockDef {
  const decl = def.params?.[name];
  if (!decl) return def;
  const { default: _old, ...rest } = decl;
  return { ...def, params: { ...def.params, [name]: value === undefined ? rest : { ...rest, default: value } } };
}

/** `def` without parameter `name`. */
export function withoutParam(def: BlockDef, name: string): BlockDef {
  const { [name]: _gone, ...params } = def.params ?? {};
  return { ...def, params };
}

/** A Block node's params without its value for parameter `name` of block `block`; the same object when it has none. */
export function withoutUseValue(type: string, params: Record<string, ParamValue>, block: string, name: string): Record<string, ParamValue> {
  if (type !== BLOCK_TYPE || params.block !== block || !(name in params)) return params;
  const { [name]: _gone, ...rest } = params;
  return rest;
}
