import { describe, expect, it } from "vitest";
import { DRAFT_KEY, draftIsNews, readDraft, writeDraft, type Draft } from "@/lib/draft";

class MemoryStorage implements Storage {
  private items = new Map<string, string>();
  get length() {
    return this.items.size;
  }
  clear() {
    this.items.clear();
  }
  getItem(k: string) {
    return this.items.get(k) ?? null;
  }
  key(i: number) {
    return [...this.items.keys()][i] ?? null;
  }
  removeItem(k: string) {
    this.items.delete(k);
  }
  setItem(k: string, v: string) {
    this.items.set(k, v);
  }
}

const draft: Draft = { graph: { format: "netbuilder.graph/1", name: "d", nodes: [], edges: [] }, architectureId: null, architectureVersion: null, savedAt: "2026-12-01T00:00:00Z" };

describe("drafts", () => {
  it("are news only when another (or a closed) tab left them, not on every open of this one", () => {
    const local = new MemoryStorage();
    const thisTab = new MemoryStorage();
    writeDraft(draft, local, thisTab);
    const restored = readDraft(local)!;
    expect(draftIsNews(restored, thisTab)).toBe(false);
    expect(draftIsNews(restored, new MemoryStorage())).toBe(true);
  });

  it("from before tabs were recorded are news", () => {
    expect(draftIsNews(draft, new MemoryStorage())).toBe(true);
  });
});

describe("a draft's run", () => {
  it("comes back with the draft, so the builder shows that run's pictures after a reload", () => {
    const local = new MemoryStorage();
    writeDraft({ ...draft, runId: 42 }, local, new MemoryStorage());
    expect(readDraft(local)?.runId).toBe(42);
  });

  it("is null in a draft written before drafts kept one, which stays readable", () => {
    const local = new MemoryStorage();
    local.setItem(DRAFT_KEY, JSON.stringify(draft));
    expect(readDraft(local)).toMatchObject({ graph: draft.graph, runId: null });
    local.setItem(DRAFT_KEY, JSON.stringify({ ...draft, runId: "7" }));
    expect(readDraft(local)?.runId).toBeNull();
  });
});
