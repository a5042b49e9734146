/**
 * Where a node's live pictures come from: the watched run's stream on the run page, the last run's
 * stored pictures in the builder. A node component reads its own node's pictures through one of
 * these and redraws its canvases when they change, without re-rendering.
 */
import type { ChannelPictures, UnitPictures } from "@/lib/run-types";

export interface PictureSource {
  /** The node's unit pictures now (2-D data), if any. */
  units(nodeId: string): UnitPictures | undefined;
  /** The node's feature maps now (a Conv/Pool node of an image run), if any. */
  featureMaps(nodeId: string): ChannelPictures | undefined;
  /** Calls `listener` after every change of the store behind it; answers the unsubscribe. */
  subscribe(listener: () => void): () => void;
}

/** The least and greatest of a unit's values (its own range, as the hover shows it). */
export function valueRange(values: readonly number[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : [0, 0];
}
