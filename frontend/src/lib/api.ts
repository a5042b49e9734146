/**
 * The JSON API (docs/api.md) as typed functions. Requests carry the session cookie and, when they
 * change state, the CSRF token; a 401/403 sends the browser to the login page.
 */
import type { DatasetList, DatasetPreview, RunDetail, RunPictures, RunPlan, RunRequest, RunSummary, StreamMessage, TrainingOption, UploadedDataset } from "@/lib/run-types";
import type { SweepDetail, SweepPlan, SweepRequest, SweepSummary } from "@/lib/sweep-types";
import type {
  Architecture,
  ArchitectureSummary,
  Catalog,
  GraphDoc,
  GraphError,
  ImportedGraph,
  Me,
  Schemas,
  Template,
  TorchvisionArch,
  ValidationResult,
  WeightsCheck,
  WeightsFile,
} from "@/lib/types";
import type { RunWeights } from "@/lib/weights";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors: GraphError[] = [],
  ) {
    super(message);
  }
}

export function readCookie(name: string, cookies: string = document.cookie): string | null {
  for (const part of cookies.split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) return decodeURIComponent(v.join("="));
  }
  return null;
}

export function loginUrl(next: string): string {
  return `/accounts/login/?next=${encodeURIComponent(next)}`;
}

function redirectToLogin(): void {
  window.location.assign(loginUrl(window.location.pathname + window.location.search));
}

interface RequestOptions {
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  body?: unknown;
  signal?: AbortSignal;
  accept?: "json" | "text";
}

async function request<T>(path: string, { method = "GET", body, signal, accept = "json" }: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: accept === "json" ? "application/json" : "*/*" };
  const form = body instanceof FormData;
  // A multipart body sets its own Content-Type (with the boundary).
  if (body !== undefined && !form) headers["Content-Type"] = "application/json";
  if (method !== "GET") headers["X-CSRFToken"] = readCookie("csrftoken") ?? "";
  const res = await fetch(path, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined ? undefined : form ? body : JSON.stringify(body),
    signal,
  });
  if (res.status === 401 || res.status === 403) {
    redirectToLogin();
    throw new ApiError(res.status, "Please log in.");
  }
  if (!res.ok) {
    let detail = `${res.status} ${res.statusText}`;
    let errors: GraphError[] = [];
    try {
      const data = (await res.json()) as { detail?: unknown; errors?: GraphError[] };
      if (typeof data.detail === "string") detail = data.detail;
      if (Array.isArray(data.errors)) errors = data.errors;
    } catch {
      // Not JSON (a proxy's error page); the status line is the best message we have.
    }
    throw new ApiError(res.status, detail, errors);
  }
  if (res.status === 204) return undefined as T;
  return (accept === "json" ? res.json() : res.text()) as Promise<T>;
}

export const api = {
  me: () => request<Me>("/api/me"),
  layers: () => request<Catalog>("/api/layers"),
  templates: () => request<Template[]>("/api/templates"),
  validate: (graph: GraphDoc, signal?: AbortSignal) =>
    request<ValidationResult>("/api/graphs/validate", { method: "POST", body: graph, signal }),
  exportPython: (graph: GraphDoc) =>
    request<string>("/api/graphs/export", { method: "POST", body: { graph, format: "py" }, accept: "text" }),
  architectures: () => request<ArchitectureSummary[]>("/api/architectures"),
  architecture: (id: number) => request<Architecture>(`/api/architectures/${id}`),
  createArchitecture: (name: string, graph: GraphDoc) =>
    request<Architecture>("/api/architectures", { method: "POST", body: { name, graph } }),
  updateArchitecture: (id: number, change: { name?: string; graph?: GraphDoc }) =>
    request<Architecture>(`/api/architectures/${id}`, { method: "PUT", body: change }),
  duplicateArchitecture: (id: number, name?: string) =>
    request<Architecture>(`/api/architectures/${id}/duplicate`, { method: "POST", body: name ? { name } : {} }),
  deleteArchitecture: (id: number) => request<void>(`/api/architectures/${id}`, { method: "DELETE" }),

  datasets: () => request<DatasetList>("/api/datasets"),
  /** One dataset sample through the graph: every node's output (Probe mode). */
  probe: (body: Schemas["ProbeIn"], signal?: AbortSignal) =>
    request<Schemas["ProbeOut"]>("/api/graphs/probe", { method: "POST", body, signal }),
  datasetPreview: (name: string, options: Record<string, unknown> = {}, signal?: AbortSignal) =>
    request<DatasetPreview>(`/api/datasets/builtin/${encodeURIComponent(name)}/preview?options=${encodeURIComponent(JSON.stringify(options))}`, { signal }),
  upload: (id: number) => request<UploadedDataset>(`/api/datasets/uploads/${id}`),
  /** Multipart: `file`, and `name`, `kind`, `options` (a JSON string) when given. */
  uploadDataset: (form: FormData) => request<UploadedDataset>("/api/datasets/uploads", { method: "POST", body: form }),
  deleteUpload: (id: number) => request<void>(`/api/datasets/uploads/${id}`, { method: "DELETE" }),
  trainingOptions: () => request<{ fields: TrainingOption[] }>("/api/training/options"),

  runs: (filter: { status?: string; architecture?: number } = {}) => {
    const q = new URLSearchParams();
    if (filter.status) q.set("status", filter.status);
    if (filter.architecture !== undefined) q.set("architecture", String(filter.architecture));
    const qs = q.toString();
    return request<RunSummary[]>(`/api/runs${qs ? `?${qs}` : ""}`);
  },
  run: (id: number) => request<RunDetail>(`/api/runs/${id}`),
  createRun: (body: RunRequest) => request<RunDetail>("/api/runs", { method: "POST", body }),
  checkRun: (body: RunRequest, signal?: AbortSignal) => request<RunPlan>("/api/runs/check", { method: "POST", body, signal }),
  stopRun: (id: number) => request<RunDetail>(`/api/runs/${id}/stop`, { method: "POST" }),
  deleteRun: (id: number) => request<void>(`/api/runs/${id}`, { method: "DELETE" }),
  /** Queue control (queued runs only; 409 otherwise): keep it from being taken, let it go, move it. */
  holdRun: (id: number) => request<RunDetail>(`/api/runs/${id}/hold`, { method: "POST" }),
  releaseRun: (id: number) => request<RunDetail>(`/api/runs/${id}/release`, { method: "POST" }),
  setRunPriority: (id: number, priority: number) => request<RunDetail>(`/api/runs/${id}`, { method: "PATCH", body: { priority } }),
  /** A new queued run that trains `epochs` more from the run's last checkpoint, with `config`'s changes. */
  continueRun: (id: number, body: { epochs: number; config?: Record<string, unknown> }) =>
    request<RunDetail>(`/api/runs/${id}/continue`, { method: "POST", body }),

  sweeps: () => request<SweepSummary[]>("/api/sweeps"),
  sweep: (id: number) => request<SweepDetail>(`/api/sweeps/${id}`),
  createSweep: (body: SweepRequest) => request<SweepSummary>("/api/sweeps", { method: "POST", body }),
  checkSweep: (body: SweepRequest, signal?: AbortSignal) => request<SweepPlan>("/api/sweeps/check", { method: "POST", body, signal }),
  stopSweep: (id: number) => request<SweepSummary>(`/api/sweeps/${id}/stop`, { method: "POST" }),
  deleteSweep: (id: number) => request<void>(`/api/sweeps/${id}`, { method: "DELETE" }),
  runEvents: (id: number, after?: number) =>
    request<{ id: number; status: string; events: StreamMessage[] }>(`/api/runs/${id}/metrics${after !== undefined ? `?after=${after}` : ""}`),
  runModelPy: (id: number) => request<string>(`/api/runs/${id}/download?format=py`, { accept: "text" }),
  runWeights: (id: number, signal?: AbortSignal) => request<RunWeights>(`/api/runs/${id}/weights`, { signal }),
  /** The last stored epoch's unit pictures, feature maps and health. */
  runPictures: (id: number, signal?: AbortSignal) => request<RunPictures>(`/api/runs/${id}/pictures`, { signal }),

  torchvision: () => request<TorchvisionArch[]>("/api/torchvision"),
  /** A whole torchvision architecture as an editable graph; `numClasses` replaces its head. */
  torchvisionGraph: (arch: string, opts: { numClasses?: number; imageSize?: number } = {}) => {
    const q = new URLSearchParams();
    if (opts.numClasses !== undefined) q.set("num_classes", String(opts.numClasses));
    if (opts.imageSize !== undefined) q.set("image_size", String(opts.imageSize));
    const qs = q.toString();
    return request<GraphDoc>(`/api/torchvision/${encodeURIComponent(arch)}/graph${qs ? `?${qs}` : ""}`, { method: "POST" });
  },
  /** The graph with `nodes` turned into block `name`, used once by a Block node in their place. */
  makeBlock: (graph: GraphDoc, nodes: string[], name: string) =>
    request<{ graph: GraphDoc }>("/api/graphs/make-block", { method: "POST", body: { graph, nodes, name } }),
  /** The graph with Block node `node` written out as its copies' layers. */
  ungroup: (graph: GraphDoc, node: string) => request<{ graph: GraphDoc }>("/api/graphs/ungroup", { method: "POST", body: { graph, node } }),
  libraryBlocks: () => request<Schemas["LibraryBlockOut"][]>("/api/blocks"),
  saveLibraryBlock: (body: Schemas["LibraryBlockIn"]) => request<Schemas["LibraryBlockOut"]>("/api/blocks", { method: "POST", body }),
  deleteLibraryBlock: (id: number) => request<void>(`/api/blocks/${id}`, { method: "DELETE" }),
  /** The graph with TorchvisionModel node `node` replaced by its layers. */
  expandNode: (graph: GraphDoc, node: string) => request<GraphDoc>("/api/graphs/expand", { method: "POST", body: { graph, node } }),
  importGraph: (file: Blob, filename: string) => {
    const form = new FormData();
    form.append("file", file, filename);
    return request<ImportedGraph>("/api/graphs/import", { method: "POST", body: form });
  },
  /** What loading a .pth/.safetensors file into `graph` would do; nothing is kept. */
  checkWeights: (file: Blob, filename: string, graph: GraphDoc) => {
    const form = new FormData();
    form.append("file", file, filename);
    form.append("graph", JSON.stringify(graph));
    return request<WeightsCheck>("/api/weights/check", { method: "POST", body: form });
  },
  /** Keeps a weights file for runs to start from (`init_weights`); with `graph`, answers its report too. */
  uploadWeights: (file: Blob, filename: string, opts: { graph?: GraphDoc; name?: string } = {}) => {
    const form = new FormData();
    form.append("file", file, filename);
    if (opts.graph) form.append("graph", JSON.stringify(opts.graph));
    if (opts.name) form.append("name", opts.name);
    return request<WeightsFile>("/api/weights", { method: "POST", body: form });
  },
  weightsFiles: () => request<WeightsFile[]>("/api/weights"),
  deleteWeights: (id: number) => request<void>(`/api/weights/${id}`, { method: "DELETE" }),
};

/** The websocket URL of a path on this server (ws: or wss: as the page). */
export function wsUrl(path: string, loc: Pick<Location, "protocol" | "host"> = window.location): string {
  return `${loc.protocol === "https:" ? "wss:" : "ws:"}//${loc.host}${path}`;
}
