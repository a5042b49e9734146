/**
 * While Probe mode is on, asks the server for every node's output on the chosen sample after each edit
 * (debounced) and each change of dataset or sample. The first time, the dataset is picked to fit the
 * graph's Input as the Train dialog does; the server's checks decide what fits.
 */
import { useEffect } from "react";
import { api, ApiError } from "@/lib/api";
import { pickDataset } from "@/lib/dataset-pick";
import type { BuiltinDataset } from "@/lib/run-types";
import { builderStore } from "@/store/builder-store";
import { currentGraph } from "@/store/commands";
import { probeStore } from "@/store/probe-store";

export const PROBE_DELAY_MS = 300;

/** The graph's Input and Output shapes as the last validation found them. */
function ioShapes(): { input: number[] | null; output: number[] | null } {
  const s = builderStore.getState();
  const shape = (type: string) => {
    const node = s.nodes.find((n) => n.data.layerType === type);
    return (node && s.validation?.value.nodes[node.id]?.shape) || null;
  };
  return { input: shape("Input"), output: shape("Output") };
}

/** The built-in datasets on this server, asked for once. */
export async function probeDatasets(): Promise<BuiltinDataset[]> {
  const known = probeStore.getState().datasets;
  if (known) return known;
  const list = (await api.datasets()).builtin.filter((d) => d.available);
  probeStore.setState({ datasets: list });
  return list;
}

export async function probeNow(): Promise<void> {
  const p = probeStore.getState();
  if (!p.on) return;
  let dataset = p.dataset;
  if (!dataset) {
    const list = await probeDatasets();
    const { input, output } = ioShapes();
    dataset = pickDataset(list, input, output);
    if (!probeStore.getState().on) return;
    if (!dataset) {
      probeStore.getState().answer(probeStore.getState().begin(), { error: "No dataset fits this graph's Input." });
      return;
    }
    probeStore.getState().setDataset(dataset);
  }
  const n = probeStore.getState().begin();
  try {
    const result = await api.probe({ graph: currentGraph(), dataset: dataset.name, dataset_options: dataset.options, sample: probeStore.getState().sample });
    probeStore.getState().answer(n, { result });
  } catch (e) {
    probeStore.getState().answer(n, { error: e instanceof ApiError ? e.message : String(e) });
  }
}

export function useProbeUpdates(delay = PROBE_DELAY_MS): void {
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const later = () => {
      clearTimeout(timer);
      timer = setTimeout(() => void probeNow(), delay);
    };
    const offGraph = builderStore.subscribe((s, prev) => {
      if (s.revision !== prev.revision && probeStore.getState().on) later();
    });
    const offProbe = probeStore.subscribe((s, prev) => {
      if (s.on && (s.on !== prev.on || s.sample !== prev.sample || (s.dataset !== prev.dataset && prev.dataset !== null))) later();
    });
    return () => {
      clearTimeout(timer);
      offGraph();
      offProbe();
    };
  }, [delay]);
}
