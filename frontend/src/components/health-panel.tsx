/**
 * Training health per graph node (the server measures it on a fixed batch each watchable epoch): the
 * latest measures in a table, a cell marked where the server says a measure is past its alert line, and
 * every alert the run raised, in plain words, each naming its node.
 */
import { memo } from "react";
import { useRun } from "@/store/run-store";

function pct(v: number | null): string {
  return v === null ? "–" : `${Math.round(v * 100)} %`;
}

function num(v: number | null): string {
  if (v === null) return "–";
  const a = Math.abs(v);
  return a !== 0 && (a < 0.001 || a >= 1000) ? v.toExponential(1) : v.toFixed(3);
}

function HealthPanelView() {
  const latest = useRun((s) => s.series.latest.health);
  const alerts = useRun((s) => s.series.alerts);
  if (!latest) return <p className="muted pad">Each node's health appears after the first epoch.</p>;
  const rows = Object.entries(latest.value);
  return (
    <div className="health-panel" data-testid="health-panel">
      {alerts.length > 0 && (
        <ul className="health-alerts" data-testid="health-alerts">
          {alerts.map((a, i) => (
            <li key={i} className={`alert-${a.kind}`} data-node={a.node}>
              ⚠ {a.message}
            </li>
          ))}
        </ul>
      )}
      <table className="health-table">
        <caption className="muted">after epoch {latest.epoch}, on a fixed batch</caption>
        <thead>
          <tr>
            <th>node</th>
            <th>act mean</th>
            <th>act std</th>
            <th>dead</th>
            <th>saturated</th>
            <th>grad norm</th>
            <th>update ratio</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(([node, h]) => (
            <tr key={node} data-testid={`health-${node}`}>
              <td>{node}</td>
              <td>{num(h.act_mean)}</td>
              <td>{num(h.act_std)}</td>
              <td className={h.alerts?.includes("dead") ? "warn" : undefined}>{pct(h.dead_fraction)}</td>
              <td className={h.alerts?.includes("saturated") ? "warn" : undefined}>{pct(h.saturated_fraction)}</td>
              <td className={h.alerts?.includes("exploding") ? "warn" : undefined}>{num(h.grad_norm)}</td>
              <td>{num(h.update_ratio)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export const HealthPanel = memo(HealthPanelView);
