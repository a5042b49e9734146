import { describe, expect, it } from "vitest";
import { fromGraphDoc } from "@/lib/graph";
import { paramsWithClasses, parseLrMult, shapeWeightsReport, singleNodeGraph } from "@/lib/pretrained";
import type { TorchvisionArch, WeightsCheck } from "@/lib/types";

function check(overrides: Partial<WeightsCheck> = {}): WeightsCheck {
  return { file: "mlp.pth", tensors: 4, matched: [], renamed: {}, missing: [], unexpected: [], mismatched: [], ok: true, ...overrides };
}

describe("learning-rate multiplier", () => {
  it("reads numbers above 0 up to 1000, and a blank field as the default 1", () => {
    expect(parseLrMult("0.1")).toEqual({ ok: true, value: 0.1 });
    expect(parseLrMult(" 1e-2 ")).toEqual({ ok: true, value: 0.01 });
    expect(parseLrMult("")).toEqual({ ok: true, value: 1 });
    expect(parseLrMult("1000")).toEqual({ ok: true, value: 1000 });
  });

  it("refuses zero, negatives, too much and words with the reason", () => {
    expect(parseLrMult("0")).toEqual({ ok: false, error: "Must be more than 0." });
    expect(parseLrMult("-2")).toEqual({ ok: false, error: "Must be more than 0." });
    expect(parseLrMult("1001")).toEqual({ ok: false, error: "Must be at most 1000." });
    expect(parseLrMult("fast")).toEqual({ ok: false, error: "Enter a number." });
  });
});

describe("weights report", () => {
  it("says every tensor matches, and shows renamed keys with where they came from", () => {
    const view = shapeWeightsReport(
      check({ matched: ["layer1_0_conv1.weight", "fc.bias"], renamed: { "layer1.0.conv1.weight": "layer1_0_conv1.weight" }, tensors: 2 }),
    );
    expect(view.ok).toBe(true);
    expect(view.headline).toBe("All 2 tensors match (1 by renamed keys).");
    expect(view.sections).toEqual([
      { kind: "matched", label: "Matched", count: 2, rows: ["layer1_0_conv1.weight ← layer1.0.conv1.weight", "fc.bias"], problem: false },
    ]);
  });

  it("lists problems first with counts, shapes for mis-shaped keys, and leaves out empty sections", () => {
    const view = shapeWeightsReport(
      check({
        ok: false,
        matched: ["fc1.weight", "fc1.bias", "fc2.bias"],
        mismatched: [{ key: "fc2.weight", expected: [10, 128], got: [5, 128] }],
        unexpected: ["head.weight", "head.bias"],
      }),
    );
    expect(view.ok).toBe(false);
    expect(view.headline).toBe("These weights don't fit: 1 mis-shaped, 2 not in the graph; 3 matched.");
    expect(view.sections.map((s) => [s.kind, s.count, s.problem])).toEqual([
      ["mismatched", 1, true],
      ["unexpected", 2, true],
      ["matched", 3, false],
    ]);
    expect(view.sections[0]?.rows).toEqual(["fc2.weight: expected (10, 128), got (5, 128)"]);
  });

  it("counts missing keys as a problem", () => {
    const view = shapeWeightsReport(check({ ok: false, matched: ["fc1.weight"], missing: ["fc1.bias"] }));
    expect(view.headline).toBe("These weights don't fit: 1 missing from the file; 1 matched.");
    expect(view.sections[0]).toMatchObject({ kind: "missing", rows: ["fc1.bias"] });
  });
});

const resnet18: TorchvisionArch = {
  arch: "resnet18",
  params: 11689512,
  gflops: 1.81,
  head: { module: "fc", in_features: 512, out_features: 1000 },
  weights: { file: "resnet18-f37072fd.pth", path: "/w/hub/checkpoints/resnet18-f37072fd.pth", available: false },
  input: { min_size: 32, fixed_size: null },
  expandable: true,
  expand_problem: null,
};

describe("torchvision", () => {
  it("counts parameters with a head for another number of classes", () => {
    expect(paramsWithClasses(resnet18, null)).toBe(11689512);
    expect(paramsWithClasses(resnet18, 1000)).toBe(11689512);
    // 513,000 head parameters become 512 * 10 + 10.
    expect(paramsWithClasses(resnet18, 10)).toBe(11181642);
  });

  it("builds Input → TorchvisionModel → Output that the editor loads", () => {
    const doc = singleNodeGraph({ arch: "vit_b_16", numClasses: 10, imageSize: 224, pretrained: true });
    expect(doc.nodes[1]).toEqual({
      id: "net",
      type: "TorchvisionModel",
      params: { arch: "vit_b_16", weights: "default", head: "replace", num_classes: 10 },
    });
    expect(doc.nodes[0]?.params).toEqual({ shape: [3, 224, 224] });
    const loaded = fromGraphDoc(doc);
    expect(loaded.edges.map((e) => `${e.source}->${e.target}`)).toEqual(["x->net", "net->y"]);
    expect(singleNodeGraph({ arch: "resnet18", numClasses: null, imageSize: 64, pretrained: false }).nodes[1]?.params).toEqual({
      arch: "resnet18",
      weights: "none",
      head: "keep",
    });
  });
});
