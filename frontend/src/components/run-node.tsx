/**
 * A node of the run page's Network panel, read-only: its type and id, its units' pictures and its
 * first feature maps redrawn live, its alerts as a red badge in plain words, and its colour on the
 * chosen health measure's scale (`data-health-value` is the measure's value, `data-health-position`
 * where it falls on the scale).
 */
import { Handle, Position, type NodeProps } from "@xyflow/react";
import { memo, type CSSProperties } from "react";
import { NodeFeatureMaps, NodeUnits } from "@/components/node-pictures";
import { healthColor, healthPosition, healthValue } from "@/lib/health-scale";
import { inHandle, outHandle } from "@/lib/graph";
import type { RunFlowNode } from "@/lib/run-graph";
import { nodeAlerts } from "@/lib/run-series";
import { runPictures, useRun } from "@/store/run-store";

function categoryClass(category: string | undefined): string {
  return `cat-${(category ?? "unknown").toLowerCase().replace(/[^a-z]+/g, "-")}`;
}

/** `count` read-only handles spread along one side, each with its port's id (`in-1`, `out-0`). */
function Ports({ nodeId, count, type }: { nodeId: string; count: number; type: "target" | "source" }) {
  return Array.from({ length: count }, (_, port) => (
    <Handle
      key={port}
      id={type === "target" ? inHandle(port) : outHandle(port)}
      type={type}
      position={type === "target" ? Position.Top : Position.Bottom}
      isConnectable={false}
      className="run-port"
      style={{ left: `${((port + 1) / (count + 1)) * 100}%` }}
      data-testid={`run-port-${type === "target" ? "in" : "out"}-${nodeId}-${port}`}
    />
  ));
}

function RunNodeView({ id, data }: NodeProps<RunFlowNode>) {
  const measure = useRun((s) => s.colourBy);
  const value = useRun((s) => (measure ? healthValue(s.series.latest.health?.value, id, measure) : null));
  const position = useRun((s) => (measure ? healthPosition(s.series.latest.health?.value, id, measure) : null));
  const alerts = useRun((s) => nodeAlerts(s.series.alerts, id).map((a) => a.message).join("\n"));
  const style = position === null ? undefined : ({ "--health-color": healthColor(position) } as CSSProperties);

  return (
    <div
      className={`run-node ${categoryClass(data.category)}${position !== null ? " has-health" : ""}${alerts ? " has-alert" : ""}`}
      style={style}
      data-testid={`run-node-${id}`}
      data-health-value={value ?? ""}
      data-health-position={position ?? ""}
    >
      <Ports nodeId={id} count={data.inPorts} type="target" />
      <div className="layer-node-head">
        <span className="layer-node-type">{data.layerType}</span>
        <span className="layer-node-id">{id}</span>
      </div>
      {alerts && (
        <div className="node-alert" data-testid={`run-node-alert-${id}`} title={alerts}>
          ⚠ {alerts.split("\n").join(" · ")}
        </div>
      )}
      <NodeUnits nodeId={id} source={runPictures} testId="run-node-unit" />
      <NodeFeatureMaps nodeId={id} source={runPictures} testId="run-node-fmap" />
      <Ports nodeId={id} count={data.outPorts} type="source" />
    </div>
  );
}

export const RunNodeComponent = memo(RunNodeView);
