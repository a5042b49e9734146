/**
 * The node-level `share` and `tie` keys: call another node's module (a siamese encoder), or take an
 * Embedding's weight as a Linear's (a tied language-model head). Which types may do either is the
 * catalog's (`shareable`, `ties_to`); whether a pick fits (same parameters, sizes) is the server's answer,
 * shown under the field.
 */
import { memo, useId } from "react";
import { linkOf, type NodeLink } from "@/lib/graph";
import type { LayerSpec } from "@/lib/types";
import { useBuilder } from "@/store/builder-store";

interface SharedWeightsProps {
  nodeId: string;
  spec: LayerSpec;
  /** The server's errors on `share` and `tie`, by field. */
  errors: ReadonlyMap<string, string>;
}

/** Ids of the nodes of `type` other than `nodeId`, one per line (a string, so the panel redraws only when they change). */
function useIdsOfType(type: string | null, nodeId: string): string[] {
  const ids = useBuilder((s) =>
    type === null
      ? ""
      : s.nodes
          .filter((n) => n.data.layerType === type && n.id !== nodeId && linkOf(n, "share") === null)
          .map((n) => n.id)
          .join("\n"),
  );
  return ids ? ids.split("\n") : [];
}

export const SharedWeights = memo(function SharedWeights({ nodeId, spec, errors }: SharedWeightsProps) {
  const node = useBuilder((s) => s.nodes.find((n) => n.id === nodeId));
  const setNodeLink = useBuilder((s) => s.setNodeLink);
  const owners = useIdsOfType(spec.shareable ? spec.type : null, nodeId);
  const embeddings = useIdsOfType(spec.ties_to, nodeId);
  const id = useId();
  if (!node || (!spec.shareable && !spec.ties_to)) return null;
  const field = (key: NodeLink, label: string, choices: string[], help: string) => {
    const value = linkOf(node, key);
    const error = errors.get(key);
    // A named node that is gone (or now shares itself) stays listed, so the server's error reads against it.
    const listed = value !== null && !choices.includes(value) ? [...choices, value] : choices;
    return (
      <div className={`field${error ? " has-error" : ""}`}>
        <label className="field-label" htmlFor={`${id}-${key}`}>
          {label}
        </label>
        <select id={`${id}-${key}`} value={value ?? ""} onChange={(e) => setNodeLink(nodeId, key, e.target.value || null)} data-testid={`node-${key}`}>
          <option value="">— its own</option>
          {listed.map((other) => (
            <option key={other} value={other}>
              {other}
            </option>
          ))}
        </select>
        <div className="field-help">{error ? <span className="field-error">{error}</span> : <span className="muted">{help}</span>}</div>
      </div>
    );
  };
  return (
    <fieldset className="finetune" data-testid="shared-weights">
      <legend>Weights</legend>
      {spec.shareable && field("share", "Share module of", owners, `Calls that ${spec.type}'s module: one set of weights for both, trained by both.`)}
      {spec.ties_to && field("tie", `Tie weight to`, embeddings, `Uses that ${spec.ties_to}'s weight as this layer's (a tied output head); only the bias is its own.`)}
    </fieldset>
  );
});
