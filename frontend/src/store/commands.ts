/**
 * The builder's commands that talk to the server or the file system: save, open, templates,
 * import and export, torchvision models, expanding and weights files. They read and write the
 * store; components only call them.
 */
import { api, ApiError } from "@/lib/api";
import { clearDraft } from "@/lib/draft";
import { fromGraphDoc, GraphDocError, toGraphDoc, type LoadedGraph } from "@/lib/graph";
import { singleNodeGraph, type TorchvisionChoice } from "@/lib/pretrained";
import type { Architecture, GraphDoc, TorchvisionArch, ValidationResult, WeightsCheck } from "@/lib/types";
import { builderStore, selectIsDirty } from "@/store/builder-store";

const store = builderStore;

export function currentGraph(): GraphDoc {
  const s = store.getState();
  return toGraphDoc(s.name, { nodes: s.nodes, edges: s.edges }, s.extras);
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
