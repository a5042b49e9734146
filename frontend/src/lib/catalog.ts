/**
 * The catalog as the browser uses it: palette groups and search, which control edits each parameter
 * kind, parsing and bounds-checking what the user types, and the short parameter summary on a node.
 */
import type { Params } from "@/lib/graph";
import type { Catalog, LayerSpec, ParamSpec, ParamValue } from "@/lib/types";

export type ControlKind = "number" | "checkbox" | "select" | "tuple" | "text";

/** Which control edits a parameter of this kind. */
export function controlFor(spec: ParamSpec): ControlKind {
  switch (spec.kind) {
    case "int":
    case "float":
      return "number";
    case "bool":
      return "checkbox";
    case "choice":
      return "select";
    case "ints":
    case "int_or_ints":
    case "shape":
    case "floats":
      return "tuple";
    default:
      return "text";
  }
}

/** A value that parses but breaks a published bound keeps its `value`: the field commits it, so the node holds
 *  what the field shows and the server's validation marks the node too. */
export type ParseResult = { ok: true; value: ParamValue | undefined } | { ok: false; error: string; value?: ParamValue };

const NULL_WORDS = new Set(["none", "null"]);

/** The published bounds, strict where the option says so (`min_exclusive`: lr > 0). */
function boundsError(spec: ParamSpec, n: number): string | null {
  if (spec.min != null && (spec.min_exclusive ? !(n > spec.min) : n < spec.min)) return `Must be ${spec.min_exclusive ? "greater than" : "at least"} ${spec.min}.`;
  if (spec.max != null && (spec.max_exclusive ? !(n < spec.max) : n > spec.max)) return `Must be ${spec.max_exclusive ? "less than" : "at most"} ${spec.max}.`;
  return null;
}

function parseNumber(text: string, integer: boolean): number | null {
  const t = text.trim();
  if (!t) return null;
  if (integer ? !/^[+-]?\d+$/.test(t) : !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

function parseList(text: string, integer: boolean): number[] | null {
  const t = text.trim().replace(/^[[(]/, "").replace(/[\])]$/, "");
  if (!t.trim()) return [];
  const parts = t.split(/[\s,x×]+/).filter(Boolean);
  const out: number[] = [];
  for (const p of parts) {
    const n = parseNumber(p, integer);
    if (n === null) return null;
    out.push(n);
  }
  return out;
}

/**
 * Turns what the user typed into a parameter value. An empty field means "unset" (`value` undefined:
 * the server's default or inferred value applies), unless the parameter is required.
 */
export function parseParam(spec: ParamSpec, raw: string | boolean): ParseResult {
  if (spec.kind === "bool") return { ok: true, value: Boolean(raw) };
  const text = String(raw).trim();
  if (!text) {
    if (spec.required) return { ok: false, error: "Required." };
    return { ok: true, value: undefined };
  }
  if (spec.nullable && NULL_WORDS.has(text.toLowerCase())) return { ok: true, value: null };
  switch (spec.kind) {
    case "int":
    case "float": {
      const n = parseNumber(text, spec.kind === "int");
      if (n === null) return { ok: false, error: spec.kind === "int" ? "Enter a whole number." : "Enter a number." };
      const err = boundsError(spec, n);
      return err ? { ok: false, error: err, value: n } : { ok: true, value: n };
    }
    case "choice": {
      const matches = spec.pattern != null && new RegExp(`^(?:${spec.pattern})$`).test(text);
      if (spec.choices && !spec.choices.includes(text) && !matches) return { ok: false, error: `Choose one of ${spec.choices.join(", ")}.` };
      return { ok: true, value: text };
    }
    case "ints":
    case "floats":
    case "shape":
    case "int_or_ints": {
      const integer = spec.kind !== "floats";
      const list = parseList(text, integer);
      if (list === null || list.length === 0) {
        return { ok: false, error: integer ? "Enter whole numbers separated by commas." : "Enter numbers separated by commas." };
      }
      if (spec.kind === "int_or_ints" && list.length === 1) {
        const n = list[0] as number;
        const err = boundsError(spec, n);
        return err ? { ok: false, error: err, value: n } : { ok: true, value: n };
      }
      if (spec.length != null && list.length !== spec.length) {
        return { ok: false, error: `Enter ${spec.length} values${spec.kind === "int_or_ints" ? " or a single one" : ""}.` };
      }
      for (const n of list) {
        if (spec.kind === "shape") {
          if (n === 0 || n < -1) return { ok: false, error: "Sizes are positive (-1 for one inferred size)." };
          continue;
        }
        const err = boundsError(spec, n);
        if (err) return { ok: false, error: err, value: list };
      }
      if (spec.kind === "shape" && list.filter((n) => n === -1).length > 1) {
        return { ok: false, error: "Only one size can be -1." };
      }
      return { ok: true, value: list };
    }
    default:
      return { ok: true, value: text };
  }
}

/** The text a field shows for a value (inverse of parseParam for valid values). A nested list or an object
 *  (a Constant's value, as a document holds it) is shown as JSON, which its field sends back as typed. */
export function formatParam(value: ParamValue | undefined): string {
  if (value === undefined) return "";
  if (value === null) return "None";
  const nested = (v: unknown) => typeof v === "object" && v !== null;
  if (Array.isArray(value)) return (value as unknown[]).some(nested) ? JSON.stringify(value) : value.join(", ");
  if (nested(value)) return JSON.stringify(value);
  return String(value);
}

/** Placeholder for an empty field: what the server will use. */
export function placeholderFor(spec: ParamSpec): string {
  if (spec.inferred) return "inferred";
  if (spec.required) return "required";
  if (spec.default === undefined) return "";
  return `default ${formatParam(spec.default)}`;
}

/** Checks every parameter of a node locally; the server's answer remains the final word. */
export function localParamErrors(layer: LayerSpec, params: Params): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const spec of layer.params) {
    const value = params[spec.name];
    if (value === undefined) {
      if (spec.required) errors[spec.name] = "Required.";
      continue;
    }
    const res = parseParam(spec, spec.kind === "bool" ? Boolean(value) : formatParam(value));
    if (!res.ok) errors[spec.name] = res.error;
  }
  return errors;
}

/** Required parameters start with their default when the catalog has one, so a new node is close to valid. */
export function initialParams(layer: LayerSpec): Params {
  const params: Params = {};
  for (const spec of layer.params) {
    if (spec.required && spec.default !== undefined && spec.default !== null) params[spec.name] = spec.default;
  }
  return params;
}

export interface PaletteGroup {
  category: string;
  layers: LayerSpec[];
}

/** Layers grouped by the catalog's category order, filtered by a search over type, category and doc. */
export function paletteGroups(catalog: Catalog, query: string): PaletteGroup[] {
  const q = query.trim().toLowerCase();
  const match = (l: LayerSpec) =>
    !q || l.type.toLowerCase().includes(q) || l.category.toLowerCase().includes(q) || l.doc.toLowerCase().includes(q);
  const order = [...catalog.categories];
  for (const l of catalog.layers) if (!order.includes(l.category)) order.push(l.category);
  return order
    .map((category) => ({ category, layers: catalog.layers.filter((l) => l.category === category && match(l)) }))
    .filter((g) => g.layers.length > 0)
    .map((g) => ({
      ...g,
      layers: q ? [...g.layers].sort((a, b) => rank(a, q) - rank(b, q)) : g.layers,
    }));
}

function rank(l: LayerSpec, q: string): number {
  const t = l.type.toLowerCase();
  if (t === q) return 0;
  if (t.startsWith(q)) return 1;
  if (t.includes(q)) return 2;
  return 3;
}

/** Layers matching a query, best first: the quick-add box. */
export function searchLayers(catalog: Catalog, query: string, limit = 12): LayerSpec[] {
  return paletteGroups(catalog, query)
    .flatMap((g) => g.layers)
    .sort((a, b) => rank(a, query.trim().toLowerCase()) - rank(b, query.trim().toLowerCase()))
    .slice(0, limit);
}

/** Up to `limit` "name=value" strings for a node's face: set values first, then required ones. */
export function keyParams(layer: LayerSpec | undefined, params: Params, limit = 3): string[] {
  const names = layer ? layer.params.map((p) => p.name) : Object.keys(params);
  const out: string[] = [];
  for (const name of names) {
    if (params[name] === undefined) continue;
    out.push(`${name}=${formatParam(params[name])}`);
    if (out.length >= limit) break;
  }
  return out;
}

export function indexCatalog(catalog: Catalog | null): Map<string, LayerSpec> {
  return new Map((catalog?.layers ?? []).map((l) => [l.type, l]));
}
