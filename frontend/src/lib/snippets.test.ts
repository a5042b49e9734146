import { describe, expect, it } from "vitest";
import { classNameFromModelPy, downloadUrl, snippetFor } from "@/lib/snippets";

const MODEL_PY = `"""Playground: exported by NetBuilder."""

import torch
from torch import nn


class Playground(nn.Module):
    def __init__(self):
        super().__init__()
`;

describe("snippets", () => {
  it("reads the class name from model.py", () => {
    expect(classNameFromModelPy(MODEL_PY)).toBe("Playground");
    expect(classNameFromModelPy("class Other(torch.nn.Module):\n")).toBe("Other");
    expect(classNameFromModelPy("x = 1")).toBeNull();
  });

  it("loads .pth strictly with weights_only into the exported class", () => {
    const s = snippetFor("pth", { className: "Playground", inputShape: [2], inputDtype: "float32", runId: 3 });
    expect(s).toContain("from model import Playground");
    expect(s).toContain('net.load_state_dict(torch.load("model.pth", weights_only=True))');
    expect(s).toContain("net.eval()");
    expect(s).toContain("torch.randn(1, 2)");
  });

  it("loads the best epoch's weights from model-best.pth, as model.pth", () => {
    const s = snippetFor("best_pth", { className: "Playground", inputShape: [2], inputDtype: "float32", runId: 3 });
    expect(s).toContain('net.load_state_dict(torch.load("model-best.pth", weights_only=True))');
  });

  it("uses safetensors, onnxruntime and the checkpoint's model entry", () => {
    const ctx = { className: "Net", inputShape: [1, 8, 8], inputDtype: "float32", runId: 7 };
    expect(snippetFor("safetensors", ctx)).toContain("from safetensors.torch import load_file");
    expect(snippetFor("onnx", ctx)).toContain('onnxruntime.InferenceSession("model.onnx")');
    expect(snippetFor("onnx", ctx)).toContain("np.random.randn(1, 1, 8, 8).astype(np.float32)");
    expect(snippetFor("checkpoint", ctx)).toContain('torch.load("checkpoint.pt", weights_only=True)');
    expect(snippetFor("checkpoint", ctx)).toContain('checkpoint["model"]');
    expect(snippetFor("zip", ctx)).toContain("run-7.zip");
  });

  it("feeds integer inputs (token ids) as integers", () => {
    const s = snippetFor("pth", { className: "Net", inputShape: [64], inputDtype: "int64", runId: 1 });
    expect(s).toContain("torch.zeros(1, 64, dtype=torch.int64)");
  });

  it("links the download endpoint", () => {
    expect(downloadUrl(4, "pth")).toBe("/api/runs/4/download?format=pth");
  });
});
