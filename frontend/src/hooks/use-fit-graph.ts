/**
 * Fits the graph into the canvas. Computed from node positions rather than with React Flow's
 * fitView, which waits for every node to be measured: with onlyRenderVisibleElements, nodes out of
 * view never are.
 */
import { useReactFlow, useStoreApi } from "@xyflow/react";
import { useCallback } from "react";
import { BIG_GRAPH, graphBounds, READABLE_ZOOM, viewportFor } from "@/lib/layout";
import { FIT_PADDING, viewportCentring, zoomFloor } from "@/lib/zoom";
import { builderStore } from "@/store/builder-store";

export interface FitOptions {
  /**
   * After a load or a layout: centre the selection at the current zoom when there is one, otherwise
   * fit the whole graph but never below READABLE_ZOOM (the top of a tall graph).
   */
  readable?: boolean;
  /** Centre this node at 100%. */
  node?: string;
}

/** Fits the whole graph (down to the zoom floor that shows all of it), or as FitOptions say. */
export function useFitGraph(): (opts?: FitOptions) => void {
  const flow = useReactFlow();
  const rf = useStoreApi();
  return useCallback(
    ({ readable = false, node }: FitOptions = {}) => {
      let tries = 0;
      const attempt = () => {
        const { width, height, transform } = rf.getState();
        if (!width || !height) {
          // The pane has not been sized yet (first render): try again next frame.
          if (tries++ < 20) requestAnimationFrame(attempt);
          return;
        }
        const nodes = builderStore.getState().nodes;
        const selected = readable && !node ? nodes.filter((n) => n.selected) : [];
        if (selected.length) {
          const floor = zoomFloor(graphBounds(nodes), { width, height });
          const zoom = Math.min(1, Math.max(floor, transform[2]));
          void flow.setViewport(viewportCentring(graphBounds(selected)!, width, height, zoom), { duration: 200 });
          return;
        }
        const bounds = graphBounds(node ? nodes.filter((n) => n.id === node) : nodes);
        if (!bounds) return;
        const limits = node
          ? { minZoom: 1, maxZoom: 1 }
          : readable
            ? { minZoom: READABLE_ZOOM, maxZoom: 1 }
            : { minZoom: zoomFloor(bounds, { width, height }), maxZoom: 1.1 };
        // A big graph's nodes come into view at every frame of a glide: after a load or a layout it jumps.
        const duration = readable && nodes.length >= BIG_GRAPH ? 0 : 200;
        void flow.setViewport(viewportFor(bounds, width, height, { ...limits, padding: FIT_PADDING }), { duration });
      };
      attempt();
    },
    [flow, rf],
  );
}
