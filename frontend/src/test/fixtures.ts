import type { Catalog, ValidationResult } from "@/lib/types";

/** A small catalog in the server's format, enough to exercise every control and port rule. */
export const catalog: Catalog = {
  format: "netbuilder.catalog/1",
  categories: ["Input/Output", "Core", "Convolution", "Activation", "Merge", "Shape"],
  layers: [
    {
      type: "Input",
      category: "Input/Output",
      doc: "The network's input.",
      inputs: { min: 0, max: 0 },
      outputs: 1, shareable: false, ties_to: null,
      params: [{ name: "shape", kind: "shape", required: true, default: [784], doc: "Sample shape." }],
    },
    { type: "Output", category: "Input/Output", doc: "A network output.", inputs: { min: 1, max: 1 }, outputs: 0, shareable: false, ties_to: null, params: [] },
    {
      type: "Linear",
      category: "Core",
      doc: "Fully connected layer: y = x Wᵀ + b.",
      inputs: { min: 1, max: 1 },
      outputs: 1, shareable: true, ties_to: "Embedding",
      params: [
        { name: "in_features", kind: "int", required: false, inferred: true, default: null, min: 1, max: 1048576, doc: "Inferred." },
        { name: "out_features", kind: "int", required: true, default: null, min: 1, max: 1048576, doc: "Output size." },
        { name: "bias", kind: "bool", required: false, default: true, doc: "Add a bias." },
      ],
    },
    {
      type: "Conv2d",
      category: "Convolution",
      doc: "2-D convolution.",
      inputs: { min: 1, max: 1 },
      outputs: 1, shareable: true, ties_to: null,
      params: [
        { name: "out_channels", kind: "int", required: true, default: null, min: 1, max: 65536 },
        { name: "kernel_size", kind: "int_or_ints", required: true, default: 3, min: 1, max: 64, length: 2 },
        { name: "padding_mode", kind: "choice", required: false, default: "zeros", choices: ["zeros", "reflect", "replicate", "circular"] },
      ],
    },
    {
      type: "Dropout",
      category: "Core",
      doc: "Randomly zeroes elements.",
      inputs: { min: 1, max: 1 },
      outputs: 1, shareable: true, ties_to: null,
      params: [{ name: "p", kind: "float", required: false, default: 0.5, min: 0, max: 1 }],
    },
    { type: "ReLU", category: "Activation", doc: "max(0, x).", inputs: { min: 1, max: 1 }, outputs: 1, shareable: true, ties_to: null, params: [] },
    { type: "Add", category: "Merge", doc: "Elementwise sum of its inputs.", inputs: { min: 2, max: null }, outputs: 1, shareable: false, ties_to: null, params: [] },
    { type: "Bilinear", category: "Merge", doc: "Bilinear map of two inputs.", inputs: { min: 2, max: 2, names: ["x1", "x2"] }, outputs: 1, shareable: true, ties_to: null, params: [] },
    {
      type: "Split",
      category: "Shape",
      doc: "Splits a tensor into chunks.",
      inputs: { min: 1, max: 1 },
      outputs: 2, shareable: false, ties_to: null,
      params: [{ name: "sizes", kind: "ints", required: true, default: null, length: null, min: 1 }],
    },
  ],
};

export function validation(overrides: Partial<ValidationResult> = {}): ValidationResult {
  return {
    ok: true,
    params: 0,
    trainable_params: 0,
    flops: 0,
    param_bytes: 0,
    output_shapes: {},
    nodes: {},
    errors: [],
    warnings: [],
    ...overrides,
  };
}
