/**
 * Fits the graph into the canvas. Computed from node positions rather than with React Flow's
 * fitView, which waits for every node to be measured: with onlyRenderVisibleElements, nodes out of
 * view never are.
 */
import { useReactFlow, useStoreApi } from "@xyflow/react";
import { useCallback } from "react";
import { graphBounds, viewportFor } from "@/lib/layout";
import { builderStore } from "@/store/builder-store";

/** Below this zoom node labels stop being readable; a load or layout never goes lower. */
export const READABLE_ZOOM = 0.75;

export function useFitGraph(): (opts?: { readable?: boolean }) => void {
  const flow = useReactFlow();
  const rf = useStoreApi();
  return useCallback(
    ({ readable = false } = {}) => {
      let tries = 0;
      const attempt = () => {
        const { width, height } = rf.getState();
        if (!width || !height) {
          // The pane has not been sized yet (first render): try again next frame.
          if (tries++ < 20) requestAnimationFrame(attempt);
          return;
        }
        const bounds = graphBounds(builderStore.getState().nodes);
        if (!bounds) return;
        const limits = readable ? { minZoom: READABLE_ZOOM, maxZoom: 1 } : { minZoom: 0.1, maxZoom: 1.1 };
        void flow.setViewport(viewportFor(bounds, width, height, limits), { duration: 200 });
      };
      attempt();
    },
    [flow, rf],
  );
}
