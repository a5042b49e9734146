import { Position } from "@xyflow/react";
import { describe, expect, it } from "vitest";
import { placeHandles, withInitialHandles } from "@/lib/initial-handles";

const edges = [
  { source: "x", target: "add", data: { port: 0 } },
  { source: "x", target: "fc" },
  { source: "fc", target: "add", data: { port: 1 } },
];

describe("placeHandles", () => {
  it("spreads inputs over the top and outputs over the bottom of a 200 × 80 node", () => {
    expect(placeHandles(2, 1, "DOWN")).toEqual([
      { id: "in-0", type: "target", position: Position.Top, x: 200 / 3 - 5, y: -5, width: 10, height: 10 },
      { id: "in-1", type: "target", position: Position.Top, x: 400 / 3 - 5, y: -5, width: 10, height: 10 },
      { id: "out-0", type: "source", position: Position.Bottom, x: 95, y: 75, width: 10, height: 10 },
    ]);
  });

  it("puts them on the left and right sides laid out left to right", () => {
    expect(placeHandles(1, 1, "RIGHT")).toEqual([
      { id: "in-0", type: "target", position: Position.Left, x: -5, y: 35, width: 10, height: 10 },
      { id: "out-0", type: "source", position: Position.Right, x: 195, y: 35, width: 10, height: 10 },
    ]);
  });
});

describe("withInitialHandles", () => {
  it("gives an unmeasured node an initial size and its wired ports, and leaves a measured one alone", () => {
    const measured = { id: "x", measured: { width: 200, height: 60 } };
    const nodes = [measured, { id: "fc" }, { id: "add" }];
    const out = withInitialHandles(nodes, edges, "DOWN");
    expect(out[0]).toBe(measured);
    expect(out[1]).toMatchObject({ id: "fc", initialWidth: 200, initialHeight: 80 });
    expect((out[1] as unknown as { handles: { id: string }[] }).handles.map((h) => h.id)).toEqual(["in-0", "out-0"]);
    expect((out[2] as unknown as { handles: { id: string }[] }).handles.map((h) => h.id)).toEqual(["in-0", "in-1"]);
    expect(nodes[1]).toEqual({ id: "fc" }); // the store's node is not touched
  });

  it("returns the same objects for the same nodes, edges and direction, new ones when either changes", () => {
    const nodes = [{ id: "fc" }, { id: "add" }];
    const first = withInitialHandles(nodes, edges, "DOWN");
    const again = withInitialHandles([...nodes], edges, "DOWN");
    expect(again[0]).toBe(first[0]);
    expect(again[1]).toBe(first[1]);
    expect(withInitialHandles(nodes, edges, "RIGHT")[0]).not.toBe(first[0]);
    expect(withInitialHandles(nodes, [...edges], "DOWN")[0]).not.toBe(first[0]);
  });

  it("returns the very list when every node is measured", () => {
    const nodes = [{ id: "a", measured: { width: 1, height: 2 } }];
    expect(withInitialHandles(nodes, [], "DOWN")).toBe(nodes);
  });
});
