/**
 * Each node's highest wired input and output port, indexed once per edge list: the canvas's nodes
 * read their own entry instead of each scanning every edge (O(E) per change, not O(N × E)).
 */

export interface PortIndex {
  /** Node id → the highest input port an edge ends at (`data.port`, 0 when absent). */
  ins: ReadonlyMap<string, number>;
  /** Node id → the highest output port an edge leaves from (`data.sourcePort`, 0 when absent). */
  outs: ReadonlyMap<string, number>;
}

type PortEdge = { source: string; target: string; data?: { port?: number; sourcePort?: number } };

// The store replaces its edge list on every change, so the list itself is the cache key.
const cache = new WeakMap<readonly PortEdge[], PortIndex>();

/** The index for `edges`, computed on first use of this list and shared by every later caller. */
export function portIndex(edges: readonly PortEdge[]): PortIndex {
  let index = cache.get(edges);
  if (!index) {
    const ins = new Map<string, number>();
    const outs = new Map<string, number>();
    for (const e of edges) {
      const port = e.data?.port ?? 0;
      const sourcePort = e.data?.sourcePort ?? 0;
      if ((ins.get(e.target) ?? -1) < port) ins.set(e.target, port);
      if ((outs.get(e.source) ?? -1) < sourcePort) outs.set(e.source, sourcePort);
    }
    index = { ins, outs };
    cache.set(edges, index);
  }
  return index;
}

/** `id`'s highest wired input port, or -1 when nothing is wired to it. */
export function highestInPort(edges: readonly PortEdge[], id: string): number {
  return portIndex(edges).ins.get(id) ?? -1;
}

/** `id`'s highest wired output port, or -1 when nothing leaves it. */
export function highestOutPort(edges: readonly PortEdge[], id: string): number {
  return portIndex(edges).outs.get(id) ?? -1;
}
