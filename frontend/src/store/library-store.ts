/** The user's block library (`GET /api/blocks`), asked once per page and kept up to date by saves and deletes. */
import { useStore } from "zustand";
import { createStore } from "zustand/vanilla";
import { api } from "@/lib/api";
import type { Schemas } from "@/lib/types";

export type LibraryBlock = Schemas["LibraryBlockOut"];

export interface LibraryState {
  /** null until the first answer. */
  blocks: LibraryBlock[] | null;
  load(): Promise<void>;
  add(block: LibraryBlock): void;
  remove(id: number): Promise<void>;
}

export const libraryStore = createStore<LibraryState>()((set, get) => ({
  blocks: null,
  load: async () => {
    try {
      set({ blocks: await api.libraryBlocks() });
    } catch {
      set({ blocks: get().blocks ?? [] }); // no library then; the palette says it is empty
    }
  },
  add: (block) => set((s) => ({ blocks: [...(s.blocks ?? []).filter((b) => b.id !== block.id), block] })),
  remove: async (id) => {
    await api.deleteLibraryBlock(id);
    set((s) => ({ blocks: (s.blocks ?? []).filter((b) => b.id !== id) }));
  },
}));

export function useLibrary<T>(selector: (s: LibraryState) => T): T {
  return useStore(libraryStore, selector);
}
