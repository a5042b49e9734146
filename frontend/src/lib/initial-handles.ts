/**
 * Handles for nodes React Flow has not measured yet. React Flow draws every node once to find its
 * handles (`internals.handleBounds`), even with `onlyRenderVisibleElements`: a 1,000-node graph
 * mounted 1,000 nodes and unmounted 982 of them in two long tasks. A node that brings its own
 * `handles` (and an initial size) is taken as known: only the nodes in view are drawn, and each is
 * measured from the DOM when it is (its `measured` then arrives and these handles are dropped).
 */
import { Position, type NodeHandle } from "@xyflow/react";
import { DEFAULT_NODE_HEIGHT, DEFAULT_NODE_WIDTH, type Direction } from "@/lib/layout";
import { inHandle, outHandle } from "@/lib/graph";
import { portIndex } from "@/lib/port-index";

type PortEdge = { source: string; target: string; data?: { port?: number; sourcePort?: number } };
type FlowNode = { id: string; measured?: { width?: number; height?: number } };

/** The CSS size of a port (`.react-flow__handle.port`), centred on the node's border. */
export const HANDLE_SIZE = 10;

/**
 * Where a node of `width`×`height` with `inputs` and `outputs` ports draws them: inputs spread along
 * the top (left side when laid out left to right), outputs along the bottom (right side), as
 * layer-node.tsx places them.
 */
export function placeHandles(inputs: number, outputs: number, direction: Direction, width = DEFAULT_NODE_WIDTH, height = DEFAULT_NODE_HEIGHT): NodeHandle[] {
  const half = HANDLE_SIZE / 2;
  const across = direction === "RIGHT" ? height : width;
  const along = (port: number, count: number) => (across * (port + 1)) / (count + 1) - half;
  const handles: NodeHandle[] = [];
  for (let p = 0; p < inputs; p++) {
    const a = along(p, inputs);
    const [x, y] = direction === "RIGHT" ? [-half, a] : [a, -half];
    handles.push({ id: inHandle(p), type: "target", position: direction === "RIGHT" ? Position.Left : Position.Top, x, y, width: HANDLE_SIZE, height: HANDLE_SIZE });
  }
  for (let p = 0; p < outputs; p++) {
    const a = along(p, outputs);
    const [x, y] = direction === "RIGHT" ? [width - half, a] : [a, height - half];
    handles.push({ id: outHandle(p), type: "source", position: direction === "RIGHT" ? Position.Right : Position.Bottom, x, y, width: HANDLE_SIZE, height: HANDLE_SIZE });
  }
  return handles;
}

const cache = new WeakMap<object, { edges: readonly PortEdge[]; direction: Direction; node: object }>();

/**
 * `nodes` for React Flow: a measured node as it is; an unmeasured one with an initial size and the
 * handles its edges use. The same node object for the same node, edges and direction, so React Flow
 * sees no change. O(nodes + edges) per call.
 */
export function withInitialHandles<N extends FlowNode>(nodes: N[], edges: readonly PortEdge[], direction: Direction): N[] {
  const { ins, outs } = portIndex(edges);
  let changed = false;
  const out = nodes.map((n) => {
    if (n.measured?.width !== undefined && n.measured?.height !== undefined) return n;
    const hit = cache.get(n);
    if (hit && hit.edges === edges && hit.direction === direction) {
      changed = true;
      return hit.node as N;
    }
    const node = {
      ...n,
      initialWidth: DEFAULT_NODE_WIDTH,
      initialHeight: DEFAULT_NODE_HEIGHT,
      handles: placeHandles((ins.get(n.id) ?? -1) + 1, (outs.get(n.id) ?? -1) + 1, direction),
    };
    cache.set(n, { edges, direction, node });
    changed = true;
    return node;
  });
  return changed ? out : nodes;
}
