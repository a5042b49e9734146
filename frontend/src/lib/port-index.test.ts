import { describe, expect, it } from "vitest";
import { makeEdge } from "@/lib/graph";
import { highestInPort, highestOutPort, portIndex } from "@/lib/port-index";

describe("portIndex", () => {
  const edges = [makeEdge("a", 0, "add", 0), makeEdge("b", 0, "add", 2), makeEdge("split", 1, "add", 1), makeEdge("split", 0, "y", 0)];

  it("gives each node its highest wired input and output port", () => {
    expect(highestInPort(edges, "add")).toBe(2);
    expect(highestInPort(edges, "y")).toBe(0);
    expect(highestOutPort(edges, "split")).toBe(1);
    expect(highestOutPort(edges, "a")).toBe(0);
  });

  it("answers -1 for a node nothing is wired to", () => {
    expect(highestInPort(edges, "a")).toBe(-1);
    expect(highestOutPort(edges, "y")).toBe(-1);
  });

  it("treats an edge without port data as port 0", () => {
    expect(highestInPort([{ source: "a", target: "b" }], "b")).toBe(0);
    expect(highestOutPort([{ source: "a", target: "b" }], "a")).toBe(0);
  });

  it("indexes one edge list once and a changed list afresh", () => {
    expect(portIndex(edges)).toBe(portIndex(edges));
    const grown = [...edges, makeEdge("c", 0, "add", 5)];
    expect(portIndex(grown)).not.toBe(portIndex(edges));
    expect(highestInPort(grown, "add")).toBe(5);
    expect(highestInPort(edges, "add")).toBe(2);
  });
});
