/**
 * Probe mode: one dataset sample run through the graph on the server (`POST /api/graphs/probe`) as the
 * graph is edited, each node showing its output. The answers are the server's; this store only keeps
 * the newest one (an older answer never replaces a newer one).
 */
import { useStore } from "zustand";
import { createStore } from "zustand/vanilla";
import type { DatasetPick } from "@/lib/dataset-pick";
import type { BuiltinDataset } from "@/lib/run-types";
import type { Schemas } from "@/lib/types";

export type ProbeResult = Schemas["ProbeOut"];
export type NodeProbe = Schemas["NodeProbe"];

export interface ProbeState {
  on: boolean;
  /** The dataset the sample comes from; null until one is picked for the graph. */
  dataset: DatasetPick | null;
  sample: number;
  /** The built-in datasets that are on this server, loaded once for the bar and the first pick. */
  datasets: BuiltinDataset[] | null;
  result: ProbeResult | null;
  error: string | null;
  loading: boolean;
  /** Bumped by every request, so an answer knows whether it is still the newest. */
  request: number;
}

export interface ProbeActions {
  toggle(on?: boolean): void;
  setDataset(dataset: DatasetPick | null): void;
  setSample(sample: number): void;
  /** A new request is on its way: returns its number. */
  begin(): number;
  /** The answer to request `n`: kept only when no newer request was made. */
  answer(n: number, outcome: { result: ProbeResult } | { error: string }): boolean;
}

export type ProbeStore = ProbeState & ProbeActions;

export function createProbeStore() {
  return createStore<ProbeStore>()((set, get) => ({
    on: false,
    dataset: null,
    sample: 0,
    datasets: null,
    result: null,
    error: null,
    loading: false,
    request: 0,
    toggle: (on) => set((s) => ({ on: on ?? !s.on, ...(on ?? !s.on ? {} : { result: null, error: null, loading: false }) })),
    setDataset: (dataset) => set({ dataset, result: null, error: null }),
    setSample: (sample) => set({ sample: Number.isInteger(sample) && sample >= 0 ? sample : 0 }),
    begin: () => {
      const n = get().request + 1;
      set({ request: n, loading: true });
      return n;
    },
    answer: (n, outcome) => {
      if (n !== get().request || !get().on) return false;
      // a refusal clears the pictures: they would show a graph that is no longer the one drawn
      set("result" in outcome ? { result: outcome.result, error: null, loading: false } : { result: null, error: outcome.error, loading: false });
      return true;
    },
  }));
}

export const probeStore = createProbeStore();

export function useProbe<T>(selector: (s: ProbeStore) => T): T {
  return useStore(probeStore, selector);
}
