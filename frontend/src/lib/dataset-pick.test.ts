import { describe, expect, it } from "vitest";
import { pickDataset } from "@/lib/dataset-pick";
import type { BuiltinDataset } from "@/lib/run-types";

const ds = (name: string, input_shape: number[], extra: Partial<BuiltinDataset> = {}): BuiltinDataset => ({
  name, title: name, description: "", source: "synthetic", task: "classification", input_shape, dtype: "float32", options: [], defaults: {}, available: true, ...extra,
});
const features = { name: "features", kind: "int", default: 3, doc: "", required: false, nullable: false, inferred: false, min: 1, max: 4096 } as const;
const list = [
  ds("random", [784], { options: [features], classes: Array.from({ length: 10 }, (_, i) => String(i)) }),
  ds("linear", [3], { task: "regression", target_size: 1, options: [features] }),
  ds("spirals", [2], { classes: ["0", "1"] }),
  ds("digits", [1, 8, 8]),
  ds("cifar10", [3, 32, 32], { available: false }),
  ds("shapes", [3, 32, 32]),
];

describe("the Train dialog's starting dataset", () => {
  it("is the seed's linear regression, sized to the graph, for a 1-feature regression graph", () => {
    expect(pickDataset(list, [1], [1])).toEqual({ name: "linear", options: { features: 1 } });
  });

  it("is an available image set of the Input's shape, not Random", () => {
    expect(pickDataset(list, [3, 32, 32], [5])).toEqual({ name: "shapes", options: {} });
  });

  it("is an exact fit when there is one", () => {
    expect(pickDataset(list, [2], [2])).toEqual({ name: "spirals", options: {} });
    expect(pickDataset(list, [784], [10])).toEqual({ name: "random", options: {} });
  });

  it("falls back to the first available set when nothing fits", () => {
    expect(pickDataset(list, [5, 5], [3])).toEqual({ name: "random", options: {} });
  });
});
