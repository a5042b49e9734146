/**
 * The right panel: the selected layer's parameters, fine-tuning settings and errors (and, on a
 * torchvision model, expanding it), or the graph's general errors.
 */
import { memo, useCallback, useEffect, useId, useState } from "react";
import { ParamField } from "@/components/param-field";
import { SharedWeights } from "@/components/shared-weights";
import { useTorchvisionArchs } from "@/hooks/use-torchvision-archs";
import { formatCount, formatShape } from "@/lib/format";
import { parseLrMult, TORCHVISION_TYPE } from "@/lib/pretrained";
import type { ParamValue } from "@/lib/types";
import { builderStore, selectSelectedNodeId, selectSelectionCount, useBuilder } from "@/store/builder-store";
import { expandNode, saveBlockToLibrary, ungroupNode } from "@/store/commands";
import { BLOCK_TYPE, declaredParamSpecs, paramUses } from "@/lib/blocks";
import type { GraphError } from "@/lib/types";

/** Node-level keys of the document (not params) that the fine-tuning section edits. */
const FINETUNE_FIELDS = new Set(["trainable", "lr_mult", "share", "tie"]);

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
          <SelectionFreeze />
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
  const warnings = useBuilder((s) => s.errors.warningsByNode[nodeId]);
  const report = useBuilder((s) => s.validation?.value.nodes[nodeId]);
  const updateParam = useBuilder((s) => s.updateParam);
  const renameNode = useBuilder((s) => s.renameNode);
  const openBlock = useBuilder((s) => s.blockPath[s.blockPath.length - 1]);
  const insideBlock = openBlock !== undefined;
  const promoteParam = useBuilder((s) => s.promoteParam);
  const unbindParam = useBuilder((s) => s.unbindParam);
  const onChange = useCallback((name: string, value: ParamValue | undefined) => updateParam(nodeId, name, value), [nodeId, updateParam]);
  const onPromote = useCallback((name: string) => void promoteParam(nodeId, name), [nodeId, promoteParam]);
  const onUnbind = useCallback((name: string) => unbindParam(nodeId, name), [nodeId, unbindParam]);
  const [idText, setIdText] = useState(nodeId);
  const [idError, setIdError] = useState<string | null>(null);
  useEffect(() => setIdText(nodeId), [nodeId]);

  if (!node) return null;
  const fieldErrors = new Map<string, string>();
  const nodeErrors: string[] = [];
  for (const e of errors ?? []) {
    if (e.field && (FINETUNE_FIELDS.has(e.field) || spec?.params.some((p) => p.name === e.field))) {
      if (!fieldErrors.has(e.field)) fieldErrors.set(e.field, e.message);
    } else nodeErrors.push(e.field ? `${e.field}: ${e.message}` : e.message);
  }
  const isTorchvision = node.data.layerType === TORCHVISION_TYPE;
  // Parameter-free layers (ReLU, Flatten) have nothing to freeze, unless they already say so.
  const showFineTune = report?.params !== 0 || node.data.trainable === false || node.data.lrMult !== undefined;
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
      {warnings && (
        <ul className="warning-list" data-testid="inspector-warnings">
          {warnings.map((w, i) => (
            <li key={i}>{w.field ? `${w.field}: ${w.message}` : w.message}</li>
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
      {isTorchvision && <ExpandSection nodeId={nodeId} arch={typeof node.data.params.arch === "string" ? node.data.params.arch : "resnet18"} />}
      {showFineTune && (
        <FineTune
          nodeId={nodeId}
          trainable={node.data.trainable !== false}
          lrMult={node.data.lrMult ?? 1}
          replacedHead={isTorchvision && node.data.params.head === "replace"}
          trainableError={fieldErrors.get("trainable")}
          lrMultError={fieldErrors.get("lr_mult")}
        />
      )}
      {spec && <SharedWeights nodeId={nodeId} spec={spec} errors={fieldErrors} />}
      {node.data.layerType === BLOCK_TYPE && <BlockSection nodeId={nodeId} params={node.data.params} onChange={onChange} fieldErrors={errors ?? []} />}
      {insideBlock && node.data.layerType === "Input" ? (
        <p className="muted" data-testid="block-input-note">A block&apos;s Input takes its shape from the edges into the Block node.</p>
      ) : spec ? (
        <form className="params-form" onSubmit={(e) => e.preventDefault()} data-testid="params-form">
          {spec.params.length === 0 && <p className="muted">This layer has no parameters.</p>}
          {spec.params.map((p) => (
            <ParamField
              key={p.name}
              spec={p}
              value={node.data.params[p.name]}
              serverError={fieldErrors.get(p.name)}
              onChange={onChange}
              {...(insideBlock && node.data.layerType !== BLOCK_TYPE ? { block: openBlock, onPromote, onUnbind } : {})}
            />
          ))}
        </form>
      ) : (
        <p className="field-error">Unknown layer type: the catalog has no {node.data.layerType}.</p>
      )}
    </div>
  );
});

interface FineTuneProps {
  nodeId: string;
  trainable: boolean;
  lrMult: number;
  /** A TorchvisionModel with `head: "replace"`: its new head trains even when the node is frozen. */
  replacedHead: boolean;
  trainableError?: string;
  lrMultError?: string;
}

/** The node-level `trainable` and `lr_mult` keys: freeze a layer, or let it learn faster or slower. */
const FineTune = memo(function FineTune({ nodeId, trainable, lrMult, replacedHead, trainableError, lrMultError }: FineTuneProps) {
  const setTrainable = useBuilder((s) => s.setTrainable);
  const setLrMult = useBuilder((s) => s.setLrMult);
  const id = useId();
  const shown = (v: number) => (v === 1 ? "" : String(v));
  const [text, setText] = useState(() => shown(lrMult));
  const [localError, setLocalError] = useState<string | null>(null);
  // Follow undo and redo unless the field holds an edit that does not parse yet.
  useEffect(() => {
    setText((current) => {
      const parsed = parseLrMult(current);
      return parsed.ok && parsed.value === lrMult ? current : shown(lrMult);
    });
    setLocalError(null);
  }, [lrMult]);
  const onText = (raw: string) => {
    setText(raw);
    const parsed = parseLrMult(raw);
    if (parsed.ok) {
      setLocalError(null);
      setLrMult([nodeId], parsed.value);
    } else setLocalError(parsed.error);
  };
  const lrError = localError ?? lrMultError ?? null;
  return (
    <fieldset className="finetune" data-testid="finetune">
      <legend>Fine-tuning</legend>
      <div className={`field field-inline${trainableError ? " has-error" : ""}`}>
        <input id={`${id}-trainable`} type="checkbox" checked={trainable} onChange={(e) => setTrainable([nodeId], e.target.checked)} data-testid="node-trainable" />
        <label htmlFor={`${id}-trainable`} className="field-label">
          Trainable
        </label>
        <div className="field-help">
          {trainableError ? (
            <span className="field-error">{trainableError}</span>
          ) : (
            <span className="muted">
              {trainable
                ? "Learns during training."
                : `Frozen: its weights and BatchNorm statistics stay as they are${replacedHead ? "; the replaced head still trains" : ""}.`}
            </span>
          )}
        </div>
      </div>
      <div className={`field${lrError ? " has-error" : ""}`}>
        <label htmlFor={`${id}-lr`} className="field-label">
          LR multiplier
        </label>
        <input
          id={`${id}-lr`}
          type="text"
          inputMode="decimal"
          value={text}
          placeholder="1"
          disabled={!trainable}
          onChange={(e) => onText(e.target.value)}
          aria-invalid={lrError ? true : undefined}
          data-testid="node-lr-mult"
          spellCheck={false}
          autoComplete="off"
        />
        <div className="field-help">
          {lrError ? (
            <span className="field-error" data-testid="node-lr-mult-error">
              {lrError}
            </span>
          ) : (
            <span className="muted">× the run&apos;s learning rate (0 &lt; m ≤ 1000), e.g. 0.1 for a pretrained backbone.</span>
          )}
        </div>
      </div>
    </fieldset>
  );
});

/** "Expand into layers" on a TorchvisionModel node; architectures that can't expand say why instead. */
function ExpandSection({ nodeId, arch }: { nodeId: string; arch: string }) {
  const { archs } = useTorchvisionArchs();
  const [busy, setBusy] = useState(false);
  const refused = archs?.find((a) => a.arch === arch)?.expand_problem ?? null;
  return (
    <div className="expand-section">
      <button
        type="button"
        disabled={busy || refused !== null}
        onClick={() => {
          setBusy(true);
          void expandNode(nodeId).finally(() => setBusy(false));
        }}
        title="Replace this node with its layers (E)"
        data-testid="expand-button"
      >
        {busy ? "Expanding…" : "Expand into layers"}
      </button>
      <p className={refused ? "field-error" : "muted"} data-testid="expand-note">
        {refused ?? "Replaces the node with its layers, names and parameter count unchanged (one undo step). Its weights setting does not carry over: import the weights file afterwards."}
      </p>
    </div>
  );
}

/** Freeze or unfreeze every selected layer at once (e.g. a whole expanded backbone). */
function SelectionFreeze() {
  const setTrainable = useBuilder((s) => s.setTrainable);
  const frozen = useBuilder((s) => s.nodes.filter((n) => n.selected && n.data.trainable === false).length);
  const selectedIds = () => builderStore.getState().nodes.filter((n) => n.selected).map((n) => n.id);
  return (
    <div className="selection-freeze">
      <p className="muted" data-testid="selection-frozen">
        {frozen ? `${frozen} of them frozen.` : "None of them frozen."}
      </p>
      <button type="button" onClick={() => setTrainable(selectedIds(), false)} data-testid="freeze-selected">
        ❄ Freeze selected
      </button>
      <button type="button" onClick={() => setTrainable(selectedIds(), true)} data-testid="unfreeze-selected">
        Unfreeze selected
      </button>
    </div>
  );
}

function GraphInspector() {
  const openBlock = useBuilder((s) => s.blockPath[s.blockPath.length - 1]);
  const general = useBuilder((s) => s.errors.general);
  const count = useBuilder((s) => s.nodes.length);
  const edges = useBuilder((s) => s.edges.length);
  const outputShapes = useBuilder((s) => s.validation?.value.output_shapes);
  const outputs = Array.isArray(outputShapes) ? outputShapes : outputShapes ? Object.values(outputShapes) : null;
  const frozen = useBuilder((s) => s.nodes.filter((n) => n.data.trainable === false).length);
  return (
    <div className="pad">
      <h2>Network</h2>
      <p className="muted">
        {count} layers, {edges} connections. Select a layer to edit its parameters.
      </p>
      {frozen > 0 && (
        <p data-testid="graph-frozen">
          ❄ {frozen} layer{frozen === 1 ? "" : "s"} frozen (not trained).
        </p>
      )}
      {outputs && outputs.length > 0 && (
        <p data-testid="graph-outputs">
          Outputs:{" "}
          {outputs.every((s) => Array.isArray(s)) ? (
            <code>{outputs.map((s) => `(${(s as number[]).join(", ")})`).join(", ")}</code>
          ) : (
            <span className="muted">shape unknown until the errors are fixed</span>
          )}
        </p>
      )}
      {openBlock !== undefined && <BlockParams block={openBlock} />}
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

interface BlockSectionProps {
  nodeId: string;
  params: Record<string, ParamValue>;
  onChange(name: string, value: ParamValue | undefined): void;
  fieldErrors: GraphError[];
}

/** A Block node's block: its declared parameters, and Open, Ungroup and Save to library. */
function BlockSection({ nodeId, params, onChange, fieldErrors }: BlockSectionProps) {
  const name = typeof params.block === "string" ? params.block : null;
  const def = useBuilder((s) => (name ? s.blocks[name] : undefined));
  const top = useBuilder((s) => s.blockPath.length === 0);
  const openBlock = useBuilder((s) => s.openBlock);
  const [busy, setBusy] = useState(false);
  const specs = declaredParamSpecs(def);
  const errorOf = (field: string) => fieldErrors.find((e) => e.field === field)?.message;
  const run = (work: () => Promise<unknown>) => {
    setBusy(true);
    void work().finally(() => setBusy(false));
  };
  return (
    <section className="block-section" data-testid="block-section">
      {specs.length > 0 && (
        <form className="params-form" onSubmit={(e) => e.preventDefault()} data-testid="block-params-form">
          <h3>{name}&apos;s parameters</h3>
          {specs.map((p) => (
            <ParamField key={p.name} spec={p} value={params[p.name]} serverError={errorOf(p.name)} onChange={onChange} />
          ))}
        </form>
      )}
      <div className="block-actions">
        <button type="button" disabled={!def} onClick={() => name && openBlock(name)} title="Edit the block's inside (or double-click the node); edits change every use" data-testid="open-block-button">
          Open
        </button>
        <button type="button" disabled={busy || !top} onClick={() => run(() => ungroupNode(nodeId))} title="Write this use out as its layers (one undo step)" data-testid="ungroup-button">
          Ungroup
        </button>
        <button type="button" disabled={busy || !def} onClick={() => run(() => saveBlockToLibrary(nodeId))} title="Keep this block to reuse in other architectures" data-testid="save-block-button">
          Save to library
        </button>
      </div>
      {!def && name && <p className="field-error">The graph has no block {name}.</p>}
    </section>
  );
}

/**
 * The open block's declared parameters: each with its default (what a use that sets none gets), the fields
 * that read it, and Remove once none does.
 */
function BlockParams({ block }: { block: string }) {
  const def = useBuilder((s) => s.blocks[block]);
  const nodes = useBuilder((s) => s.nodes);
  const setDefault = useBuilder((s) => s.setBlockParamDefault);
  const remove = useBuilder((s) => s.removeBlockParam);
  const specs = declaredParamSpecs(def);
  const onDefault = useCallback((name: string, value: ParamValue | undefined) => setDefault(name, value), [setDefault]);
  const docNodes = nodes.map((n) => ({ id: n.id, params: n.data.params }));
  return (
    <section className="block-params" data-testid="block-params">
      <h3>{block}&apos;s parameters</h3>
      {specs.length === 0 ? (
        <p className="muted" data-testid="block-params-none">
          None yet: select a layer and press ⇡ beside a field to make it one, so that each use of {block} sets its own value.
        </p>
      ) : (
        <form className="params-form" onSubmit={(e) => e.preventDefault()}>
          {specs.map((p) => {
            const uses = paramUses(docNodes, p.name);
            return (
              <div key={p.name} className="block-param" data-testid={`block-param-${p.name}`}>
                <ParamField spec={{ ...p, required: false }} value={def?.params?.[p.name]?.default} onChange={onDefault} />
                <p className="muted" data-testid={`block-param-uses-${p.name}`}>
                  {uses.length ? `Read by ${uses.join(", ")}` : "Read by no field"}
                </p>
                <button type="button" disabled={uses.length > 0} onClick={() => remove(p.name)} title={uses.length ? "Unbind the fields that read it first" : "Remove it, and its value from every use"} data-testid={`remove-block-param-${p.name}`}>
                  Remove
                </button>
              </div>
            );
          })}
        </form>
      )}
    </section>
  );
}
