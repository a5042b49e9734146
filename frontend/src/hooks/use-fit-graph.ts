/**
 * Fits the graph into the canvas. Computed from node positions rather than with React Flow's
 * fitView, which waits for every node to be measured: with onlyRenderVisibleElements, nodes out of
 * view never are.
 */
import { useReactFlow, useStoreApi } from "@xyflow/react";
import { useCallback } from "react";
import { graphBounds, READABLE_ZOOM, viewportFor } from "@/lib/layout";
import { builderStore } from "@/store/builder-store";

/** Fits the whole graph (never below READABLE_ZOOM with `readable`), or centres `node` at 100%. */
export function useFitGraph(): (opts?: { readable?: boolean; node?: string }) => void {
  const flow = useReactFlow();
  const rf = useStoreApi();
  return useCallback(
    ({ readable = false, node }: { readable?: boolean; node?: string } = {}) => {
      let tries = 0;
      const attempt = () => {
        const { width, height } = rf.getState();
        if (!width || !height) {
          // The pane has not been sized yet (first render): try again next frame.
          if (tries++ < 20) requestAnimationFrame(attempt);
          return;
        }
        const nodes = builderStore.getState().nodes;
        const bounds = graphBounds(node ? nodes.filter((n) => n.id === node) : nodes);
        if (!bounds) return;
        const limits = node ? { minZoom: 1, maxZoom: 1 } : readable ? { minZoom: READABLE_ZOOM, maxZoom: 1 } : { minZoom: 0.1, maxZoom: 1.1 };
        void flow.setViewport(viewportFor(bounds, width, height, limits), { duration: 200 });
      };
      attempt();
    },
    [flow, rf],
  );
}
