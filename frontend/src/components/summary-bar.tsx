/** The bottom bar: totals from the latest validation answer and whether it is current. */
import { formatBytes, formatCount, formatExact } from "@/lib/format";
import { useBuilder } from "@/store/builder-store";

export function SummaryBar() {
  const result = useBuilder((s) => s.validation?.value ?? null);
  const current = useBuilder((s) => s.validation !== null && s.validation.revision === s.revision);
  const nodes = useBuilder((s) => s.nodes.length);
  const errorCount = result?.errors.length ?? 0;
  const warnings = result?.warnings ?? [];
  const status = !result ? "Checking…" : !current ? "Checking…" : errorCount ? `${errorCount} error${errorCount === 1 ? "" : "s"}` : "Valid";
  return (
    <footer className="summary-bar" data-testid="summary-bar">
      <span className={`status ${!result || !current ? "pending" : errorCount ? "bad" : "good"}`} data-testid="summary-status">
        {status}
      </span>
      <Figure label="Parameters" testId="summary-params" value={result ? formatExact(result.params) : "–"} title={result ? formatCount(result.params) : undefined} />
      {/* From validate's trainable_params: frozen nodes ("trainable": false) are left out. */}
      <Figure
        label="Trainable"
        testId="summary-trainable"
        value={result ? formatExact(result.trainable_params) : "–"}
        title={result && result.trainable_params !== result.params ? `${formatExact(result.params - result.trainable_params)} frozen` : undefined}
      />
      <Figure label="FLOPs" testId="summary-flops" value={result ? formatCount(result.flops) : "–"} title={result ? formatExact(result.flops) : undefined} />
      <Figure label="Memory" testId="summary-memory" value={result ? formatBytes(result.param_bytes) : "–"} />
      <Figure label="Errors" testId="summary-errors" value={result ? String(errorCount) : "–"} />
      {warnings.length > 0 && (
        <Figure label="Warnings" testId="summary-warnings" value={String(warnings.length)} title={warnings.map((w) => `${w.node ?? ""}: ${w.message}`).join("\n")} />
      )}
      <span className="spacer" />
      <span className="muted" data-testid="summary-layers">
        {nodes} layers
      </span>
    </footer>
  );
}

function Figure({ label, value, testId, title }: { label: string; value: string; testId: string; title?: string }) {
  return (
    <span className="figure" title={title}>
      <span className="figure-label">{label}</span>
      <span className="figure-value" data-testid={testId}>
        {value}
      </span>
    </span>
  );
}
