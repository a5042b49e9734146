/** The right panel: the selected layer's parameters and errors, or the graph's general errors. */
import { memo, useCallback, useEffect, useState } from "react";
import { ParamField } from "@/components/param-field";
import { formatCount, formatShape } from "@/lib/format";
import type { ParamValue } from "@/lib/types";
import { selectSelectedNodeId, selectSelectionCount, useBuilder } from "@/store/builder-store";

export function Inspector() {
  const selectedId = useBuilder(selectSelectedNodeId);
  const selectionCount = useBuilder(selectSelectionCount);
  return (
    <aside className="inspector" aria-label="Inspector" data-testid="inspector">
      {selectedId ? (
        <NodeInspector key={selectedId} nodeId={selectedId} />
      ) : selectionCount > 1 ? (
        <div className="pad">
          <h2>{selectionCount} layers selected</h2>
          <p className="muted">Ctrl+C to copy, Delete to remove, L to lay out.</p>
        </div>
      ) : (
        <GraphInspector />
      )}
    </aside>
  );
}

const NodeInspector = memo(function NodeInspector({ nodeId }: { nodeId: string }) {
  const node = useBuilder((s) => s.nodes.find((n) => n.id === nodeId));
  const spec = useBuilder((s) => (node ? s.layers.get(node.data.layerType) : undefined));
  const errors = useBuilder((s) => s.errors.byNode[nodeId]);
  const report = useBuilder((s) => s.validation?.value.nodes[nodeId]);
  const updateParam = useBuilder((s) => s.updateParam);
  const renameNode = useBuilder((s) => s.renameNode);
  const onChange = useCallback((name: string, value: ParamValue | undefined) => updateParam(nodeId, name, value), [nodeId, updateParam]);
  const [idText, setIdText] = useState(nodeId);
  const [idError, setIdError] = useState<string | null>(null);
  useEffect(() => setIdText(nodeId), [nodeId]);

  if (!node) return null;
  const fieldErrors = new Map<string, string>();
  const nodeErrors: string[] = [];
  for (const e of errors ?? []) {
    if (e.field && spec?.params.some((p) => p.name === e.field)) {
      if (!fieldErrors.has(e.field)) fieldErrors.set(e.field, e.message);
    } else nodeErrors.push(e.field ? `${e.field}: ${e.message}` : e.message);
  }
  const commitId = () => {
    const err = renameNode(nodeId, idText.trim());
    setIdError(err);
  };

  return (
    <div className="inspector-node">
      <header>
        <h2>{node.data.layerType}</h2>
        {spec && <p className="muted doc">{spec.doc}</p>}
      </header>
      <div className={`field${idError ? " has-error" : ""}`}>
        <label className="field-label" htmlFor="node-id-input">
          id
        </label>
        <input
          id="node-id-input"
          value={idText}
          onChange={(e) => setIdText(e.target.value)}
          onBlur={commitId}
          onKeyDown={(e) => e.key === "Enter" && commitId()}
          data-testid="node-id-input"
          spellCheck={false}
        />
        <div className="field-help">
          {idError ? <span className="field-error">{idError}</span> : <span className="muted">Name in model.py</span>}
        </div>
      </div>
      {nodeErrors.length > 0 && (
        <ul className="error-list" data-testid="inspector-errors">
          {nodeErrors.map((m, i) => (
            <li key={i}>{m}</li>
          ))}
        </ul>
      )}
      <dl className="node-facts">
        <dt>Output</dt>
        <dd data-testid="inspector-shape">{!report?.shape ? "–" : report.shapes.length > 1 ? report.shapes.map((s) => formatShape(s)).join(" ") : formatShape(report.shape)}</dd>
        <dt>Parameters</dt>
        <dd>{report?.params != null ? report.params.toLocaleString("en-US") : "–"}</dd>
        <dt>FLOPs</dt>
        <dd>{report?.flops != null ? formatCount(report.flops) : "–"}</dd>
      </dl>
      {spec ? (
        <form className="params-form" onSubmit={(e) => e.preventDefault()} data-testid="params-form">
          {spec.params.length === 0 && <p className="muted">This layer has no parameters.</p>}
          {spec.params.map((p) => (
            <ParamField key={p.name} spec={p} value={node.data.params[p.name]} serverError={fieldErrors.get(p.name)} onChange={onChange} />
          ))}
        </form>
      ) : (
        <p className="field-error">Unknown layer type: the catalog has no {node.data.layerType}.</p>
      )}
    </div>
  );
});

function GraphInspector() {
  const general = useBuilder((s) => s.errors.general);
  const count = useBuilder((s) => s.nodes.length);
  const edges = useBuilder((s) => s.edges.length);
  const outputs = useBuilder((s) => s.validation?.value.output_shapes);
  return (
    <div className="pad">
      <h2>Network</h2>
      <p className="muted">
        {count} layers, {edges} connections. Select a layer to edit its parameters.
      </p>
      {outputs && (
        <p>
          Outputs: <code>{JSON.stringify(outputs)}</code>
        </p>
      )}
      {general.length > 0 && (
        <ul className="error-list" data-testid="graph-errors">
          {general.map((e, i) => (
            <li key={i}>
              {e.node && <b>{e.node}: </b>}
              {e.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
