/** "How to load this" snippets for a run's downloads; each runs as written next to the downloaded files. */
import type { FileKind } from "@/lib/run-types";

export interface DownloadSpec {
  kind: FileKind | "zip";
  /** The `format=` of GET /api/runs/{id}/download. */
  format: string;
  filename: string;
  label: string;
}

export const DOWNLOADS: readonly DownloadSpec[] = [
  { kind: "pth", format: "pth", filename: "model.pth", label: "PyTorch weights (.pth)" },
  { kind: "best_pth", format: "best_pth", filename: "model-best.pth", label: "Best epoch's weights (.pth)" },
  { kind: "safetensors", format: "safetensors", filename: "model.safetensors", label: "safetensors" },
  { kind: "model_py", format: "py", filename: "model.py", label: "model.py" },
  { kind: "onnx", format: "onnx", filename: "model.onnx", label: "ONNX" },
  { kind: "checkpoint", format: "checkpoint", filename: "checkpoint.pt", label: "Full checkpoint" },
  { kind: "graph", format: "graph", filename: "graph.json", label: "Graph JSON" },
  { kind: "zip", format: "zip", filename: "run-ID.zip", label: "Everything (.zip)" },
];

export function downloadUrl(runId: number, format: string): string {
  return `/api/runs/${runId}/download?format=${encodeURIComponent(format)}`;
}

/** The class that model.py defines (`class Name(nn.Module):`), or null. */
export function classNameFromModelPy(source: string): string | null {
  const m = /^class\s+([A-Za-z_][A-Za-z0-9_]*)\s*\(\s*(?:torch\.)?nn\.Module\s*\)\s*:/m.exec(source);
  return m ? (m[1] as string) : null;
}

export interface SnippetContext {
  className: string;
  /** One sample's shape, without the batch dimension. */
  inputShape: number[] | null;
  /** The Input's dtype: float32 unless the graph says otherwise (int64 for token ids). */
  inputDtype: string;
  runId: number;
}

function exampleInput(ctx: SnippetContext, lib: "torch" | "numpy"): string {
  const shape = [1, ...(ctx.inputShape ?? [])].join(", ");
  const integer = ctx.inputDtype.startsWith("int");
  if (lib === "torch") return integer ? `torch.zeros(${shape}, dtype=torch.${ctx.inputDtype})` : `torch.randn(${shape})`;
  return integer ? `np.zeros((${shape}), dtype=np.${ctx.inputDtype})` : `np.random.randn(${shape}).astype(np.float32)`;
}

/** Python that loads `kind` (downloaded next to model.py) and runs one example through it. */
export function snippetFor(kind: DownloadSpec["kind"], ctx: SnippetContext): string {
  const C = ctx.className;
  const x = exampleInput(ctx, "torch");
  switch (kind) {
    case "pth":
    case "best_pth":
      return [
        "import torch",
        `from model import ${C}`,
        "",
        `net = ${C}()`,
        `net.load_state_dict(torch.load("${kind === "pth" ? "model.pth" : "model-best.pth"}", weights_only=True))`,
        "net.eval()",
        `print(net(${x}).shape)`,
      ].join("\n");
    case "safetensors":
      return [
        "import torch",
        "from safetensors.torch import load_file",
        `from model import ${C}`,
        "",
        `net = ${C}()`,
        'net.load_state_dict(load_file("model.safetensors"))',
        "net.eval()",
        `print(net(${x}).shape)`,
      ].join("\n");
    case "model_py":
      return ["import torch", `from model import ${C}`, "", `net = ${C}()  # freshly initialised weights`, `print(net(${x}).shape)`].join("\n");
    case "onnx":
      return [
        "import numpy as np",
        "import onnxruntime",
        "",
        'session = onnxruntime.InferenceSession("model.onnx")',
        `x = ${exampleInput(ctx, "numpy")}`,
        "(out,) = session.run(None, {session.get_inputs()[0].name: x})",
        "print(out.shape)",
      ].join("\n");
    case "checkpoint":
      return [
        "import torch",
        `from model import ${C}`,
        "",
        'checkpoint = torch.load("checkpoint.pt", weights_only=True)',
        `net = ${C}()`,
        'net.load_state_dict(checkpoint["model"])',
        'print(checkpoint["epoch"], checkpoint["step"])  # where training stopped; "optimizer" resumes it',
      ].join("\n");
    case "graph":
      return ["import json", "", 'graph = json.load(open("graph.json"))  # netbuilder.graph/1: import it in the builder', 'print(graph["name"], len(graph["nodes"]), "layers")'].join("\n");
    case "zip":
      return ["import zipfile", "", `zipfile.ZipFile("run-${ctx.runId}.zip").extractall(".")  # model.py, weights, ONNX, checkpoint, graph`].join("\n");
  }
}
