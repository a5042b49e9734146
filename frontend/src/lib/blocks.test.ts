import { describe, expect, it } from "vitest";
import {
  blockClosure, blockInputCount, declaredParamSpecs, firstUsePrefix, isUsed, nextBlockName, paramRef, paramUses, promoteToParam, readBlocks,
  validationInside, withoutUseValue,
} from "@/lib/blocks";
import type { GraphDocNode, ValidationResult } from "@/lib/types";

const leaf = { nodes: [{ id: "x", type: "Input" }, { id: "y", type: "Output" }], edges: [{ source: "x", target: "y" }] };
const outer = {
  params: { channels: { kind: "int" as const, default: 64, min: 1 } },
  nodes: [{ id: "x", type: "Input" }, { id: "inner", type: "Block", params: { block: "Leaf" } }, { id: "y", type: "Output" }],
  edges: [],
};
const blocks = { Outer: outer, Leaf: leaf, Other: leaf };

describe("blocks", () => {
  it("finds the copy a nested block canvas shows: its first use's first copy at every level", () => {
    const top = [{ id: "x", type: "Input" }, { id: "s1", type: "Block", params: { block: "Outer" } }, { id: "s2", type: "Block", params: { block: "Outer" } }];
    expect(firstUsePrefix(top, blocks, ["Outer"])).toBe("s1/1/");
    expect(firstUsePrefix(top, blocks, ["Outer", "Leaf"])).toBe("s1/1/inner/1/");
    expect(firstUsePrefix(top, blocks, ["Other"])).toBeNull();
  });

  it("answers the validation inside a copy by inner id, its errors on their inner node without the path", () => {
    const result = {
      ok: false, params: 9, flops: 0, output_shapes: [],
      nodes: { s1: { shape: [2], shapes: [[2]], params: 9, flops: 0 }, "s1/1/x": { shape: [4], shapes: [[4]], params: 0, flops: 0 }, "s1/1/inner/1/x": { shape: [4], shapes: [[4]], params: 0, flops: 0 } },
      errors: [
        { node: "s1", field: "repeat", message: "repeat 2 chains…" },
        { node: "s1", field: "kernel_size", path: "s1/1/inner/1/c", message: "s1/1/inner/1/c: kernel_size must be at least 1" },
      ],
      warnings: [],
    } as unknown as ValidationResult;
    const inside = validationInside(result, "s1/1/");
    expect(Object.keys(inside.nodes)).toEqual(["x"]);
    expect(inside.errors).toEqual([{ node: "inner", field: "kernel_size", path: "s1/1/inner/1/c", message: "kernel_size must be at least 1" }]);
    expect(inside.params).toBe(9);
  });

  it("copies a block with the blocks it uses, each once", () => {
    expect(Object.keys(blockClosure("Outer", blocks))).toEqual(["Outer", "Leaf"]);
    expect(isUsed("Leaf", [], blocks)).toBe(true);
    expect(isUsed("Other", [], blocks)).toBe(false);
  });

  it("reads only well-formed definitions, declares parameters as form fields and suggests free names", () => {
    expect(Object.keys(readBlocks({ Outer: outer, Bad: { nodes: 3 }, Worse: null }))).toEqual(["Outer"]);
    expect(readBlocks([leaf])).toEqual({});
    expect(declaredParamSpecs(outer)).toEqual([{ name: "channels", kind: "int", default: 64, min: 1, required: false }]);
    expect(nextBlockName(["Block1", "Block2"])).toBe("Block3");
  });

  it("counts a Block node's inputs: its block's Input nodes", () => {
    const two = { nodes: [{ id: "a", type: "Input" }, { id: "b", type: "Input" }, { id: "add", type: "Add" }, { id: "y", type: "Output" }], edges: [] };
    expect(blockInputCount({ Two: two, Leaf: leaf }, "Two")).toBe(2);
    expect(blockInputCount({ Two: two, Leaf: leaf }, "Leaf")).toBe(1);
    expect(blockInputCount({ Leaf: leaf }, "Nope")).toBeNull();
    expect(blockInputCount({ Leaf: leaf }, 3)).toBeNull();
  });

  it("reads a `$name` as a reference to a block parameter, and finds the fields that read one (in lists too)", () => {
    expect([paramRef("$channels"), paramRef("$"), paramRef("same"), paramRef(3)]).toEqual(["channels", null, null, null]);
    const nodes: GraphDocNode[] = [{ id: "c1", type: "Conv2d", params: { out_channels: "$ch", kernel_size: ["$k", "$k"] } }, { id: "c2", type: "Conv2d", params: { out_channels: "$ch" } }];
    expect(paramUses(nodes, "ch")).toEqual(["c1.out_channels", "c2.out_channels"]);
    expect(paramUses(nodes, "k")).toEqual(["c1.kernel_size"]);
  });

  it("declares a promoted field with its kind, bounds, choices and nullability, its value as the default", () => {
    const spec = { name: "mode", kind: "choice" as const, default: "nearest", choices: ["nearest", "bilinear"], doc: "How." };
    expect(promoteToParam(outer, spec, undefined)).toEqual({
      name: "mode", def: { ...outer, params: { ...outer.params, mode: { kind: "choice", default: "nearest", choices: ["nearest", "bilinear"], doc: "How." } } },
    });
    // A required field with no value gives a declaration without a default: each use must set it.
    const promoted = promoteToParam(outer, { name: "channels", kind: "int", required: true, default: null, min: 1 }, undefined);
    expect(promoted.name).toBe("channels_2");
    expect(promoted.def.params?.channels_2).toEqual({ kind: "int", min: 1 });
  });

  it("takes a parameter's value off a use of that block only", () => {
    const params = { block: "Dense", repeat: 2, width: 4 };
    expect(withoutUseValue("Block", params, "Dense", "width")).toEqual({ block: "Dense", repeat: 2 });
    expect(withoutUseValue("Block", params, "Other", "width")).toBe(params);
    expect(withoutUseValue("Linear", params, "Dense", "width")).toBe(params);
  });
});
