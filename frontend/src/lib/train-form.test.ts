import { describe, expect, it } from "vitest";
import type { BuiltinDataset } from "@/lib/run-types";
import { configSpecs, groupBuiltins } from "@/lib/train-form";

const dataset = (name: string, input_shape: number[], task = "classification") => ({ name, input_shape, task }) as BuiltinDataset;

describe("the Train dialog's form", () => {
  it("groups the datasets, each in the first group it fits, leaving empty groups out", () => {
    const groups = groupBuiltins([dataset("moons", [2]), dataset("iris", [4]), dataset("digits", [1, 8, 8]), dataset("line", [2], "regression")]);
    expect(groups.map((g) => [g.title, g.items.map((d) => d.name)])).toEqual([
      ["2-D (draws a decision boundary)", ["moons"]],
      ["Images", ["digits"]],
      ["Tabular and synthetic", ["iris", "line"]],
    ]);
  });

  it("takes the dataset's defaults into the server's options, or makes fields of them without a list", () => {
    const specs = configSpecs([{ name: "lr", kind: "float", default: 0.001 }, { name: "epochs", kind: "int", default: 10 }], false, { lr: 0.01 });
    expect(specs.map((s) => [s.name, s.default])).toEqual([
      ["lr", 0.01],
      ["epochs", 10],
    ]);
    expect(configSpecs(null, false, { lr: 0.01 })).toEqual([]);
    expect(configSpecs(null, true, { lr: 0.01, epochs: 5 }).map((s) => [s.name, s.kind])).toEqual([
      ["lr", "float"],
      ["epochs", "int"],
    ]);
  });
});
