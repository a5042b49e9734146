/** What a dataset holds: shapes, classes and their counts, and a few samples drawn as images or rows. */
import { memo, useEffect, useRef } from "react";
import type { DatasetPreview, PreviewSample } from "@/lib/run-types";
import { formatShape } from "@/lib/format";

function flat(x: unknown, out: number[] = []): number[] {
  if (Array.isArray(x)) for (const v of x) flat(v, out);
  else if (typeof x === "number") out.push(x);
  return out;
}

/** A sample of shape (C, H, W) or (H, W) as a small picture; values are scaled to the sample's range. */
function SampleImage({ x, shape }: { x: unknown; shape: number[] }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const [c, h, w] = shape.length === 3 ? (shape as [number, number, number]) : [1, shape[0] as number, shape[1] as number];
  useEffect(() => {
    const el = ref.current;
    const ctx = el?.getContext("2d");
    if (!el || !ctx) return;
    const values = flat(x);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of values) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const span = hi - lo || 1;
    const img = ctx.createImageData(w, h);
    for (let i = 0; i < h * w; i++) {
      const at = (ch: number) => Math.round((((values[ch * h * w + i] ?? lo) - lo) / span) * 255);
      const r = at(0);
      img.data[i * 4] = r;
      img.data[i * 4 + 1] = c >= 3 ? at(1) : r;
      img.data[i * 4 + 2] = c >= 3 ? at(2) : r;
      img.data[i * 4 + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
  }, [x, c, h, w]);
  return <canvas ref={ref} width={w} height={h} className="sample-image" />;
}

function label(y: unknown, classes: string[] | undefined): string {
  if (typeof y === "number" && classes && Number.isInteger(y)) return classes[y] ?? String(y);
  if (Array.isArray(y)) return flat(y).map((v) => Number(v.toPrecision(4))).join(", ");
  if (typeof y === "number") return String(Number(y.toPrecision(4)));
  return String(y);
}

function isImage(shape: number[] | undefined): shape is number[] {
  if (!shape) return false;
  if (shape.length === 3) return (shape[0] === 1 || shape[0] === 3) && (shape[1] as number) >= 4 && (shape[2] as number) >= 4;
  return shape.length === 2 && (shape[0] as number) >= 4 && (shape[1] as number) >= 4;
}

function Samples({ samples, shape, classes, columns }: { samples: PreviewSample[]; shape: number[] | undefined; classes: string[] | undefined; columns?: string[] }) {
  if (isImage(shape)) {
    return (
      <div className="sample-grid">
        {samples.map((s, i) => (
          <figure key={i}>
            <SampleImage x={s.x} shape={shape} />
            <figcaption>{label(s.y, classes)}</figcaption>
          </figure>
        ))}
      </div>
    );
  }
  const width = Math.min(8, flat(samples[0]?.x).length);
  const more = flat(samples[0]?.x).length > width;
  return (
    <table className="sample-rows">
      <thead>
        <tr>
          {Array.from({ length: width }, (_, i) => (
            <th key={i}>{columns?.[i] ?? `x${i}`}</th>
          ))}
          {more && <th>…</th>}
          <th className="target">y</th>
        </tr>
      </thead>
      <tbody>
        {samples.map((s, i) => {
          const values = flat(s.x);
          return (
            <tr key={i}>
              {values.slice(0, width).map((v, j) => (
                <td key={j}>{Number.isInteger(v) ? v : v.toFixed(3)}</td>
              ))}
              {more && <td className="muted">…</td>}
              <td className="target">{label(s.y, classes)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function ClassCounts({ counts, classes }: { counts: number[]; classes: string[] }) {
  const max = Math.max(1, ...counts);
  return (
    <div className="class-counts">
      {counts.slice(0, 20).map((n, i) => (
        <div key={i} className="class-count" title={`${classes[i] ?? i}: ${n}`}>
          <span className="class-name">{classes[i] ?? i}</span>
          <span className="bar" style={{ width: `${(n / max) * 100}%` }} />
          <span className="n">{n}</span>
        </div>
      ))}
      {counts.length > 20 && <div className="muted">… {counts.length - 20} more classes</div>}
    </div>
  );
}

function DatasetPreviewView({ preview, loading, error }: { preview: DatasetPreview | null; loading: boolean; error: string | null }) {
  if (error) return <p className="field-error" data-testid="dataset-preview-error">{error}</p>;
  if (!preview) return <p className="muted">{loading ? "Loading the preview…" : "Pick a dataset."}</p>;
  const classes = preview.classes ?? undefined;
  const counts = Array.isArray(preview.class_counts)
    ? preview.class_counts
    : preview.class_counts && classes
      ? classes.map((c) => (preview.class_counts as Record<string, number>)[c] ?? 0)
      : null;
  return (
    <div className={`dataset-preview${loading ? " loading" : ""}`} data-testid="dataset-preview">
      {preview.description && <p className="muted">{preview.description}</p>}
      <dl className="facts">
        <div>
          <dt>task</dt>
          <dd>{preview.task ?? "—"}</dd>
        </div>
        <div>
          <dt>input</dt>
          <dd data-testid="preview-input-shape">{formatShape(preview.input_shape ?? null)}</dd>
        </div>
        <div>
          <dt>samples</dt>
          <dd>{typeof preview.samples === "number" ? preview.samples.toLocaleString("en-US") : "—"}</dd>
        </div>
        <div>
          <dt>{classes ? "classes" : "target"}</dt>
          <dd data-testid="preview-classes">{classes ? classes.length : preview.target_size ?? "—"}</dd>
        </div>
      </dl>
      {counts && classes && <ClassCounts counts={counts} classes={classes} />}
      {preview.preview_of && (
        <p className="muted small-note" data-testid="preview-of">
          Samples from a draw of {preview.preview_of.size.toLocaleString("en-US")} with the same options: the whole set is made when a run starts.
        </p>
      )}
      {preview.preview && preview.preview.length > 0 && <Samples samples={preview.preview} shape={preview.input_shape} classes={classes} columns={preview.columns} />}
    </div>
  );
}

export const DatasetPreviewPanel = memo(DatasetPreviewView);
