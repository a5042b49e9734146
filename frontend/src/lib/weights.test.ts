import { describe, expect, it } from "vitest";
import { formatValue, groupByNode, histogramBars, learnedLinear, linearRows, showsValues, trueLinear, valueRows, type TensorWeights } from "@/lib/weights";

function tensor(name: string, shape: number[], values: TensorWeights["values"], extra: Partial<TensorWeights> = {}): TensorWeights {
  const numel = shape.reduce((a, b) => a * b, 1);
  return {
    name,
    node: name.split(".")[0]!,
    shape,
    dtype: "float32",
    numel,
    nonfinite: 0,
    mean: 0,
    std: 0,
    min: 0,
    max: 0,
    histogram: { edges: Array.from({ length: 33 }, (_, i) => i), counts: Array(32).fill(0) },
    values,
    ...extra,
  };
}

describe("groupByNode", () => {
  it("keeps the nodes in the order they first appear, each with its tensors", () => {
    const groups = groupByNode([tensor("fc1.weight", [2, 2], null), tensor("fc1.bias", [2], null), tensor("bn.running_mean", [2], null)]);
    expect(groups.map((g) => [g.node, g.tensors.map((t) => t.name)])).toEqual([
      ["fc1", ["fc1.weight", "fc1.bias"]],
      ["bn", ["bn.running_mean"]],
    ]);
  });
});

describe("showsValues", () => {
  it("shows numbers for small tensors that carry them and a histogram otherwise", () => {
    expect(showsValues(tensor("a.bias", [3], [1, 2, 3]))).toBe(true);
    expect(showsValues(tensor("a.weight", [10, 10], Array(10).fill(Array(10).fill(0))))).toBe(false);
    expect(showsValues(tensor("a.weight", [100, 100], null))).toBe(false);
  });
});

describe("valueRows", () => {
  it("lays a scalar, a vector, a matrix and a 3-D tensor out as rows of the last axis", () => {
    expect(valueRows(7, [])).toEqual([[7]]);
    expect(valueRows([1, 2, 3], [3])).toEqual([[1, 2, 3]]);
    expect(valueRows([[1, 2], [3, 4]], [2, 2])).toEqual([[1, 2], [3, 4]]);
    expect(valueRows([[[1, 2]], [[3, null]]], [2, 1, 2])).toEqual([[1, 2], [3, null]]);
  });
});

describe("formatValue", () => {
  it("gives four significant figures, exponents for the very large and small, NaN for null", () => {
    expect(formatValue(2.4987654)).toBe("2.499");
    expect(formatValue(-0.75)).toBe("-0.75");
    expect(formatValue(0)).toBe("0");
    expect(formatValue(0.0000123)).toBe("1.23e-5");
    expect(formatValue(123456)).toBe("1.23e+5");
    expect(formatValue(null)).toBe("NaN");
  });
});

describe("histogramBars", () => {
  it("scales the tallest bin to the full height and keeps each bin's range", () => {
    const bars = histogramBars({ edges: [0, 1, 2, 3], counts: [1, 4, 0] }, 30, 40);
    expect(bars.map((b) => [b.x, b.width, b.y, b.height])).toEqual([
      [0, 10, 30, 10],
      [10, 10, 0, 40],
      [20, 10, 40, 0],
    ]);
    expect(bars[1]).toMatchObject({ count: 4, from: 1, to: 2 });
  });

  it("draws empty bars for a histogram with no counts", () => {
    expect(histogramBars({ edges: [0, 1], counts: [0] }, 10, 10)[0]!.height).toBe(0);
    expect(histogramBars({ edges: [], counts: [] }, 10, 10)).toEqual([]);
  });
});

describe("trueLinear", () => {
  it("reads the linear dataset's w and b, and nothing from other info", () => {
    expect(trueLinear({ w: [2.5, -1], b: 0.5 })).toEqual({ w: [2.5, -1], b: 0.5 });
    expect(trueLinear({ feature_names: ["a"], standardized: {} })).toBeNull();
    expect(trueLinear(undefined)).toBeNull();
  });
});

describe("learnedLinear", () => {
  it("finds w and b of a one-output Linear layer", () => {
    const tensors = [tensor("linear.weight", [1, 2], [[2.49, -0.98]]), tensor("linear.bias", [1], [0.51])];
    expect(learnedLinear(tensors)).toEqual({ node: "linear", w: [2.49, -0.98], b: 0.51 });
  });

  it("is null for models with more than one layer, several outputs or no bias", () => {
    expect(learnedLinear([tensor("fc1.weight", [1, 2], [[1, 2]]), tensor("fc1.bias", [1], [0]), tensor("fc2.weight", [1, 1], [[1]])])).toBeNull();
    expect(learnedLinear([tensor("linear.weight", [2, 2], [[1, 2], [3, 4]]), tensor("linear.bias", [2], [0, 0])])).toBeNull();
    expect(learnedLinear([tensor("linear.weight", [1, 2], [[1, 2]])])).toBeNull();
  });
});

describe("linearRows", () => {
  it("puts each learned weight beside the true one, numbering them when there are several", () => {
    expect(linearRows({ w: [2.49], b: -0.74 }, { w: [2.5], b: -0.75 })).toEqual([
      { label: "w", learned: 2.49, truth: 2.5 },
      { label: "b", learned: -0.74, truth: -0.75 },
    ]);
    expect(linearRows({ w: [1], b: 0 }, { w: [1, 2], b: 0 }).map((r) => [r.label, r.learned])).toEqual([
      ["w1", 1],
      ["w2", null],
      ["b", 0],
    ]);
  });
});
