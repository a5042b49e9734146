import { describe, expect, it } from "vitest";
import { findNodes, stepMatch } from "@/lib/find";

const nodes = [
  { id: "x", data: { layerType: "Input" } },
  { id: "fc1", data: { layerType: "Linear" } },
  { id: "relu1", data: { layerType: "ReLU" } },
  { id: "fc2", data: { layerType: "Linear" } },
  { id: "y", data: { layerType: "Output" } },
];

describe("findNodes", () => {
  it("finds nodes by a part of their id, in canvas order", () => {
    expect(findNodes(nodes, {}, "fc")).toEqual(["fc1", "fc2"]);
    expect(findNodes(nodes, {}, "relu1")).toEqual(["relu1"]);
  });

  it("finds nodes by layer type, whatever the case", () => {
    expect(findNodes(nodes, {}, "linear")).toEqual(["fc1", "fc2"]);
    expect(findNodes(nodes, {}, " OUTPUT ")).toEqual(["y"]);
  });

  it("finds nodes by their errors' message or field", () => {
    const errors = { fc2: [{ message: "expects 32 input features, got 10", field: "in_features" }] };
    expect(findNodes(nodes, errors, "input features")).toEqual(["fc2"]);
    expect(findNodes(nodes, errors, "in_features")).toEqual(["fc2"]);
  });

  it("matches nothing for an empty query or an unknown word", () => {
    expect(findNodes(nodes, {}, "  ")).toEqual([]);
    expect(findNodes(nodes, {}, "conv")).toEqual([]);
  });
});

describe("stepMatch", () => {
  it("starts at the first match forwards and the last backwards", () => {
    expect(stepMatch(3, -1, 1)).toBe(0);
    expect(stepMatch(3, -1, -1)).toBe(2);
  });

  it("wraps around at either end", () => {
    expect(stepMatch(3, 2, 1)).toBe(0);
    expect(stepMatch(3, 0, -1)).toBe(2);
    expect(stepMatch(3, 1, 1)).toBe(2);
  });

  it("has nowhere to go without matches", () => {
    expect(stepMatch(0, -1, 1)).toBe(-1);
  });
});
