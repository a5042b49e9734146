/**
 * The builder's one store: the graph on the canvas, its undo history, the clipboard, the latest
 * validation answer and the toasts. Every update is immutable; graph rules live in `@/lib/graph`.
 */
import { applyEdgeChanges, applyNodeChanges, type EdgeChange, type NodeChange } from "@xyflow/react";
import { useStore } from "zustand";
import { createStore, type StoreApi } from "zustand/vanilla";
import {
  BLOCK_TYPE, blockCanvas, firstUsePrefix, paramRef, paramUses, promoteToParam, readBlocks, validationInside, withCanvas,
  withoutParam, withoutUseValue, withParamDefault, type BlockDef, type Blocks,
} from "@/lib/blocks";
import { indexCatalog, initialParams } from "@/lib/catalog";
import {
  checkConnection,
  copySelection,
  isValidNodeId,
  makeEdge,
  makeLayerNode,
  nextNodeId,
  pasteCopies,
  portOfHandle,
  removeElements,
  renameLinks,
  withLink,
  type BuilderNode,
  type ConnectionCheck,
  type ConnectionRequest,
  type LoadedGraph,
  type NodeLink,
  type ShapeEdge,
  toGraphDoc,
  type Snapshot,
} from "@/lib/graph";
import { LAYOUT_SCREEN, layoutPositions, type Direction, type Size } from "@/lib/layout";
import { newer, type Stamped } from "@/lib/sequence";
import type { Catalog, GraphDoc, LayerSpec, ParamValue, Position, ValidationResult, WeightsFile } from "@/lib/types";
import { indexErrors, type ErrorIndex } from "@/lib/validation";

export const HISTORY_LIMIT = 200;

export interface SavedArchitecture {
  id: number;
  version: number;
}

/** A weights file kept on the server (`POST /api/weights`) that the next run starts from. */
export type InitWeights = Pick<WeightsFile, "id" | "name" | "tensors">;

export interface Toast {
  id: number;
  kind: "info" | "error" | "success";
  message: string;
}

/**
 * An undo step: the canvas and everything about blocks, so undoing an edit inside a block (or a make
 * block, an ungroup) brings back the definitions and the canvas it was made on.
 */
export interface HistoryEntry extends Snapshot {
  blocks: Blocks;
  blockPath: string[];
  parents: Snapshot[];
}

export interface BuilderState {
  catalog: Catalog | null;
  layers: Map<string, LayerSpec>;
  name: string;
  architecture: SavedArchitecture | null;
  /** Top-level keys of the loaded document other than format/name/nodes/edges/blocks, saved back unchanged. */
  extras: Record<string, unknown>;
  /** The canvas: the top graph's nodes, or those of the block open on it (`blockPath`). */
  nodes: BuilderNode[];
  edges: ShapeEdge[];
  /** The graph's `blocks`; the one open on the canvas is written back from the canvas (`graphDocOf`). */
  blocks: Blocks;
  /** The blocks opened, outermost first; empty on the top graph. */
  blockPath: string[];
  /**
   * What the server's per-node answers (validation, probe) prefix the canvas's node ids with: "" on the top
   * graph, `stage1/1/` on a block's canvas (its first use's first copy); null when the block has no use.
   */
  canvasPrefix: string | null;
  /** The canvases of the levels above the open block (the top graph first), as they were left. */
  parents: Snapshot[];
  past: HistoryEntry[];
  future: HistoryEntry[];
  /** Consecutive edits with the same key (typing into one field) share one undo step. */
  coalesceKey: string | null;
  dragging: boolean;
  clipboard: Snapshot | null;
  pasteCount: number;
  /** Bumped by every change the compiler can see (nodes, params, edges); validation answers carry it. */
  revision: number;
  /** Bumped by every change worth saving, layout included. */
  changeCount: number;
  savedChangeCount: number;
  /** The latest validation answer, as the canvas reads it: inside a block, the shown copy's nodes by inner id. */
  validation: Stamped<ValidationResult> | null;
  /** The latest validation answer for the whole graph. */
  graphValidation: Stamped<ValidationResult> | null;
  errors: ErrorIndex;
  toasts: Toast[];
  /** Bumped when the canvas should fit the whole graph into view (after a load or a layout). */
  fitRequest: number;
  /** A layout is being computed (in a worker): the canvas hides the nodes until they move. */
  layingOut: boolean;
  /** The canvas pane's size as drawn; a layout wraps a tall graph to its proportions (LAYOUT_SCREEN until known). */
  pane: Size | null;
  /** Which way layouts run (top to bottom or left to right) and the nodes' ports face. */
  layoutDirection: Direction;
  /** Weights attached to the next run (`init_weights`); dropped when another graph is loaded. */
  initWeights: InitWeights | null;
  /** The run this graph was last trained in, whose pictures its nodes show; null for a graph never trained here. */
  lastRunId: number | null;
}

export interface BuilderActions {
  setCatalog(catalog: Catalog): void;
  setName(name: string): void;
  onNodesChange(changes: NodeChange<BuilderNode>[]): void;
  onEdgesChange(changes: EdgeChange<ShapeEdge>[]): void;
  addNode(layerType: string, position: Position): string;
  /** Adds a Block node using block `name`; `blocks` (a library block and those it uses) join the graph's in the same undo step. */
  addBlockUse(name: string, position: Position, blocks?: Blocks): string;
  /** Opens block `name` (used on the canvas shown) on the canvas; a breadcrumb leads back. */
  openBlock(name: string): void;
  /** Goes back to level `level` of the breadcrumb (0: the top graph), writing the open blocks back. */
  closeBlock(level?: number): void;
  connect(conn: ConnectionRequest): ConnectionCheck;
  checkConnection(conn: ConnectionRequest): ConnectionCheck;
  updateParam(nodeId: string, name: string, value: ParamValue | undefined): void;
  /**
   * Inside a block: makes field `field` of node `nodeId` a parameter of the open block (declared with the
   * field's kind, bounds and value as its default; the field then reads `"$name"`). One undo step; the name.
   */
  promoteParam(nodeId: string, field: string): string | null;
  /** Inside a block: field `field` of node `nodeId` stops reading a block parameter and holds its default. */
  unbindParam(nodeId: string, field: string): void;
  /** Sets (undefined: removes) the default of parameter `name` of the open block. */
  setBlockParamDefault(name: string, value: ParamValue | undefined): void;
  /** Removes parameter `name` from the open block, and its value from every use; refused (false) while a field reads it. */
  removeBlockParam(name: string): boolean;
  /** Freezes (false) or unfreezes nodes: the document's node-level `trainable`. One undo step. */
  setTrainable(nodeIds: readonly string[], trainable: boolean): void;
  /** Sets nodes' learning-rate multiplier (`lr_mult`); consecutive edits of the same nodes share one undo step. */
  setLrMult(nodeIds: readonly string[], lrMult: number): void;
  /** Sets (or with null removes) a node's `share` or `tie`: the node whose module or weight it uses. One undo step. */
  setNodeLink(nodeId: string, key: NodeLink, target: string | null): void;
  /**
   * Replaces the whole graph (an expand) as one undoable step, laid out afresh unless `layout` is
   * false; resolves once the layout has landed.
   */
  replaceGraph(snap: Snapshot, opts?: { layout?: boolean; blocks?: Blocks }): Promise<void>;
  attachInitWeights(weights: InitWeights): void;
  /** The graph was trained in run `runId` (submitted from here, or opened from it). */
  setLastRun(runId: number | null): void;
  detachInitWeights(): void;
  renameNode(oldId: string, newId: string): string | null;
  deleteSelected(): void;
  selectAll(): void;
  selectOnly(nodeId: string): void;
  copy(): number;
  cut(): number;
  paste(at?: Position): number;
  undo(): void;
  redo(): void;
  /** Lays the graph out as one undo step; resolves once the nodes have moved. */
  autoLayout(): Promise<void>;
  /** Turns the ports to `direction` and lays the graph out that way (one undo step). */
  setLayoutDirection(direction: Direction): Promise<void>;
  /** The canvas reports its size (on mount and on every resize). */
  setPane(size: Size): void;
  /** Loads a graph, laid out when it came without positions; resolves once it is. */
  loadGraph(graph: LoadedGraph, opts?: { architecture?: SavedArchitecture | null; dirty?: boolean; lastRunId?: number | null }): Promise<void>;
  newGraph(): void;
  markSaved(architecture: SavedArchitecture, name?: string): void;
  applyValidation(revision: number, result: ValidationResult): boolean;
  toast(message: string, kind?: Toast["kind"]): void;
  dismissToast(id: number): void;
}

export type BuilderStore = BuilderState & BuilderActions;

const EMPTY_ERRORS: ErrorIndex = { byNode: {}, general: [], warningsByNode: {} };

function initialState(): BuilderState {
  return {
    catalog: null,
    layers: new Map(),
    name: "Untitled",
    architecture: null,
    extras: {},
    nodes: [],
    edges: [],
    blocks: {},
    blockPath: [],
    canvasPrefix: "",
    parents: [],
    past: [],
    future: [],
    coalesceKey: null,
    dragging: false,
    clipboard: null,
    pasteCount: 0,
    revision: 0,
    changeCount: 0,
    savedChangeCount: 0,
    validation: null,
    graphValidation: null,
    errors: EMPTY_ERRORS,
    toasts: [],
    fitRequest: 0,
    layingOut: false,
    pane: null,
    layoutDirection: "DOWN",
    initWeights: null,
    lastRunId: null,
  };
}

let toastSeq = 0;

type Sizes = ReadonlyMap<string, { width?: number; height?: number } | undefined>;

export function createBuilderStore(): StoreApi<BuilderStore> {
  return createStore<BuilderStore>()((set, get) => {
    const snapshot = (): Snapshot => ({ nodes: get().nodes, edges: get().edges });
    const entry = (): HistoryEntry => {
      const s = get();
      return { nodes: s.nodes, edges: s.edges, blocks: s.blocks, blockPath: s.blockPath, parents: s.parents };
    };

    /** The validation answer and error index for the canvas of `st` (inside a block: its first use's first copy). */
    const view = (st: Pick<BuilderState, "graphValidation" | "nodes" | "edges" | "blocks" | "blockPath" | "parents">) => {
      const ids = new Set(st.nodes.map((n) => n.id));
      const full = st.graphValidation;
      if (!st.blockPath.length) return { validation: full, errors: indexErrors(full?.value ?? null, ids), canvasPrefix: "" };
      const top = toGraphDoc("", st.parents[0] as Snapshot).nodes;
      const prefix = firstUsePrefix(top, st.blocks, st.blockPath);
      if (!full) return { validation: full, errors: indexErrors(null, ids), canvasPrefix: prefix };
      const empty: ValidationResult = { ...full.value, nodes: {}, errors: [], warnings: [] };
      const inside = prefix === null ? empty : validationInside(full.value, prefix);
      return { validation: { revision: full.revision, value: inside }, errors: indexErrors(inside, ids), canvasPrefix: prefix };
    };

    /** Records the current graph as an undo step (unless it continues the same coalesced edit) and applies `next`. */
    const commit = (next: Partial<Snapshot> & { blocks?: Blocks; parents?: Snapshot[] }, opts: { coalesce?: string; content?: boolean } = {}) => {
      const s = get();
      const continues = opts.coalesce !== undefined && opts.coalesce === s.coalesceKey;
      const past = continues ? s.past : [...s.past, entry()].slice(-HISTORY_LIMIT);
      set({
        ...next,
        past,
        future: [],
        coalesceKey: opts.coalesce ?? null,
        revision: opts.content === false ? s.revision : s.revision + 1,
        changeCount: s.changeCount + 1,
      });
    };

    /** The block open on the canvas and its definition; undefined on the top graph. */
    const openDef = (): { open: string; def: BlockDef } | undefined => {
      const s = get();
      const open = s.blockPath[s.blockPath.length - 1];
      const def = open === undefined ? undefined : s.blocks[open];
      return open === undefined || !def ? undefined : { open, def };
    };

    let layoutSeq = 0;

    /**
     * Lays the current graph out in a worker and moves its nodes when the answer comes, unless the
     * graph changed meanwhile or a newer layout was asked for: an old answer never moves a newer
     * graph. `undoable`: the move is an undo step of its own (Auto-layout); otherwise it belongs to
     * the change that asked for it (a load, an expand). `sizes`: the nodes' sizes where known.
     */
    const layOut = async ({ undoable, sizes }: { undoable: boolean; sizes?: Sizes }): Promise<void> => {
      const s = get();
      const request = ++layoutSeq;
      const asOf = s.changeCount;
      set({ layingOut: true });
      let positions: Map<string, Position> | null = null;
      try {
        positions = await layoutPositions({
          nodes: s.nodes.map((n) => {
            const size = sizes ? sizes.get(n.id) : n.measured;
            return { id: n.id, width: size?.width, height: size?.height };
          }),
          edges: s.edges,
        }, { screen: s.pane ?? LAYOUT_SCREEN, direction: s.layoutDirection });
      } catch (e) {
        if (request === layoutSeq) get().toast(`Could not lay out the graph: ${e instanceof Error ? e.message : String(e)}`, "error");
      }
      if (request !== layoutSeq) return; // a newer layout is under way and will end this one
      const now = get();
      if (!positions || now.changeCount !== asOf) {
        set({ layingOut: false });
        return;
      }
      const moved = positions;
      const nodes = now.nodes.map((n) => {
        const p = moved.get(n.id);
        return p ? { ...n, position: p } : n;
      });
      if (undoable) commit({ nodes }, { content: false });
      else {
        // Worth saving (the draft keeps the positions), but a clean graph stays clean.
        const clean = now.savedChangeCount === now.changeCount;
        set({ nodes, changeCount: now.changeCount + 1, savedChangeCount: clean ? now.changeCount + 1 : now.savedChangeCount });
      }
      set((st) => ({ layingOut: false, fitRequest: st.fitRequest + 1 }));
    };

    const restore = (snap: HistoryEntry, past: HistoryEntry[], future: HistoryEntry[]) => {
      const s = get();
      const level = { nodes: snap.nodes, edges: snap.edges, blocks: snap.blocks, blockPath: snap.blockPath, parents: snap.parents };
      set({
        ...level,
        past,
        future,
        coalesceKey: null,
        revision: s.revision + 1,
        changeCount: s.changeCount + 1,
        ...view({ ...level, graphValidation: s.graphValidation }),
        ...(snap.blockPath.join("/") !== s.blockPath.join("/") ? { fitRequest: s.fitRequest + 1 } : {}),
      });
    };

    /** The graph's blocks with the open one's canvas written back. */
    const currentBlocks = (): Blocks => {
      const s = get();
      const open = s.blockPath[s.blockPath.length - 1];
      const def = open === undefined ? undefined : s.blocks[open];
      return open === undefined || !def ? s.blocks : { ...s.blocks, [open]: withCanvas(def, snapshot()) };
    };

    return {
      ...initialState(),

      setCatalog: (catalog) => set({ catalog, layers: indexCatalog(catalog) }),

      setName: (name) => set((s) => ({ name, changeCount: s.changeCount + 1 })),

      onNodesChange: (changes) => {
        const s = get();
        // Removal goes through deleteSelected so that nodes and their edges leave in one undo step.
        const kept = changes.filter((c) => c.type !== "remove" && c.type !== "add" && c.type !== "replace");
        if (!kept.length) return;
        const moving = kept.some((c) => c.type === "position" && c.dragging);
        const moved = kept.some((c) => c.type === "position" && c.position);
        const dropped = kept.some((c) => c.type === "position" && c.dragging === false);
        const nodes = applyNodeChanges(kept, s.nodes);
        if (moving && !s.dragging) {
          // The whole drag is one undo step: remember the graph as it was before the first pixel.
          set({
            nodes,
            dragging: true,
            past: [...s.past, entry()].slice(-HISTORY_LIMIT),
            future: [],
            coalesceKey: null,
          });
        } else if (dropped && s.dragging) {
          set({ nodes, dragging: false, changeCount: s.changeCount + 1 });
        } else if (moved && !moving) {
          // A keyboard nudge: consecutive nudges share one undo step.
          commit({ nodes }, { coalesce: "nudge", content: false });
        } else {
          set({ nodes });
        }
      },

      onEdgesChange: (changes) => {
        const kept = changes.filter((c) => c.type === "select");
        if (kept.length) set({ edges: applyEdgeChanges(kept, get().edges) });
      },

      addNode: (layerType, position) => {
        const s = get();
        const id = nextNodeId(layerType, s.nodes.map((n) => n.id));
        const spec = s.layers.get(layerType);
        // A block's Input takes its shape from the edges into the Block node: no shape param.
        const params = spec && !(layerType === "Input" && s.blockPath.length) ? initialParams(spec) : {};
        const node = { ...makeLayerNode(id, layerType, position, params), selected: true };
        commit({ nodes: [...s.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), node] });
        return id;
      },

      addBlockUse: (name, position, blocks = {}) => {
        const s = get();
        const id = nextNodeId(name, s.nodes.map((n) => n.id));
        const node = { ...makeLayerNode(id, BLOCK_TYPE, position, { block: name, repeat: 1 }), selected: true };
        commit({
          nodes: [...s.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), node],
          blocks: { ...blocks, ...s.blocks },
        });
        return id;
      },

      openBlock: (name) => {
        const s = get();
        const def = s.blocks[name];
        if (!def) return;
        if (s.blockPath.includes(name)) return; // a block never uses itself
        const blocks = currentBlocks();
        const canvas = blockCanvas(name, def);
        const level = {
          nodes: canvas.nodes,
          edges: canvas.edges,
          blocks,
          blockPath: [...s.blockPath, name],
          parents: [...s.parents, { nodes: s.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), edges: s.edges }],
        };
        set({ ...level, coalesceKey: null, ...view({ ...level, graphValidation: s.graphValidation }), fitRequest: s.fitRequest + 1 });
        if (canvas.needsLayout) void layOut({ undoable: false, sizes: new Map() });
      },

      closeBlock: (level = get().blockPath.length - 1) => {
        const s = get();
        if (level < 0 || level >= s.blockPath.length) return;
        // Write each open level back into its definition, innermost first.
        let blocks = s.blocks;
        let canvas: Snapshot = snapshot();
        for (let depth = s.blockPath.length; depth > level; depth -= 1) {
          const name = s.blockPath[depth - 1] as string;
          const def = blocks[name];
          if (def) blocks = { ...blocks, [name]: withCanvas(def, canvas) };
          canvas = s.parents[depth - 1] as Snapshot;
        }
        const next = { nodes: canvas.nodes, edges: canvas.edges, blocks, blockPath: s.blockPath.slice(0, level), parents: s.parents.slice(0, level) };
        set({ ...next, coalesceKey: null, ...view({ ...next, graphValidation: s.graphValidation }), fitRequest: s.fitRequest + 1 });
      },

      checkConnection: (conn) => {
        const s = get();
        return checkConnection(conn, s.nodes, s.edges, s.catalog);
      },

      connect: (conn) => {
        const s = get();
        const check = checkConnection(conn, s.nodes, s.edges, s.catalog);
        if (!check.ok) {
          get().toast(check.reason, "error");
          return check;
        }
        const edge = makeEdge(conn.source as string, portOfHandle(conn.sourceHandle), conn.target as string, portOfHandle(conn.targetHandle));
        commit({ edges: [...s.edges, edge] });
        return check;
      },

      updateParam: (nodeId, name, value) => {
        const s = get();
        const nodes = s.nodes.map((n) => {
          if (n.id !== nodeId) return n;
          const params = { ...n.data.params };
          if (value === undefined) delete params[name];
          else params[name] = value;
          return { ...n, data: { ...n.data, params } };
        });
        commit({ nodes }, { coalesce: `param:${nodeId}:${name}` });
      },

      promoteParam: (nodeId, field) => {
        const s = get();
        const at = openDef();
        const node = s.nodes.find((n) => n.id === nodeId);
        const spec = node ? s.layers.get(node.data.layerType)?.params.find((p) => p.name === field) : undefined;
        if (!at || !node || !spec || paramRef(node.data.params[field]) !== null) return null;
        const promoted = promoteToParam(at.def, spec, node.data.params[field]);
        const nodes = s.nodes.map((n) => (n.id === nodeId ? { ...n, data: { ...n.data, params: { ...n.data.params, [field]: `$${promoted.name}` } } } : n));
        commit({ nodes, blocks: { ...s.blocks, [at.open]: promoted.def } });
        return promoted.name;
      },

      unbindParam: (nodeId, field) => {
        const at = openDef();
        const node = get().nodes.find((n) => n.id === nodeId);
        const name = node ? paramRef(node.data.params[field]) : null;
        if (!at || name === null) return;
        get().updateParam(nodeId, field, at.def.params?.[name]?.default);
      },

      setBlockParamDefault: (name, value) => {
        const at = openDef();
        if (!at?.def.params?.[name]) return;
        commit({ blocks: { ...get().blocks, [at.open]: withParamDefault(at.def, name, value) } }, { coalesce: `block-param:${at.open}:${name}` });
      },

      removeBlockParam: (name) => {
        const s = get();
        const at = openDef();
        if (!at?.def.params?.[name]) return false;
        if (paramUses(s.nodes.map((n) => ({ id: n.id, params: n.data.params })), name).length) return false;
        const { open } = at;
        // Its uses, on the canvases above and in the other blocks, drop their values for it.
        const level = (snap: Snapshot): Snapshot => ({
          ...snap,
          nodes: snap.nodes.map((n) => {
            const params = withoutUseValue(n.data.layerType, n.data.params, open, name);
            return params === n.data.params ? n : { ...n, data: { ...n.data, params } };
          }),
        });
        const blocks: Blocks = {};
        for (const [other, d] of Object.entries(s.blocks)) {
          blocks[other] = other === open ? withoutParam(d, name) : {
            ...d,
            nodes: d.nodes.map((n) => {
              const own = n.params ?? {};
              const params = withoutUseValue(n.type, own, open, name);
              return params === own ? n : { ...n, params };
            }),
          };
        }
        commit({ blocks, parents: s.parents.map(level) });
        return true;
      },

      setTrainable: (nodeIds, trainable) => {
        const s = get();
        const ids = new Set(nodeIds);
        const changes = s.nodes.some((n) => ids.has(n.id) && (n.data.trainable !== false) !== trainable);
        if (!changes) return;
        const nodes = s.nodes.map((n) => {
          if (!ids.has(n.id) || (n.data.trainable !== false) === trainable) return n;
          const data = { ...n.data };
          if (trainable) delete data.trainable;
          else data.trainable = false;
          return { ...n, data };
        });
        commit({ nodes });
      },

      setLrMult: (nodeIds, lrMult) => {
        const s = get();
        const ids = new Set(nodeIds);
        const nodes = s.nodes.map((n) => {
          if (!ids.has(n.id) || (n.data.lrMult ?? 1) === lrMult) return n;
          const data = { ...n.data };
          if (lrMult === 1) delete data.lrMult;
          else data.lrMult = lrMult;
          return { ...n, data };
        });
        if (nodes.every((n, i) => n === s.nodes[i])) return;
        commit({ nodes }, { coalesce: `lr_mult:${[...ids].sort().join(",")}` });
      },

      setNodeLink: (nodeId, key, target) => {
        const s = get();
        const nodes = s.nodes.map((n) => (n.id === nodeId ? withLink(n, key, target) : n));
        if (nodes.every((n, i) => n === s.nodes[i])) return;
        commit({ nodes });
      },

      replaceGraph: async (snap, opts = {}) => {
        // Nodes that stay keep their measured size; new ones are laid out at the default size.
        const sizes: Sizes = new Map(get().nodes.map((n) => [n.id, n.measured]));
        commit({ nodes: snap.nodes, edges: snap.edges, ...(opts.blocks ? { blocks: opts.blocks } : {}) });
        set((st) => view(st));
        if (opts.layout === false) set((st) => ({ fitRequest: st.fitRequest + 1 }));
        else await layOut({ undoable: false, sizes });
      },

      attachInitWeights: (weights) => set({ initWeights: weights }),

      setLastRun: (lastRunId) => set({ lastRunId }),

      detachInitWeights: () => set({ initWeights: null }),

      renameNode: (oldId, newId) => {
        const s = get();
        if (oldId === newId) return null;
        if (!isValidNodeId(newId)) return "Use letters, digits and _, not starting with a digit.";
        if (s.nodes.some((n) => n.id === newId)) return `${newId} is already taken.`;
        const nodes = s.nodes.map((n) => renameLinks(n.id === oldId ? { ...n, id: newId } : n, oldId, newId));
        const edges = s.edges.map((e) => {
          if (e.source !== oldId && e.target !== oldId) return e;
          const d = e.data ?? { port: portOfHandle(e.targetHandle), sourcePort: portOfHandle(e.sourceHandle) };
          return makeEdge(e.source === oldId ? newId : e.source, d.sourcePort, e.target === oldId ? newId : e.target, d.port);
        });
        commit({ nodes, edges });
        return null;
      },

      deleteSelected: () => {
        const s = get();
        const nodeIds = new Set(s.nodes.filter((n) => n.selected).map((n) => n.id));
        const edgeIds = new Set(s.edges.filter((e) => e.selected).map((e) => e.id));
        if (!nodeIds.size && !edgeIds.size) return;
        commit(removeElements(snapshot(), nodeIds, edgeIds));
      },

      selectAll: () =>
        set((s) => ({
          nodes: s.nodes.map((n) => (n.selected ? n : { ...n, selected: true })),
          edges: s.edges.map((e) => (e.selected ? e : { ...e, selected: true })),
        })),

      selectOnly: (nodeId) =>
        set((s) => ({
          nodes: s.nodes.map((n) => {
            const selected = n.id === nodeId;
            return n.selected === selected ? n : { ...n, selected };
          }),
          edges: s.edges.map((e) => (e.selected ? { ...e, selected: false } : e)),
        })),

      copy: () => {
        const clip = copySelection(snapshot());
        if (clip) set({ clipboard: clip, pasteCount: 0 });
        return clip?.nodes.length ?? 0;
      },

      cut: () => {
        const n = get().copy();
        if (n) get().deleteSelected();
        return n;
      },

      paste: (at) => {
        const s = get();
        if (!s.clipboard || !s.clipboard.nodes.length) return 0;
        const count = s.pasteCount + 1;
        let offset: Position = { x: 40 * count, y: 40 * count };
        if (at) {
          const minX = Math.min(...s.clipboard.nodes.map((n) => n.position.x));
          const minY = Math.min(...s.clipboard.nodes.map((n) => n.position.y));
          offset = { x: at.x - minX, y: at.y - minY };
        }
        const copies = pasteCopies(s.clipboard, s.nodes.map((n) => n.id), offset);
        commit({
          nodes: [...s.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), ...copies.nodes],
          edges: [...s.edges.map((e) => (e.selected ? { ...e, selected: false } : e)), ...copies.edges],
        });
        set({ pasteCount: count });
        return copies.nodes.length;
      },

      undo: () => {
        const s = get();
        const prev = s.past[s.past.length - 1];
        if (!prev) return;
        restore(prev, s.past.slice(0, -1), [entry(), ...s.future]);
      },

      redo: () => {
        const s = get();
        const next = s.future[0];
        if (!next) return;
        restore(next, [...s.past, entry()], s.future.slice(1));
      },

      autoLayout: async () => {
        if (get().nodes.length) await layOut({ undoable: true });
      },

      setLayoutDirection: async (direction) => {
        if (get().layoutDirection !== direction) set({ layoutDirection: direction });
        if (get().nodes.length) await layOut({ undoable: true });
      },

      setPane: (size) => {
        const now = get().pane;
        if (size.width > 0 && size.height > 0 && (now?.width !== size.width || now?.height !== size.height)) set({ pane: size });
      },

      loadGraph: async (graph, opts = {}) => {
        const s = get();
        const changeCount = s.changeCount + 1;
        const { blocks, ...extras } = graph.extras;
        set({
          name: graph.name,
          extras,
          architecture: opts.architecture ?? null,
          nodes: graph.nodes,
          edges: graph.edges,
          blocks: readBlocks(blocks),
          blockPath: [],
          canvasPrefix: "",
          parents: [],
          past: [],
          future: [],
          coalesceKey: null,
          dragging: false,
          pasteCount: 0,
          revision: s.revision + 1,
          changeCount,
          savedChangeCount: opts.dirty ? s.savedChangeCount : changeCount,
          errors: EMPTY_ERRORS,
          fitRequest: graph.needsLayout ? s.fitRequest : s.fitRequest + 1,
          initWeights: null,
          lastRunId: opts.lastRunId ?? null,
        });
        if (graph.needsLayout) await layOut({ undoable: false, sizes: new Map() });
      },

      newGraph: () => {
        const s = get();
        set({
          name: "Untitled",
          extras: {},
          architecture: null,
          nodes: [],
          edges: [],
          blocks: {},
          blockPath: [],
          canvasPrefix: "",
          parents: [],
          past: [],
          future: [],
          coalesceKey: null,
          revision: s.revision + 1,
          changeCount: s.changeCount + 1,
          savedChangeCount: s.changeCount + 1,
          errors: EMPTY_ERRORS,
          initWeights: null,
          lastRunId: null,
        });
      },

      markSaved: (architecture, name) =>
        set((s) => ({ architecture, name: name ?? s.name, savedChangeCount: s.changeCount })),

      applyValidation: (revision, result) => {
        const s = get();
        const kept = newer(s.graphValidation, { revision, value: result });
        if (kept === s.graphValidation) return false;
        set({ graphValidation: kept, ...view({ ...s, graphValidation: kept }) });
        return true;
      },

      toast: (message, kind = "info") => {
        toastSeq += 1;
        const toast: Toast = { id: toastSeq, kind, message };
        set((s) => ({ toasts: [...s.toasts.slice(-3), toast] }));
      },

      dismissToast: (id) => set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) })),
    };
  });
}

/**
 * The whole document: the top graph (from the levels above when a block is open) and its blocks, the
 * open block written back from the canvas. What is validated, saved and exported.
 */
export function graphDocOf(s: BuilderState): GraphDoc {
  const top: Snapshot = s.blockPath.length ? (s.parents[0] as Snapshot) : { nodes: s.nodes, edges: s.edges };
  let blocks = s.blocks;
  let canvas: Snapshot = { nodes: s.nodes, edges: s.edges };
  for (let depth = s.blockPath.length; depth > 0; depth -= 1) {
    const name = s.blockPath[depth - 1] as string;
    const def = blocks[name];
    if (def) blocks = { ...blocks, [name]: withCanvas(def, canvas) };
    canvas = s.parents[depth - 1] as Snapshot;
  }
  return toGraphDoc(s.name, top, Object.keys(blocks).length ? { ...s.extras, blocks } : s.extras);
}

/** The app's store. Tests make their own with createBuilderStore(). */
export const builderStore = createBuilderStore();

export function useBuilder<T>(selector: (s: BuilderStore) => T): T {
  return useStore(builderStore, selector);
}

export const selectIsDirty = (s: BuilderState): boolean => s.changeCount !== s.savedChangeCount;
export const selectCanUndo = (s: BuilderState): boolean => s.past.length > 0;
export const selectCanRedo = (s: BuilderState): boolean => s.future.length > 0;
/** The one selected node's id, or null when none or several are selected. */
export const selectSelectedNodeId = (s: BuilderState): string | null => {
  let found: string | null = null;
  for (const n of s.nodes) {
    if (!n.selected) continue;
    if (found !== null) return null;
    found = n.id;
  }
  return found;
};
export const selectSelectionCount = (s: BuilderState): number => {
  let c = 0;
  for (const n of s.nodes) if (n.selected) c += 1;
  return c;
};

/**
 * The weights file attached to the next run, or null: the Train dialog sends its `id` as
 * `"init_weights"` in `POST /api/runs` (the run starts from those weights; the server checks they
 * fit the graph). Attached from the builder's "Import weights…" report; removed with the chip's ×
 * or when another graph is loaded.
 */
export const selectInitWeights = (s: BuilderState): InitWeights | null => s.initWeights;
