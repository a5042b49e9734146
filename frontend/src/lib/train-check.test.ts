import { describe, expect, it } from "vitest";
import { canonicalLoss, findMismatches } from "@/lib/train-check";
import { buildRunRequest, fallbackOptions, optionToSpec, parseObjectValues, setValues } from "@/lib/train-form";
import type { GraphDoc, ValidationResult } from "@/lib/types";

const graph = (shape: number[]): GraphDoc => ({ format: "netbuilder.graph/1", name: "g", nodes: [{ id: "x", type: "Input", params: { shape } }, { id: "out", type: "Output" }], edges: [] });
const valid = (out: number[]): ValidationResult => ({ ok: true, params: 0, trainable_params: 0, flops: 0, param_bytes: 0, output_shapes: [out], nodes: {}, errors: [] });
const spirals = { title: "Two spirals", task: "classification", input_shape: [2], classes: ["0", "1"] };
const diabetes = { title: "Diabetes", task: "regression", input_shape: [10], target_size: 1 };

describe("findMismatches", () => {
  it("finds nothing when the graph fits", () => {
    expect(findMismatches(graph([2]), valid([2]), spirals, null)).toEqual([]);
  });

  it("names the Input whose shape differs from the dataset's samples", () => {
    const [m] = findMismatches(graph([784]), valid([2]), spirals, null);
    expect(m).toMatchObject({ field: "dataset", node: "x" });
    expect(m?.message).toBe("The graph's input 'x' takes samples of shape (784), but 'Two spirals' gives (2)");
  });

  it("counts outputs against classes for cross-entropy and NLL", () => {
    expect(findMismatches(graph([2]), valid([10]), spirals, "CrossEntropyLoss")[0]?.message).toBe("CrossEntropyLoss needs 2 outputs for 2 classes; the model gives 10");
    expect(findMismatches(graph([2]), valid([3]), spirals, "nll")[0]?.message).toContain("NLLLoss needs 2 outputs");
    expect(findMismatches(graph([2]), valid([1]), spirals, "bce_with_logits")).toEqual([]);
  });

  it("refuses class losses on regression and checks the target size", () => {
    expect(findMismatches(graph([10]), valid([1]), diabetes, "cross_entropy")[0]?.message).toContain("regression dataset");
    expect(findMismatches(graph([10]), valid([3]), diabetes, null)[0]?.message).toBe("MSELoss needs 1 output for a target of size 1; the model gives 3");
  });

  it("says nothing about outputs while the graph has errors", () => {
    expect(findMismatches(graph([2]), { ...valid([10]), ok: false }, spirals, null)).toEqual([]);
  });

  it("reads the loss names the engine accepts", () => {
    expect(canonicalLoss("CrossEntropyLoss", "classification")).toBe("cross_entropy");
    expect(canonicalLoss("ce", "classification")).toBe("cross_entropy");
    expect(canonicalLoss(null, "regression")).toBe("mse");
    expect(canonicalLoss("HuberLoss", "regression")).toBe("huber");
  });
});

describe("train form", () => {
  it("turns options into fields with the dataset's defaults", () => {
    const spec = optionToSpec({ name: "lr", kind: "float", default: 0.001, min: 0, doc: "Learning rate" }, 0.01);
    expect(spec).toMatchObject({ name: "lr", kind: "float", default: 0.01, required: false });
    expect(optionToSpec({ name: "optimizer", kind: "str", default: "adam", choices: ["sgd", "adam"] }).kind).toBe("choice");
    expect(optionToSpec({ name: "device", kind: "str", default: "auto" }).kind).toBe("str");
  });

  it("falls back to the dataset's defaults as fields", () => {
    expect(fallbackOptions({ epochs: 10, lr: 0.01, optimizer: "adam" }).map((o) => [o.name, o.kind])).toEqual([
      ["epochs", "int"],
      ["lr", "float"],
      ["optimizer", "str"],
    ]);
  });

  it("sends a saved architecture by id and an unsaved graph as itself, with only the values set", () => {
    const g = graph([2]);
    expect(buildRunRequest({ graph: g, architecture: { id: 4, version: 2 } }, "spirals", { size: undefined }, { epochs: 3, lr: undefined }, " run ")).toEqual({
      architecture: 4,
      architecture_version: 2,
      dataset: "spirals",
      config: { epochs: 3 },
      name: "run",
    });
    expect(buildRunRequest({ graph: g, architecture: null }, "upload:3", { size: 600 }, {}, "")).toEqual({ graph: g, dataset: "upload:3", dataset_options: { size: 600 } });
    expect(setValues({ a: null, b: undefined })).toEqual({ a: null });
  });

  it("reads JSON-valued options as JSON when they parse, as text otherwise", () => {
    const options = [{ name: "augment", kind: "object" }, { name: "normalize", kind: "object" }, { name: "device", kind: "choice" }];
    expect(parseObjectValues({ augment: '{"flip": true}', normalize: "imagenet", device: "cpu" }, options)).toEqual({ augment: { flip: true }, normalize: "imagenet", device: "cpu" });
  });
});
