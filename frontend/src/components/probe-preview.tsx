/**
 * A node's output in Probe mode: its statistics and a small picture: bars for a vector's values, a
 * heatmap for a 2-D output, the first channel of a 3-D one (the server pools each to at most 32 × 32).
 */
import { memo, useEffect, useRef, type ReactElement } from "react";
import { paintPicture } from "@/components/node-pictures";
import type { Picture as RunPicture } from "@/lib/run-types";
import type { NodeProbe } from "@/store/probe-store";

type Picture = { size: number[]; range: number[]; values: number[][] };

function fmt(v: number | undefined): string {
  if (v === undefined) return "–";
  const a = Math.abs(v);
  return a !== 0 && (a < 0.01 || a >= 1000) ? v.toExponential(1) : v.toFixed(2);
}

function Bars({ values }: { values: number[] }) {
  const hi = Math.max(1e-12, ...values.map(Math.abs));
  const w = 120 / Math.max(values.length, 1);
  return (
    <svg className="probe-bars" width={120} height={28} viewBox="0 0 120 28" data-testid="probe-bars" aria-label={`${values.length} values`}>
      <line x1={0} x2={120} y1={14} y2={14} className="probe-axis" />
      {values.map((v, i) => {
        const h = (Math.abs(v) / hi) * 13;
        return <rect key={i} x={i * w} y={v >= 0 ? 14 - h : 14} width={Math.max(w - 0.5, 0.5)} height={h} className={v >= 0 ? "pos" : "neg"} />;
      })}
    </svg>
  );
}

function Heatmap({ picture }: { picture: Picture }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const [h, w] = picture.size as [number, number];
  useEffect(() => {
    if (ref.current) paintPicture(ref.current, picture as RunPicture);
  }, [picture]);
  return <canvas ref={ref} className="probe-heatmap" width={w} height={h} data-testid="probe-heatmap" aria-label={`${h}×${w} picture`} />;
}

function ProbePreviewView({ probe }: { probe: NodeProbe }) {
  const preview = probe.preview as { kind?: string; values?: unknown; channels?: Picture[]; of?: number; truncated?: boolean } & Partial<Picture>;
  let picture: ReactElement | null = null;
  if (preview?.kind === "values" && Array.isArray(preview.values)) picture = <Bars values={preview.values as unknown as number[]} />;
  else if (preview?.kind === "heatmap") picture = <Heatmap picture={preview as Picture} />;
  else if (preview?.kind === "channels" && preview.channels?.length) picture = <Heatmap picture={preview.channels[0]!} />;
  const extra = preview?.kind === "channels" ? ` · ch 0 of ${preview.of}` : preview?.truncated ? " · first 64" : "";
  return (
    <div className="probe-preview" title={`mean ${fmt(probe.mean)}, std ${fmt(probe.std)}, min ${fmt(probe.min)}, max ${fmt(probe.max)}`}>
      {picture}
      <span className="probe-stats">
        μ {fmt(probe.mean)} σ {fmt(probe.std)}
        {extra}
      </span>
    </div>
  );
}

export const ProbePreview = memo(ProbePreviewView);
