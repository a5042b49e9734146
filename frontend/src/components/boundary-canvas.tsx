/**
 * The decision boundary over the data, redrawn each epoch (as TensorFlow Playground does): the 64×64
 * grid of predicted classes as light regions, the sampled data points on top in full colour. A slider
 * replays earlier epochs. `data-epochs` counts the boundaries received, `data-epoch` the one shown.
 */
import { memo, useEffect, useRef, useState } from "react";
import { boundaryPixels, classColor, toCanvas } from "@/lib/boundary";
import { boundaryAt } from "@/lib/run-series";
import { useRun } from "@/store/run-store";

const SIZE = 320;

function BoundaryCanvasView({ classes }: { classes: string[] }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const count = useRun((s) => s.series.boundaries.length);
  const hasPoints = useRun((s) => s.series.points !== null);
  const series = useRun((s) => s.series);
  // null follows the latest epoch; a number pins the slider there.
  const [pinned, setPinned] = useState<number | null>(null);
  const shown = boundaryAt(series, pinned ?? undefined);

  useEffect(() => {
    const el = canvas.current;
    const ctx = el?.getContext("2d");
    if (!el || !ctx) return;
    const dpr = window.devicePixelRatio || 1;
    if (el.width !== SIZE * dpr) {
      el.width = SIZE * dpr;
      el.height = SIZE * dpr;
    }
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, SIZE, SIZE);
    if (!shown) return;
    const { boundary } = shown;
    const grid = document.createElement("canvas");
    grid.width = boundary.size;
    grid.height = boundary.size;
    grid.getContext("2d")?.putImageData(new ImageData(boundaryPixels(boundary), boundary.size, boundary.size), 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(grid, 0, 0, SIZE, SIZE);
    for (const [x, y, label] of series.points ?? []) {
      const [px, py] = toCanvas(boundary, x, y, SIZE, SIZE);
      const [r, g, b] = classColor(label);
      ctx.beginPath();
      ctx.arc(px, py, 3, 0, Math.PI * 2);
      ctx.fillStyle = `rgb(${r},${g},${b})`;
      ctx.fill();
      ctx.lineWidth = 1;
      ctx.strokeStyle = "rgba(255,255,255,0.9)";
      ctx.stroke();
    }
  }, [shown, series, hasPoints]);

  const latest = series.boundaries[series.boundaries.length - 1]?.epoch ?? 0;
  const first = series.boundaries[0]?.epoch ?? 0;
  return (
    <div className="boundary">
      <canvas
        ref={canvas}
        className="boundary-canvas"
        style={{ width: SIZE, height: SIZE }}
        data-testid="boundary-canvas"
        data-epochs={count}
        data-epoch={shown?.epoch ?? 0}
        aria-label={shown ? `Decision boundary after epoch ${shown.epoch}` : "Decision boundary (after the first epoch)"}
        role="img"
      />
      {!shown && <div className="boundary-empty muted">The boundary appears after the first epoch.</div>}
      <div className="boundary-foot">
        <div className="legend-row">
          {classes.map((c, i) => {
            const [r, g, b] = classColor(i);
            return (
              <span key={c} className="legend-item">
                <span className="swatch" style={{ background: `rgb(${r},${g},${b})` }} />
                {c}
              </span>
            );
          })}
        </div>
        {count > 1 && (
          <label className="epoch-slider">
            epoch {shown?.epoch ?? latest}
            <input
              type="range"
              min={first}
              max={latest}
              value={pinned ?? latest}
              onChange={(e) => {
                const v = Number(e.target.value);
                setPinned(v >= latest ? null : v);
              }}
              data-testid="boundary-epoch"
            />
          </label>
        )}
      </div>
    </div>
  );
}

export const BoundaryCanvas = memo(BoundaryCanvasView);
