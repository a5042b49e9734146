/**
 * A layer on the canvas: title, key parameters, output shape, ordered input ports, errors in red,
 * and a snowflake when it is frozen (or its learning-rate multiplier when it has one).
 */
import { Handle, Position, useStoreApi, useUpdateNodeInternals, type NodeProps } from "@xyflow/react";
import { memo, useEffect, useRef } from "react";
import { BLOCK_TYPE, blockInputCount } from "@/lib/blocks";
import { keyParams } from "@/lib/catalog";
import { formatShape } from "@/lib/format";
import { inHandle, inputPortCount, outHandle, outputPortCount, type LayerNode } from "@/lib/graph";
import type { Direction } from "@/lib/layout";
import { highestInPort, highestOutPort } from "@/lib/port-index";
import { NodeFeatureMaps, NodeUnits } from "@/components/node-pictures";
import { ProbePreview } from "@/components/probe-preview";
import { useBuilder } from "@/store/builder-store";
import { useProbe } from "@/store/probe-store";
import { lastRunPictures, useRunPictures } from "@/store/run-pictures-store";

const NO_PORTS: number[] = [];

/**
 * React Flow caches handle positions; tell it when a node grows or loses ports or they turn to
 * another side. Not on every mount: a new node's handles are measured with it, and asking then
 * re-measures every node of a big graph; only when the cached handles face another way (the layout
 * direction changed while this node was out of view).
 */
function usePortsChanged(id: string, inputs: number, outputs: number, direction: Direction): void {
  const updateNodeInternals = useUpdateNodeInternals();
  const flow = useStoreApi();
  const drawn = useRef({ inputs, outputs, direction });
  useEffect(() => {
    const target = flow.getState().nodeLookup.get(id)?.internals.handleBounds?.target?.[0];
    if (target && target.position !== (direction === "RIGHT" ? Position.Left : Position.Top)) updateNodeInternals(id);
  }, [id, flow, updateNodeInternals]); // eslint-disable-line react-hooks/exhaustive-deps -- on mount only
  useEffect(() => {
    const was = drawn.current;
    if (was.inputs === inputs && was.outputs === outputs && was.direction === direction) return;
    drawn.current = { inputs, outputs, direction };
    updateNodeInternals(id);
  }, [id, inputs, outputs, direction, updateNodeInternals]);
}

function LayerNodeView({ id, data, selected }: NodeProps<LayerNode>) {
  const spec = useBuilder((s) => s.layers.get(data.layerType));
  const report = useBuilder((s) => s.validation?.value.nodes[id]);
  const errors = useBuilder((s) => s.errors.byNode[id]);
  const warnings = useBuilder((s) => s.errors.warningsByNode[id]);
  const catalogLoaded = useBuilder((s) => s.catalog !== null);
  // On a block's canvas the probe's answer for this node is under its path in the block's first use.
  const prefix = useBuilder((s) => s.canvasPrefix);
  const probe = useProbe((s) => (s.on && prefix !== null ? s.result?.nodes[prefix + id] : undefined));
  // The last run's pictures, unless Probe mode shows this graph's own outputs.
  const probing = useProbe((s) => s.on);
  const picturesOn = useRunPictures((s) => s.on && s.pictures !== null);
  const runPictures = picturesOn && !probing && prefix === ""; // a run's pictures are of the top graph's nodes
  // Only variadic nodes (Add, Concat) grow ports with their edges; others never look at the edge list.
  // One index per edge list (lib/port-index) makes each node's lookup O(1), not a scan of every edge.
  const highestPort = useBuilder((s) => (spec && spec.inputs.max !== null ? -1 : highestInPort(s.edges, id)));
  const highestOut = useBuilder((s) => (spec && spec.outputs !== null ? -1 : highestOutPort(s.edges, id)));
  // A Block node has a port per Input of its block, not a variadic node's free extra one.
  const blockInputs = useBuilder((s) => (data.layerType === BLOCK_TYPE ? blockInputCount(s.blocks, data.params.block) : null));
  const inputs = blockInputs !== null ? Math.max(blockInputs, highestPort + 1) : inputPortCount(spec, highestPort >= 0 ? [highestPort] : NO_PORTS);
  const outputs = outputPortCount(spec, report?.shapes.length ?? 0, highestOut >= 0 ? [highestOut] : NO_PORTS);
  const direction = useBuilder((s) => s.layoutDirection);
  usePortsChanged(id, inputs, outputs, direction);
  const across = direction === "RIGHT" ? "top" : "left";
  const summary = keyParams(spec, data.params);
  const firstError = errors?.[0];
  const firstWarning = warnings?.[0];
  const unknown = catalogLoaded && !spec;
  const names = spec?.inputs.names;
  // A frozen parameter-free layer (an expanded backbone's ReLU) has nothing to freeze: no badge.
  const frozen = data.trainable === false && report?.params !== 0;

  return (
    <div
      className={`layer-node cat-${(spec?.category ?? "unknown").toLowerCase().replace(/[^a-z]+/g, "-")}${firstError || unknown ? " has-error" : ""}${selected ? " is-selected" : ""}${frozen ? " is-frozen" : ""}`}
      data-testid={`node-${id}`}
      data-error={firstError ? "true" : "false"}
      data-frozen={data.trainable === false ? "true" : "false"}
    >
      {Array.from({ length: inputs }, (_, port) => {
        const at = `${((port + 1) / (inputs + 1)) * 100}%`;
        return (
          <Handle
            key={`in-${port}`}
            id={inHandle(port)}
            type="target"
            position={direction === "RIGHT" ? Position.Left : Position.Top}
            style={{ [across]: at }}
            className="port port-in"
            data-testid={`port-in-${id}-${port}`}
          >
            {inputs > 1 && <span className="port-label port-label-in">{names?.[port] ?? port}</span>}
          </Handle>
        );
      })}
      <div className="layer-node-head">
        {frozen && (
          <span className="frozen-badge" data-testid={`node-frozen-${id}`} title="Frozen: not trained" aria-label="frozen">
            ❄
          </span>
        )}
        <span className="layer-node-type">{data.layerType}</span>
        {data.trainable !== false && data.lrMult !== undefined && (
          <span className="lr-badge" data-testid={`node-lr-${id}`} title="Learning-rate multiplier">
            lr ×{data.lrMult}
          </span>
        )}
        {/* A Block node's block name shows under its id when zoomed far out (styles.css). */}
        <span className="layer-node-id" data-block={(data.layerType === BLOCK_TYPE && typeof data.params.block === "string" && data.params.block) || undefined}>
          {id}
        </span>
      </div>
      {summary.length > 0 && (
        <div className="layer-node-params" title={summary.join("\n")}>
          {summary.join(" · ")}
        </div>
      )}
      <div className="layer-node-foot">
        <span className="shape-badge" data-testid={`node-shape-${id}`} title="Output shape">
          {report?.shape ? formatShape(report.shape) : "?"}
        </span>
        {report?.params ? <span className="layer-node-count">{report.params.toLocaleString("en-US")} p</span> : null}
      </div>
      {probe && !firstError && <ProbePreview probe={probe} />}
      {runPictures && (
        <div className="layer-node-pictures">
          <NodeUnits nodeId={id} source={lastRunPictures} testId="node-unit" />
          <NodeFeatureMaps nodeId={id} source={lastRunPictures} testId="node-fmap" />
        </div>
      )}
      {(firstError || unknown) && (
        <div className="layer-node-error" data-testid={`node-error-${id}`} title={errors?.map((e) => e.message).join("\n")}>
          {firstError ? (
            <>
              {firstError.field && <b>{firstError.field}: </b>}
              {firstError.message}
              {errors && errors.length > 1 && ` (+${errors.length - 1})`}
            </>
          ) : (
            `Unknown layer type ${data.layerType}`
          )}
        </div>
      )}
      {firstWarning && !firstError && !unknown && (
        <div className="layer-node-warning" data-testid={`node-warning-${id}`} title={warnings?.map((w) => w.message).join("\n")}>
          {firstWarning.field && <b>{firstWarning.field}: </b>}
          {firstWarning.message}
          {warnings && warnings.length > 1 && ` (+${warnings.length - 1})`}
        </div>
      )}
      {Array.from({ length: outputs }, (_, port) => (
        <Handle
          key={`out-${port}`}
          id={outHandle(port)}
          type="source"
          position={direction === "RIGHT" ? Position.Right : Position.Bottom}
          style={{ [across]: `${((port + 1) / (outputs + 1)) * 100}%` }}
          className="port port-out"
          data-testid={`port-out-${id}-${port}`}
        >
          {outputs > 1 && <span className="port-label port-label-out">{port}</span>}
        </Handle>
      ))}
    </div>
  );
}

export const LayerNodeComponent = memo(LayerNodeView);
