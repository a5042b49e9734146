/**
 * The builder's pictures of the run its graph was last trained in (`GET /api/runs/{id}/pictures`):
 * each node whose id has pictures there shows them, unless the toolbar's toggle hides them or Probe
 * mode shows its own. Only the answer for the newest request is kept.
 */
import { useStore } from "zustand";
import { createStore, type StoreApi } from "zustand/vanilla";
import { api, ApiError } from "@/lib/api";
import type { PictureSource } from "@/lib/picture-source";
import type { RunPictures } from "@/lib/run-types";

export interface RunPicturesState {
  runId: number | null;
  pictures: RunPictures | null;
  /** Shown on the nodes; on by default for each new run. */
  on: boolean;
  error: string | null;
  /** Bumped by every request, so an answer knows whether it is still the newest. */
  request: number;
}

export interface RunPicturesActions {
  /** Fetches run `runId`'s pictures (null: none to show). */
  load(runId: number | null): Promise<void>;
  toggle(on?: boolean): void;
}

export type RunPicturesStore = RunPicturesState & RunPicturesActions;

/** Whether the run sent any pictures at all. */
export function hasPictures(p: RunPictures | null): boolean {
  return !!p && ((!!p.units && Object.keys(p.units).length > 0) || (!!p.feature_maps && Object.keys(p.feature_maps.nodes).length > 0));
}

export function createRunPicturesStore(fetchPictures: (id: number) => Promise<RunPictures> = (id) => api.runPictures(id)): StoreApi<RunPicturesStore> {
  return createStore<RunPicturesStore>()((set, get) => ({
    runId: null,
    pictures: null,
    on: true,
    error: null,
    request: 0,
    load: async (runId) => {
      const n = get().request + 1;
      const fresh = runId !== get().runId;
      set({ request: n, runId, error: null, ...(fresh ? { pictures: null, on: true } : {}) });
      if (runId === null) return;
      try {
        const pictures = await fetchPictures(runId);
        if (get().request === n) set({ pictures });
      } catch (e) {
        if (get().request === n) set({ pictures: null, error: e instanceof ApiError && e.status === 404 ? `Run ${runId} is gone.` : String(e instanceof Error ? e.message : e) });
      }
    },
    toggle: (on) => set((s) => ({ on: on ?? !s.on })),
  }));
}

export const runPicturesStore = createRunPicturesStore();

export function useRunPictures<T>(selector: (s: RunPicturesStore) => T): T {
  return useStore(runPicturesStore, selector);
}

/** The last run's pictures, node by node, for the builder's nodes. */
export const lastRunPictures: PictureSource = {
  units: (id) => runPicturesStore.getState().pictures?.units?.[id],
  featureMaps: (id) => runPicturesStore.getState().pictures?.feature_maps?.nodes[id],
  subscribe: (listener) => runPicturesStore.subscribe(listener),
};
