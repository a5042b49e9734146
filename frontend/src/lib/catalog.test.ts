import { describe, expect, it } from "vitest";
import { controlFor, formatParam, initialParams, keyParams, localParamErrors, paletteGroups, parseParam, placeholderFor, searchLayers } from "@/lib/catalog";
import type { ParamSpec, ParamValue } from "@/lib/types";
import { catalog } from "@/test/fixtures";

const layer = (type: string) => catalog.layers.find((l) => l.type === type)!;
const param = (type: string, name: string): ParamSpec => layer(type).params.find((p) => p.name === name)!;

describe("controls from parameter kinds", () => {
  it("maps each kind to its control", () => {
    const kinds: [ParamSpec["kind"], string][] = [
      ["int", "number"],
      ["float", "number"],
      ["bool", "checkbox"],
      ["choice", "select"],
      ["ints", "tuple"],
      ["int_or_ints", "tuple"],
      ["shape", "tuple"],
      ["floats", "tuple"],
    ];
    for (const [kind, control] of kinds) expect(controlFor({ name: "p", kind })).toBe(control);
  });
});

describe("parsing what the user types", () => {
  it("checks integer bounds", () => {
    const out = param("Linear", "out_features");
    expect(parseParam(out, "128")).toEqual({ ok: true, value: 128 });
    expect(parseParam(out, "0")).toEqual({ ok: false, error: "Must be at least 1.", value: 0 });
    expect(parseParam(out, "2000000")).toEqual({ ok: false, error: "Must be at most 1048576.", value: 2000000 });
    expect(parseParam(out, "1.5")).toEqual({ ok: false, error: "Enter a whole number." });
    expect(parseParam(out, "abc")).toEqual({ ok: false, error: "Enter a whole number." });
  });

  it("requires required fields and leaves optional ones unset", () => {
    expect(parseParam(param("Linear", "out_features"), "  ")).toEqual({ ok: false, error: "Required." });
    expect(parseParam(param("Linear", "in_features"), "")).toEqual({ ok: true, value: undefined });
  });

  it("checks float bounds", () => {
    const p = param("Dropout", "p");
    expect(parseParam(p, "0.25")).toEqual({ ok: true, value: 0.25 });
    expect(parseParam(p, "1e-1")).toEqual({ ok: true, value: 0.1 });
    expect(parseParam(p, "1.5")).toEqual({ ok: false, error: "Must be at most 1.", value: 1.5 });
  });

  it("keeps a strict published bound strict (lr > 0, momentum < 1)", () => {
    const lr = { name: "lr", kind: "float", min: 0, min_exclusive: true, max: 10 } as const;
    const momentum = { name: "momentum", kind: "float", min: 0, max: 1, max_exclusive: true } as const;
    expect(parseParam(lr, "0")).toEqual({ ok: false, error: "Must be greater than 0.", value: 0 });
    expect(parseParam(lr, "0.001")).toEqual({ ok: true, value: 0.001 });
    expect(parseParam(momentum, "1")).toEqual({ ok: false, error: "Must be less than 1.", value: 1 });
    expect(parseParam(momentum, "0")).toEqual({ ok: true, value: 0 });
  });

  it("takes a choice, or a value the option's pattern admits (cuda:1)", () => {
    const device: ParamSpec = { name: "device", kind: "choice", choices: ["auto", "cpu", "cuda", "mps"], pattern: "cuda:\\d+" };
    expect(parseParam(device, "cuda:1")).toEqual({ ok: true, value: "cuda:1" });
    expect(parseParam(device, "tpu")).toEqual({ ok: false, error: "Choose one of auto, cpu, cuda, mps." });
  });

  it("accepts one int or a tuple of the right length", () => {
    const k = param("Conv2d", "kernel_size");
    expect(parseParam(k, "3")).toEqual({ ok: true, value: 3 });
    expect(parseParam(k, "3, 5")).toEqual({ ok: true, value: [3, 5] });
    expect(parseParam(k, "(3, 5)")).toEqual({ ok: true, value: [3, 5] });
    expect(parseParam(k, "3,5,7")).toEqual({ ok: false, error: "Enter 2 values or a single one." });
    expect(parseParam(k, "3, 0")).toEqual({ ok: false, error: "Must be at least 1.", value: [3, 0] });
  });

  it("reads shapes with one -1 at most", () => {
    const s = param("Input", "shape");
    expect(parseParam(s, "1, 28, 28")).toEqual({ ok: true, value: [1, 28, 28] });
    expect(parseParam(s, "3x32x32")).toEqual({ ok: true, value: [3, 32, 32] });
    expect(parseParam(s, "-1, 784")).toEqual({ ok: true, value: [-1, 784] });
    expect(parseParam(s, "-1, -1")).toEqual({ ok: false, error: "Only one size can be -1." });
    expect(parseParam(s, "0, 3")).toMatchObject({ ok: false });
  });

  it("only accepts listed choices", () => {
    const c = param("Conv2d", "padding_mode");
    expect(parseParam(c, "reflect")).toEqual({ ok: true, value: "reflect" });
    expect(parseParam(c, "mirror")).toMatchObject({ ok: false, error: expect.stringContaining("zeros, reflect") });
  });

  it("turns None into null only for nullable params", () => {
    expect(parseParam({ name: "n", kind: "int", nullable: true }, "None")).toEqual({ ok: true, value: null });
    expect(parseParam({ name: "n", kind: "int" }, "None")).toMatchObject({ ok: false });
  });

  it("formats values back into the text that parses to them", () => {
    expect(formatParam([3, 5])).toBe("3, 5");
    expect(formatParam(null)).toBe("None");
    expect(formatParam(undefined)).toBe("");
    expect(parseParam(param("Conv2d", "kernel_size"), formatParam([3, 5]))).toEqual({ ok: true, value: [3, 5] });
  });

  it("shows a Constant's nested list as the JSON its field sends back", () => {
    const nested = [[1, 0], [0, 1]] as unknown as ParamValue;
    expect(formatParam(nested)).toBe("[[1,0],[0,1]]");
    expect(formatParam({ mean: [0.5] } as unknown as ParamValue)).toBe('{"mean":[0.5]}');
    expect(parseParam({ name: "value", kind: "object", required: true }, formatParam(nested))).toEqual({ ok: true, value: "[[1,0],[0,1]]" });
  });

  it("says what an empty field means", () => {
    expect(placeholderFor(param("Linear", "in_features"))).toBe("inferred");
    expect(placeholderFor(param("Linear", "out_features"))).toBe("required");
    expect(placeholderFor(param("Dropout", "p"))).toBe("default 0.5");
  });
});

describe("whole-node checks", () => {
  it("lists missing and out-of-bounds params per field", () => {
    expect(localParamErrors(layer("Linear"), {})).toEqual({ out_features: "Required." });
    expect(localParamErrors(layer("Linear"), { out_features: 0 })).toEqual({ out_features: "Must be at least 1." });
    expect(localParamErrors(layer("Linear"), { out_features: 10, bias: false })).toEqual({});
  });

  it("starts required params at their catalog default", () => {
    expect(initialParams(layer("Input"))).toEqual({ shape: [784] });
    expect(initialParams(layer("Linear"))).toEqual({});
    expect(initialParams(layer("Conv2d"))).toEqual({ kernel_size: 3 });
  });

  it("summarises set params in catalog order", () => {
    expect(keyParams(layer("Conv2d"), { padding_mode: "reflect", out_channels: 16, kernel_size: [3, 3] })).toEqual([
      "out_channels=16",
      "kernel_size=3, 3",
      "padding_mode=reflect",
    ]);
  });
});

describe("palette", () => {
  it("groups layers in the catalog's category order", () => {
    expect(paletteGroups(catalog, "").map((g) => g.category)).toEqual(["Input/Output", "Core", "Convolution", "Activation", "Merge", "Shape"]);
  });

  it("searches type, category and doc, best match first", () => {
    const groups = paletteGroups(catalog, "lin");
    expect(groups.flatMap((g) => g.layers.map((l) => l.type))).toEqual(["Linear", "Bilinear"]);
    expect(paletteGroups(catalog, "merge").flatMap((g) => g.layers.map((l) => l.type))).toEqual(["Add", "Bilinear"]);
    expect(paletteGroups(catalog, "convolution")[0]?.layers[0]?.type).toBe("Conv2d");
    expect(searchLayers(catalog, "relu")[0]?.type).toBe("ReLU");
  });
});
