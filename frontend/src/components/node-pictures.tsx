/**
 * A node's live pictures: one small heatmap per unit (2-D data) and the first feature-map channels
 * (image data). They re-render only when the number of pictures changes; new values are drawn
 * straight onto the canvases (putImageData), all nodes' together once per animation frame.
 */
import { useStore as useFlowStore } from "@xyflow/react";
import { memo, useCallback, useEffect, useRef, useState, useSyncExternalStore, type ReactNode } from "react";
import { frames } from "@/lib/frame";
import { divergingScale, greyPixels, imagePixels, unitPixels } from "@/lib/heatmap";
import { valueRange, type PictureSource } from "@/lib/picture-source";
import type { Picture } from "@/lib/run-types";

const images = new WeakMap<HTMLCanvasElement, ImageData>();

/** Fills `canvas` (w×h pixels) through `fill`, reusing its ImageData; jsdom has no 2-D context and draws nothing. */
export function paint(canvas: HTMLCanvasElement, w: number, h: number, fill: (out: Uint8ClampedArray<ArrayBuffer>) => void): void {
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
  const ctx = canvas.getContext("2d");
  if (!ctx) return;
  let image = images.get(canvas);
  if (!image || image.width !== w || image.height !== h) {
    image = ctx.createImageData(w, h);
    images.set(canvas, image);
  }
  fill(image.data as Uint8ClampedArray<ArrayBuffer>);
  ctx.putImageData(image, 0, 0);
}

/** Draws a picture in grey (or a sample image's channels in colour). */
export function paintPicture(canvas: HTMLCanvasElement, picture: Picture | readonly Picture[]): void {
  const channels = Array.isArray(picture) ? (picture as readonly Picture[]) : [picture as Picture];
  const first = channels[0];
  if (!first) return;
  const [h, w] = first.size;
  paint(canvas, w, h, (out) => (channels.length > 1 ? imagePixels(channels, out) : greyPixels(first, out)));
}

function fmt(v: number): string {
  const a = Math.abs(v);
  return a !== 0 && (a < 0.01 || a >= 1000) ? v.toExponential(1) : v.toFixed(2);
}

export interface NodePicturesProps {
  nodeId: string;
  source: PictureSource;
  /** Each canvas is `<testId>-<nodeId>-<k>`. */
  testId: string;
}

function useCanvasList() {
  const list = useRef<(HTMLCanvasElement | null)[]>([]);
  const refs = useRef(new Map<number, (el: HTMLCanvasElement | null) => void>());
  const refFor = useCallback((k: number) => {
    let ref = refs.current.get(k);
    if (!ref) {
      ref = (el) => {
        list.current[k] = el;
      };
      refs.current.set(k, ref);
    }
    return ref;
  }, []);
  return { list, refFor };
}

/**
 * Draws `read()`'s value whenever it is a new one: at once, then on the source's updates, every node's
 * drawing batched into one animation frame. `deps` are what else `read` and `draw` depend on.
 */
function useRedraw<T>(source: PictureSource, read: () => T, draw: (value: T) => void, deps: readonly unknown[]): void {
  const key = useRef({});
  const latest = useRef({ read, draw });
  latest.current = { read, draw };
  useEffect(() => {
    const batchKey = key.current;
    let drawn: unknown = null;
    const update = () => {
      const value = latest.current.read();
      if (value === drawn) return;
      drawn = value;
      frames.schedule(batchKey, () => latest.current.draw(latest.current.read()));
    };
    update();
    const unsubscribe = source.subscribe(update);
    return () => {
      unsubscribe();
      frames.cancel(batchKey);
    };
  }, [source, ...deps]); // eslint-disable-line react-hooks/exhaustive-deps -- `deps` are the caller's
}

const zoomOf = (s: { transform: [number, number, number] }) => s.transform[2];

/** Keeps its content the same size on screen whatever the canvas's zoom (the enlarged unit is ~128 px). */
function Unzoomed({ children, className, testId }: { children: ReactNode; className: string; testId: string }) {
  const zoom = useFlowStore(zoomOf);
  return (
    <div className={className} data-testid={testId} style={{ transform: `scale(${1 / (zoom || 1)})` }}>
      {children}
    </div>
  );
}

function NodeUnitsView({ nodeId, source, testId }: NodePicturesProps) {
  const count = useSyncExternalStore(source.subscribe, () => source.units(nodeId)?.values.length ?? 0);
  const { list, refFor } = useCanvasList();
  const [hovered, setHovered] = useState<number | null>(null);
  const popover = useRef<HTMLCanvasElement>(null);
  const popoverText = useRef<HTMLSpanElement>(null);
  useRedraw(
    source,
    () => source.units(nodeId),
    (units) => {
      if (!units) return;
      const scale = divergingScale(units.range);
      const n = units.size;
      list.current.forEach((canvas, k) => {
        const values = units.values[k];
        if (canvas && values) paint(canvas, n, n, (out) => unitPixels(values, n, scale, out));
      });
      const values = hovered === null ? undefined : units.values[hovered];
      if (popover.current && values) {
        paint(popover.current, n, n, (out) => unitPixels(values, n, scale, out));
        const [lo, hi] = valueRange(values);
        if (popoverText.current) popoverText.current.textContent = `unit ${hovered} · ${fmt(lo)} to ${fmt(hi)}`;
      }
    },
    [nodeId, count, hovered],
  );

  if (!count) return null;
  return (
    <div className="node-units" data-units={count} onMouseLeave={() => setHovered(null)}>
      {Array.from({ length: count }, (_, k) => (
        <canvas
          key={k}
          ref={refFor(k)}
          className="unit-heatmap"
          data-testid={`${testId}-${nodeId}-${k}`}
          onMouseEnter={() => setHovered(k)}
          aria-label={`${nodeId} unit ${k}`}
        />
      ))}
      {hovered !== null && hovered < count && (
        <Unzoomed className="unit-popover" testId={`${testId}-popover-${nodeId}`}>
          <canvas ref={popover} className="unit-popover-canvas" />
          <span ref={popoverText} className="unit-popover-text">
            unit {hovered}
          </span>
        </Unzoomed>
      )}
    </div>
  );
}

export const NodeUnits = memo(NodeUnitsView);

function NodeFeatureMapsView({ nodeId, source, testId, max = 4 }: NodePicturesProps & { max?: number }) {
  const shown = useSyncExternalStore(source.subscribe, () => Math.min(max, source.featureMaps(nodeId)?.channels.length ?? 0));
  const of = useSyncExternalStore(source.subscribe, () => source.featureMaps(nodeId)?.of ?? 0);
  const { list, refFor } = useCanvasList();
  useRedraw(
    source,
    () => source.featureMaps(nodeId),
    (maps) => {
      list.current.forEach((canvas, k) => {
        const picture = maps?.channels[k];
        if (canvas && picture) paintPicture(canvas, picture);
      });
    },
    [nodeId, shown],
  );

  if (!shown) return null;
  return (
    <div className="node-fmaps" title={`The first ${shown} of ${of} channels on the fixed sample`}>
      {Array.from({ length: shown }, (_, k) => (
        <canvas key={k} ref={refFor(k)} className="fmap-thumb" data-testid={`${testId}-${nodeId}-${k}`} aria-label={`${nodeId} channel ${k}`} />
      ))}
      <span className="node-fmaps-of muted">{of > shown ? `+${of - shown}` : ""}</span>
    </div>
  );
}

export const NodeFeatureMaps = memo(NodeFeatureMapsView);
