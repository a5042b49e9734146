/** Finding nodes on the canvas by id, layer type or error text (the toolbar's Find box, Ctrl+F). */

export interface FindableNode {
  id: string;
  data: { layerType: string };
}

/**
 * The ids of the nodes matching `query` (case-insensitive, spaces around it ignored), in the
 * canvas's order: a node matches when its id or its layer type contains the query, or one of its
 * errors' message or field does. An empty query matches nothing.
 */
export function findNodes(
  nodes: readonly FindableNode[],
  errorsByNode: Readonly<Record<string, readonly { message: string; field?: string | null }[] | undefined>>,
  query: string,
): string[] {
  const q = query.trim().toLowerCase();
  if (!q) return [];
  return nodes
    .filter(
      (n) =>
        n.id.toLowerCase().includes(q) ||
        n.data.layerType.toLowerCase().includes(q) ||
        (errorsByNode[n.id] ?? []).some((e) => e.message.toLowerCase().includes(q) || (e.field ?? "").toLowerCase().includes(q)),
    )
    .map((n) => n.id);
}

/**
 * The match to go to from `current` (-1: none yet): the next one (`step` 1) or the previous (-1),
 * wrapping around at either end; -1 when there are no matches.
 */
export function stepMatch(count: number, current: number, step: 1 | -1): number {
  if (count <= 0) return -1;
  if (current < 0 || current >= count) return step === 1 ? 0 : count - 1;
  return (current + step + count) % count;
}
