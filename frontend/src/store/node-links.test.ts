import { beforeEach, describe, expect, it } from "vitest";
import type { StoreApi } from "zustand/vanilla";
import { linkOf, toGraphDoc, withLink } from "@/lib/graph";
import { createBuilderStore, type BuilderStore } from "@/store/builder-store";
import { catalog } from "@/test/fixtures";

let store: StoreApi<BuilderStore>;
const s = () => store.getState();
const doc = () => toGraphDoc("Siamese", { nodes: s().nodes, edges: s().edges });
const docNode = (id: string) => doc().nodes.find((n) => n.id === id) as Record<string, unknown> | undefined;

beforeEach(() => {
  store = createBuilderStore();
  s().setCatalog(catalog);
});

describe("share and tie on a node", () => {
  it("writes share into the document, removes it with null, and is one undo step each", () => {
    const a = s().addNode("Linear", { x: 0, y: 0 });
    const b = s().addNode("Linear", { x: 0, y: 100 });
    s().setNodeLink(b, "share", a);
    expect(docNode(b)?.share).toBe(a);
    s().setNodeLink(b, "share", a); // the same again changes nothing, and adds no undo step
    s().setNodeLink(b, "share", null);
    expect(docNode(b)).not.toHaveProperty("share");
    s().undo();
    expect(docNode(b)?.share).toBe(a);
    s().undo();
    expect(docNode(b)).not.toHaveProperty("share");
  });

  it("follows the node it names through a rename", () => {
    const a = s().addNode("Linear", { x: 0, y: 0 });
    const b = s().addNode("Linear", { x: 0, y: 100 });
    s().setNodeLink(b, "tie", a);
    s().setNodeLink(b, "share", a);
    expect(s().renameNode(a, "encoder")).toBeNull();
    expect([docNode(b)?.share, docNode(b)?.tie]).toEqual(["encoder", "encoder"]);
  });

  it("keeps a node's other document keys when a link comes and goes", () => {
    const a = s().addNode("Linear", { x: 0, y: 0 });
    const node = { ...s().nodes.find((n) => n.id === a)!, data: { ...s().nodes[0]!.data, extra: { note: "kept" } } };
    const linked = withLink(node, "share", "other");
    expect(linked.data.extra).toEqual({ note: "kept", share: "other" });
    expect(withLink(linked, "share", null).data.extra).toEqual({ note: "kept" });
    expect(withLink(linked, "share", "other")).toBe(linked);
    expect([linkOf(linked, "share"), linkOf(linked, "tie")]).toEqual(["other", null]);
  });
});
