import { ReactFlowProvider } from "@xyflow/react";
import { act, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { NodeFeatureMaps, NodeUnits } from "@/components/node-pictures";
import { frames } from "@/lib/frame";
import type { PictureSource } from "@/lib/picture-source";
import type { ChannelPictures, UnitPictures } from "@/lib/run-types";

/** A 2-D context that records what is put on each canvas (jsdom draws nothing). */
const drawn = new Map<HTMLCanvasElement, Uint8ClampedArray>();

beforeEach(() => {
  drawn.clear();
  vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockImplementation(function (this: HTMLCanvasElement) {
    const canvas = this;
    return {
      createImageData: (w: number, h: number) => ({ width: w, height: h, data: new Uint8ClampedArray(w * h * 4) }),
      putImageData: (image: ImageData) => drawn.set(canvas, Uint8ClampedArray.from(image.data)),
    } as unknown as CanvasRenderingContext2D;
  });
});

afterEach(() => vi.restoreAllMocks());

function source() {
  let units: Record<string, UnitPictures> = {};
  let maps: Record<string, ChannelPictures> = {};
  const listeners = new Set<() => void>();
  const s: PictureSource & { set(u: Record<string, UnitPictures>, m?: Record<string, ChannelPictures>): void; listeners: Set<() => void> } = {
    units: (id) => units[id],
    featureMaps: (id) => maps[id],
    subscribe: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    set(u, m = {}) {
      units = u;
      maps = m;
      act(() => listeners.forEach((l) => l()));
    },
    listeners,
  };
  return s;
}

const unitsOf = (n: number, v: number): UnitPictures => ({ size: 2, range: [-v, v], values: Array.from({ length: n }, (_, k) => [k % 2 ? v : -v, 0, 0, v]) });

describe("a node's unit heatmaps", () => {
  it("are one canvas per unit, drawn at the next frame and redrawn when new values come, without a new canvas", () => {
    const src = source();
    render(<NodeUnits nodeId="fc1" source={src} testId="run-node-unit" />);
    expect(screen.queryAllByTestId(/^run-node-unit-fc1-/)).toHaveLength(0);

    src.set({ fc1: unitsOf(3, 1) });
    const canvases = screen.getAllByTestId(/^run-node-unit-fc1-\d$/) as HTMLCanvasElement[];
    expect(canvases).toHaveLength(3);
    act(() => frames.flush());
    expect(canvases[0]!.width).toBe(2);
    // unit 0's first value (-1, row 0 = y min) is the bottom-left pixel: orange
    expect(Array.from(drawn.get(canvases[0]!)!.slice(8, 12))).toEqual([245, 147, 34, 255]);

    src.set({ fc1: unitsOf(3, 2) });
    expect(screen.getAllByTestId(/^run-node-unit-fc1-\d$/)[0]).toBe(canvases[0]); // same canvases
    drawn.clear();
    act(() => frames.flush());
    expect(drawn.size).toBe(3);
  });

  it("enlarge the hovered unit with its index and range", () => {
    const src = source();
    src.set({ fc1: unitsOf(2, 1) });
    render(
      <ReactFlowProvider>
        <NodeUnits nodeId="fc1" source={src} testId="node-unit" />
      </ReactFlowProvider>,
    );
    fireEvent.mouseEnter(screen.getByTestId("node-unit-fc1-1"));
    act(() => frames.flush());
    const popover = screen.getByTestId("node-unit-popover-fc1");
    expect(popover.textContent).toBe("unit 1 · 0.00 to 1.00");
    expect(popover.style.transform).toBe("scale(1)"); // as large on screen at any zoom
    fireEvent.mouseLeave(popover.parentElement!);
    expect(screen.queryByTestId("node-unit-popover-fc1")).toBeNull();
  });

  it("stop listening when the node goes away", () => {
    const src = source();
    const { unmount } = render(<NodeUnits nodeId="fc1" source={src} testId="t" />);
    expect(src.listeners.size).toBeGreaterThan(0);
    unmount();
    expect(src.listeners.size).toBe(0);
  });
});

describe("a node's feature maps", () => {
  it("show the first channels in grey and how many there are", () => {
    const src = source();
    const picture = { size: [1, 2] as [number, number], range: [0, 1] as [number, number], values: [[0, 1]] };
    src.set({}, { conv1: { channels: Array.from({ length: 6 }, () => picture), of: 8 } });
    render(<NodeFeatureMaps nodeId="conv1" source={src} testId="run-node-fmap" />);
    const thumbs = screen.getAllByTestId(/^run-node-fmap-conv1-\d$/) as HTMLCanvasElement[];
    expect(thumbs).toHaveLength(4);
    act(() => frames.flush());
    expect(Array.from(drawn.get(thumbs[0]!)!)).toEqual([0, 0, 0, 255, 255, 255, 255, 255]);
    expect(screen.getByText("+4")).toBeTruthy();
  });
});
