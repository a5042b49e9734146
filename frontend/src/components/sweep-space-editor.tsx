/**
 * What a sweep varies: a grid (rows of an option and its values typed as text) or a random space
 * (samples, seed, each option's min, max and log). The options are the server's training options.
 */
import { memo } from "react";
import { valueSeparator, type GridRow, type RangeRow, type SweepMode } from "@/lib/sweep-form";
import type { ParamSpec } from "@/lib/types";

export interface SweepSpaceEditorProps {
  options: ParamSpec[];
  mode: SweepMode;
  grid: GridRow[];
  samples: string;
  seed: string;
  ranges: RangeRow[];
  /** Messages by place: `grid.<option>`, `random.space.<option>`, `random.samples`, `random.seed`. */
  errors: Record<string, string>;
  onMode(mode: SweepMode): void;
  onGrid(rows: GridRow[]): void;
  onSamples(text: string): void;
  onSeed(text: string): void;
  onRanges(rows: RangeRow[]): void;
}

function OptionSelect({ options, value, onChange, testId }: { options: ParamSpec[]; value: string; onChange(v: string): void; testId: string }) {
  return (
    <select value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId} aria-label="Option">
      <option value="">option…</option>
      {options.map((o) => (
        <option key={o.name} value={o.name} title={o.doc ?? undefined}>
          {o.name}
        </option>
      ))}
    </select>
  );
}

function placeholder(spec: ParamSpec | undefined): string {
  if (!spec) return "values, comma-separated";
  if (valueSeparator(spec) === ";") return "values; one per semicolon";
  if (spec.kind === "choice" && spec.choices?.length) return spec.choices.join(", ");
  if (spec.kind === "bool") return "true, false";
  return spec.kind === "int" ? "e.g. 16, 32, 64" : "e.g. 0.1, 0.01, 0.001";
}

function bounds(spec: ParamSpec | undefined): string {
  if (!spec || (spec.min == null && spec.max == null)) return "";
  return `${spec.min ?? "…"} to ${spec.max ?? "…"}${spec.setting ? ` (${spec.setting})` : ""}`;
}

function SweepSpaceEditorView(p: SweepSpaceEditorProps) {
  const specs = new Map(p.options.map((o) => [o.name, o]));
  const setGridRow = (i: number, row: Partial<GridRow>) => p.onGrid(p.grid.map((r, j) => (j === i ? { ...r, ...row } : r)));
  const setRange = (i: number, row: Partial<RangeRow>) => p.onRanges(p.ranges.map((r, j) => (j === i ? { ...r, ...row } : r)));
  return (
    <div className="sweep-space" data-testid="sweep-space">
      <div className="segmented" role="tablist" aria-label="Sweep kind">
        <button type="button" className={p.mode === "grid" ? "on" : undefined} onClick={() => p.onMode("grid")} data-testid="sweep-mode-grid">
          Grid
        </button>
        <button type="button" className={p.mode === "random" ? "on" : undefined} onClick={() => p.onMode("random")} data-testid="sweep-mode-random">
          Random
        </button>
      </div>
      {p.mode === "grid" ? (
        <>
          <p className="muted small-note">Every combination of the values below is one run.</p>
          {p.grid.map((row, i) => {
            const spec = specs.get(row.option);
            const error = p.errors[`grid.${row.option}`];
            return (
              <div key={i} className={`sweep-row${error ? " has-error" : ""}`} data-testid={`sweep-grid-row-${i}`}>
                <OptionSelect options={p.options} value={row.option} onChange={(option) => setGridRow(i, { option })} testId={`sweep-grid-option-${i}`} />
                <input type="text" value={row.values} placeholder={placeholder(spec)} onChange={(e) => setGridRow(i, { values: e.target.value })} data-testid={`sweep-grid-values-${i}`} aria-label={`${row.option || "option"} values`} />
                <button type="button" className="icon-button" onClick={() => p.onGrid(p.grid.filter((_, j) => j !== i))} aria-label="Remove this option">
                  ×
                </button>
                {bounds(spec) && <span className="muted sweep-row-note">{bounds(spec)}</span>}
                {error && <span className="field-error sweep-row-note">{error}</span>}
              </div>
            );
          })}
          <button type="button" className="small ghost" onClick={() => p.onGrid([...p.grid, { option: "", values: "" }])} data-testid="sweep-grid-add">
            + option
          </button>
          {p.errors.grid && <p className="field-error">{p.errors.grid}</p>}
        </>
      ) : (
        <>
          <p className="muted small-note">Each sample draws every option below from its range (log: uniformly in log space).</p>
          <div className="sweep-row">
            <label className="field-label" htmlFor="sweep-samples">
              samples
            </label>
            <input id="sweep-samples" type="text" inputMode="numeric" value={p.samples} onChange={(e) => p.onSamples(e.target.value)} data-testid="sweep-samples" />
            <label className="field-label" htmlFor="sweep-seed">
              seed
            </label>
            <input id="sweep-seed" type="text" inputMode="numeric" value={p.seed} placeholder="0" onChange={(e) => p.onSeed(e.target.value)} data-testid="sweep-seed" />
          </div>
          {(p.errors["random.samples"] || p.errors["random.seed"]) && <p className="field-error">{p.errors["random.samples"] ?? p.errors["random.seed"]}</p>}
          {p.ranges.map((row, i) => {
            const spec = specs.get(row.option);
            const error = p.errors[`random.space.${row.option}`];
            return (
              <div key={i} className={`sweep-row${error ? " has-error" : ""}`} data-testid={`sweep-range-row-${i}`}>
                <OptionSelect options={p.options} value={row.option} onChange={(option) => setRange(i, { option })} testId={`sweep-range-option-${i}`} />
                <input type="text" value={row.min} placeholder="min" onChange={(e) => setRange(i, { min: e.target.value })} data-testid={`sweep-range-min-${i}`} aria-label="min" />
                <input type="text" value={row.max} placeholder="max" onChange={(e) => setRange(i, { max: e.target.value })} data-testid={`sweep-range-max-${i}`} aria-label="max" />
                <label className="check">
                  <input type="checkbox" checked={row.log} onChange={(e) => setRange(i, { log: e.target.checked })} data-testid={`sweep-range-log-${i}`} /> log
                </label>
                <button type="button" className="icon-button" onClick={() => p.onRanges(p.ranges.filter((_, j) => j !== i))} aria-label="Remove this option">
                  ×
                </button>
                {bounds(spec) && <span className="muted sweep-row-note">{bounds(spec)}</span>}
                {error && <span className="field-error sweep-row-note">{error}</span>}
              </div>
            );
          })}
          <button type="button" className="small ghost" onClick={() => p.onRanges([...p.ranges, { option: "", min: "", max: "", log: false }])} data-testid="sweep-range-add">
            + option
          </button>
          {p.errors.random && <p className="field-error">{p.errors.random}</p>}
        </>
      )}
    </div>
  );
}

export const SweepSpaceEditor = memo(SweepSpaceEditorView);
