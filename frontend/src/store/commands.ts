/**
 * The builder's commands that talk to the server or the file system: save, open, templates,
 * import and export, torchvision models, expanding and weights files. They read and write the
 * store; components only call them.
 */
import { api, ApiError } from "@/lib/api";
import { clearDraft } from "@/lib/draft";
import { blockClosure, blockOf, firstUsePrefix, readBlocks, type BlockDef, type Blocks } from "@/lib/blocks";
import { fromGraphDoc, GraphDocError, toGraphDoc, type BuilderNode, type LoadedGraph, type Snapshot } from "@/lib/graph";
import { singleNodeGraph, type TorchvisionChoice } from "@/lib/pretrained";
import type { Architecture, GraphDoc, Position, TorchvisionArch, ValidationResult, WeightsCheck } from "@/lib/types";
import { builderStore, graphDocOf, selectIsDirty } from "@/store/builder-store";
import { libraryStore, type LibraryBlock } from "@/store/library-store";

const store = builderStore;

/** The whole document (the top graph and its blocks, wherever the canvas is). */
export function currentGraph(): GraphDoc {
  return graphDocOf(store.getState());
}

function message(e: unknown): string {
  if (e instanceof ApiError) {
    const first = e.errors[0];
    return first ? `${e.message}: ${first.node ? `${first.node}: ` : ""}${first.message}` : e.message;
  }
  return e instanceof Error ? e.message : String(e);
}

/** The server's own words for a refusal: its first error's message, else the whole message. */
function reason(e: unknown): string {
  if (e instanceof ApiError && e.errors[0]) return e.errors[0].message;
  return message(e);
}

/** Puts the open architecture in the address bar, so a reload reopens it. */
function rememberInUrl(id: number | null): void {
  const url = new URL(window.location.href);
  if (id === null) url.searchParams.delete("architecture");
  else url.searchParams.set("architecture", String(id));
  window.history.replaceState(null, "", url.pathname + url.search);
}

export function architectureInUrl(): number | null {
  const raw = new URL(window.location.href).searchParams.get("architecture");
  const id = raw ? Number(raw) : NaN;
  return Number.isInteger(id) && id > 0 ? id : null;
}

/** True when it is fine to replace the canvas: nothing unsaved, or the user agreed to drop it. */
export function confirmDiscard(what = "Replace the current graph?"): boolean {
  if (!selectIsDirty(store.getState())) return true;
  return window.confirm(`${what}\nYour unsaved changes will be lost.`);
}

function loadArchitecture(arch: Architecture): void {
  const loaded = fromGraphDoc(arch.graph);
  store.getState().loadGraph({ ...loaded, name: arch.name }, { architecture: { id: arch.id, version: arch.version } });
  rememberInUrl(arch.id);
  clearDraft();
  void rememberLatestRun(arch.id);
}

/**
 * The open architecture's newest run (`GET /api/runs?architecture=`) becomes the graph's last run,
 * whose pictures its nodes show; unless another graph was opened, or a run named, meanwhile.
 */
export async function rememberLatestRun(architectureId: number): Promise<void> {
  let runs;
  try {
    runs = await api.runs({ architecture: architectureId });
  } catch {
    return; // no pictures then: nothing else depends on them
  }
  const s = store.getState();
  if (s.architecture?.id !== architectureId || s.lastRunId !== null) return;
  const newest = runs.reduce<(typeof runs)[number] | null>((best, r) => (!best || r.id > best.id ? r : best), null);
  if (newest) s.setLastRun(newest.id);
}

/** Saves to the open architecture (a new version), or creates one named `name` when none is open. */
export async function save(name?: string): Promise<boolean> {
  const s = store.getState();
  const graphName = name ?? s.name;
  try {
    const graph = { ...currentGraph(), name: graphName };
    const arch = s.architecture && !name
      ? await api.updateArchitecture(s.architecture.id, { name: graphName, graph })
      : await api.createArchitecture(graphName, graph);
    store.getState().markSaved({ id: arch.id, version: arch.version }, arch.name);
    rememberInUrl(arch.id);
    clearDraft();
    store.getState().toast(`Saved “${arch.name}” (version ${arch.version})`, "success");
    return true;
  } catch (e) {
    store.getState().toast(`Could not save: ${message(e)}`, "error");
    return false;
  }
}

export async function openArchitecture(id: number): Promise<void> {
  try {
    loadArchitecture(await api.architecture(id));
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) rememberInUrl(null);
    store.getState().toast(`Could not open architecture ${id}: ${message(e)}`, "error");
  }
}

export async function renameArchitecture(id: number, name: string): Promise<void> {
  try {
    const arch = await api.updateArchitecture(id, { name });
    const s = store.getState();
    if (s.architecture?.id === id) store.setState({ name: arch.name });
    s.toast(`Renamed to “${arch.name}”`, "success");
  } catch (e) {
    store.getState().toast(`Could not rename: ${message(e)}`, "error");
  }
}

export async function duplicateArchitecture(id: number, name: string): Promise<Architecture | null> {
  try {
    const arch = await api.duplicateArchitecture(id, name);
    store.getState().toast(`Created “${arch.name}”`, "success");
    return arch;
  } catch (e) {
    store.getState().toast(`Could not duplicate: ${message(e)}`, "error");
    return null;
  }
}

export async function deleteArchitecture(id: number): Promise<boolean> {
  try {
    await api.deleteArchitecture(id);
    const s = store.getState();
    if (s.architecture?.id === id) {
      // The canvas keeps the graph, now unsaved: deleting the record never deletes the work on screen.
      store.setState((st) => ({ architecture: null, savedChangeCount: st.changeCount - 1 }));
      rememberInUrl(null);
    }
    s.toast("Architecture deleted", "info");
    return true;
  } catch (e) {
    store.getState().toast(`Could not delete: ${message(e)}`, "error");
    return false;
  }
}

export function loadTemplateGraph(graph: GraphDoc, name: string): void {
  try {
    const loaded = fromGraphDoc(graph);
    store.getState().loadGraph({ ...loaded, name }, { architecture: null, dirty: true });
    rememberInUrl(null);
  } catch (e) {
    store.getState().toast(`Template is not a valid graph: ${message(e)}`, "error");
  }
}

export function newGraph(): void {
  store.getState().newGraph();
  rememberInUrl(null);
  clearDraft();
}

function download(filename: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function fileStem(name: string): string {
  return name.trim().replace(/[^A-Za-z0-9_-]+/g, "_").replace(/^_+|_+$/g, "") || "network";
}

export function exportJson(): void {
  const g = currentGraph();
  download(`${fileStem(g.name)}.json`, `${JSON.stringify(g, null, 2)}\n`, "application/json");
}

export async function exportPython(): Promise<void> {
  try {
    const g = currentGraph();
    const code = await api.exportPython(g);
    download("model.py", code, "text/x-python");
  } catch (e) {
    store.getState().toast(`Could not export model.py: ${message(e)}`, "error");
  }
}

/**
 * Imports a graph JSON file as a new unsaved graph. It is read here first (a file that is no graph
 * at all is refused with the reason), then sent to `POST /api/graphs/import`, whose validation
 * marks every node with an error on the canvas at once.
 */
export async function importGraphFile(file: File): Promise<boolean> {
  let loaded: LoadedGraph;
  try {
    loaded = fromGraphDoc(JSON.parse(await file.text()));
  } catch (e) {
    const why = e instanceof SyntaxError ? "not valid JSON" : e instanceof GraphDocError ? e.message : message(e);
    store.getState().toast(`Could not import ${file.name}: ${why}`, "error");
    return false;
  }
  let validation: ValidationResult | null = null;
  try {
    validation = (await api.importGraph(file, file.name)).validation;
  } catch (e) {
    if (e instanceof ApiError) {
      store.getState().toast(`Could not import ${file.name}: ${reason(e)}`, "error");
      return false;
    }
    // The server did not answer: load it anyway; live validation checks it when it can.
  }
  store.getState().loadGraph(loaded, { architecture: null, dirty: true });
  rememberInUrl(null);
  const s = store.getState();
  if (validation) s.applyValidation(s.revision, validation);
  const errors = validation?.errors.length ?? 0;
  if (errors) s.toast(`Imported “${loaded.name}” with ${errors} error${errors === 1 ? "" : "s"}: see the marked layers`, "error");
  else s.toast(`Imported “${loaded.name}”`, "success");
  return true;
}

/**
 * Replaces TorchvisionModel node `nodeId` with its layers (`POST /api/graphs/expand`) as one undo
 * step. An answer for a graph that changed meanwhile is dropped rather than undoing those edits.
 */
export async function expandNode(nodeId: string): Promise<boolean> {
  const before = store.getState();
  try {
    const doc = await api.expandNode(currentGraph(), nodeId);
    const now = store.getState();
    if (now.revision !== before.revision) {
      now.toast(`The graph changed while ${nodeId} was expanding; expand it again.`, "error");
      return false;
    }
    const expanded = fromGraphDoc(doc);
    now.replaceGraph(expanded);
    const added = expanded.nodes.length - before.nodes.length + 1;
    now.toast(`Expanded ${nodeId} into ${added} layers`, "success");
    return true;
  } catch (e) {
    store.getState().toast(`Could not expand ${nodeId}: ${reason(e)}`, "error");
    return false;
  }
}

let torchvisionList: Promise<TorchvisionArch[]> | null = null;

/** `GET /api/torchvision`, asked once per page (a failed answer is asked again next time). */
export function torchvisionArchs(): Promise<TorchvisionArch[]> {
  torchvisionList ??= api.torchvision().catch((e: unknown) => {
    torchvisionList = null;
    throw e;
  });
  return torchvisionList;
}

/**
 * Loads a torchvision architecture as a new unsaved graph: its layers (`POST
 * /api/torchvision/{arch}/graph`), or with `asNode` one TorchvisionModel node between an Input and an
 * Output.
 */
export async function newFromTorchvision(choice: TorchvisionChoice, asNode: boolean): Promise<boolean> {
  try {
    const doc = asNode
      ? singleNodeGraph(choice)
      : await api.torchvisionGraph(choice.arch, { numClasses: choice.numClasses ?? undefined, imageSize: choice.imageSize });
    const loaded = fromGraphDoc(doc);
    store.getState().loadGraph({ ...loaded, needsLayout: true }, { architecture: null, dirty: true });
    rememberInUrl(null);
    store.getState().toast(`Loaded ${choice.arch}${asNode ? "" : ` as ${loaded.nodes.length} layers`}`, "success");
    return true;
  } catch (e) {
    store.getState().toast(`Could not load ${choice.arch}: ${reason(e)}`, "error");
    return false;
  }
}

/** What loading a weights file into the current graph would do (`POST /api/weights/check`); throws with the server's reason. */
export async function checkWeights(file: File): Promise<WeightsCheck> {
  try {
    return await api.checkWeights(file, file.name, currentGraph());
  } catch (e) {
    throw new Error(reason(e));
  }
}

/** Keeps a weights file on the server and attaches it to the next run (`initWeights`). */
export async function attachWeights(file: File): Promise<boolean> {
  try {
    const kept = await api.uploadWeights(file, file.name, { name: file.name });
    store.getState().attachInitWeights({ id: kept.id, name: kept.name, tensors: kept.tensors });
    store.getState().toast(`${kept.name} will start the next run`, "success");
    return true;
  } catch (e) {
    store.getState().toast(`Could not keep ${file.name}: ${reason(e)}`, "error");
    return false;
  }
}

/** The canvas's own level as a graph document: the top graph, or the open block's inside, with every block. */
function levelGraph(): GraphDoc {
  const s = store.getState();
  const whole = currentGraph();
  if (!s.blockPath.length) return whole;
  const inside = toGraphDoc(s.name, { nodes: s.nodes, edges: s.edges });
  return { ...inside, blocks: whole.blocks };
}

/**
 * Turns the selected nodes into block `name` (`POST /api/graphs/make-block`: the server does the
 * transformation), replaced by a Block node whose ports carry the edges across the border; one undo step.
 */
export async function makeBlock(name: string): Promise<boolean> {
  const before = store.getState();
  const ids = before.nodes.filter((n) => n.selected).map((n) => n.id);
  if (!ids.length) {
    before.toast("Select the layers to make a block of (Ctrl+G).");
    return false;
  }
  try {
    const { graph } = await api.makeBlock(levelGraph(), ids, name);
    const now = store.getState();
    if (now.revision !== before.revision) {
      now.toast("The graph changed while the block was being made; make it again.", "error");
      return false;
    }
    const made = fromGraphDoc(graph);
    const blockNode = made.nodes.find((n) => blockOf(n) === name && !before.nodes.some((m) => m.id === n.id));
    const nodes = made.nodes.map((n) => (n === blockNode ? { ...n, selected: true } : n));
    await now.replaceGraph({ nodes, edges: made.edges }, { layout: false, blocks: readBlocks(graph.blocks) });
    store.getState().toast(`Made block ${name} of ${ids.length} layer${ids.length === 1 ? "" : "s"}`, "success");
    return true;
  } catch (e) {
    store.getState().toast(`Could not make a block: ${reason(e)}`, "error");
    return false;
  }
}

/** Writes Block node `nodeId` out as its copies' layers (`POST /api/graphs/ungroup`); one undo step. */
export async function ungroupNode(nodeId: string): Promise<boolean> {
  const before = store.getState();
  if (before.blockPath.length) {
    before.toast("Ungroup a block from the top graph: go back with the breadcrumb first.");
    return false;
  }
  try {
    const { graph } = await api.ungroup(currentGraph(), nodeId);
    const now = store.getState();
    if (now.revision !== before.revision) {
      now.toast(`The graph changed while ${nodeId} was being ungrouped; ungroup it again.`, "error");
      return false;
    }
    const flat = fromGraphDoc(graph);
    await now.replaceGraph({ nodes: flat.nodes, edges: flat.edges }, { blocks: readBlocks(graph.blocks) });
    store.getState().toast(`Ungrouped ${nodeId} into ${flat.nodes.length - before.nodes.length + 1} layers`, "success");
    return true;
  } catch (e) {
    store.getState().toast(`Could not ungroup ${nodeId}: ${reason(e)}`, "error");
    return false;
  }
}

/** React Flow's node double-click: a Block node opens its block on the canvas. */
export function openBlockOf(_event: unknown, node: BuilderNode): void {
  const name = blockOf(node);
  if (name) store.getState().openBlock(name);
}

/**
 * Adds what a palette item names at `position`: `block:<name>` a use of the graph's block,
 * `library:<id>` a use of a library block (copied into the graph with the blocks it uses), else a layer type.
 */
export function addFromPalette(item: string, position: Position): void {
  const s = store.getState();
  if (item.startsWith(BLOCK_ITEM)) {
    s.addBlockUse(item.slice(BLOCK_ITEM.length), position);
    return;
  }
  if (item.startsWith(LIBRARY_ITEM)) {
    const id = Number(item.slice(LIBRARY_ITEM.length));
    const saved = libraryStore.getState().blocks?.find((b) => b.id === id);
    if (saved) insertLibraryBlock(saved, position);
    return;
  }
  s.addNode(item, position);
}

export const BLOCK_ITEM = "block:";
export const LIBRARY_ITEM = "library:";

/** A use of library block `saved` at `position`; refused when the graph has a different block of the same name. */
export function insertLibraryBlock(saved: LibraryBlock, position: Position): boolean {
  const s = store.getState();
  const wanted: Blocks = { ...(saved.uses as Blocks), [saved.name]: saved.block as BlockDef };
  const blocks = graphDocOf(s).blocks as Blocks | undefined;
  const clash = Object.keys(wanted).find((name) => blocks?.[name] && JSON.stringify(blocks[name]) !== JSON.stringify(wanted[name]));
  if (clash) {
    s.toast(`This graph already has a different block ${clash}; rename one of them first.`, "error");
    return false;
  }
  s.addBlockUse(saved.name, position, wanted);
  return true;
}

/**
 * Saves the block Block node `nodeId` uses to the library (`POST /api/blocks`), with the blocks it uses
 * and the input shapes of its first copy there, which the server compiles it with.
 */
export async function saveBlockToLibrary(nodeId: string): Promise<boolean> {
  const s = store.getState();
  const node = s.nodes.find((n) => n.id === nodeId);
  const name = node ? blockOf(node) : null;
  const blocks = (graphDocOf(s).blocks ?? {}) as Blocks;
  const def = name ? blocks[name] : undefined;
  if (!name || !def) return false;
  const top = toGraphDoc("", s.blockPath.length ? (s.parents[0] as Snapshot) : { nodes: s.nodes, edges: s.edges }).nodes;
  const at = `${firstUsePrefix(top, blocks, s.blockPath) ?? ""}${nodeId}/1/`;
  const answers = s.graphValidation?.value.nodes ?? {};
  const inputs = def.nodes.filter((n) => n.type === "Input").map((n) => answers[`${at}${n.id}`]?.shape ?? null);
  if (inputs.some((shape) => !shape)) {
    s.toast(`Fix ${nodeId}'s errors first: its input shapes are what the library checks the block with.`, "error");
    return false;
  }
  const { [name]: _self, ...uses } = blockClosure(name, blocks);
  try {
    const saved = await api.saveLibraryBlock({ name, block: def, uses, input_shapes: inputs as number[][] });
    libraryStore.getState().add(saved);
    store.getState().toast(`Saved block ${name} to your library`, "success");
    return true;
  } catch (e) {
    store.getState().toast(`Could not save ${name} to the library: ${reason(e)}`, "error");
    return false;
  }
}
