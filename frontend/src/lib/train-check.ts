/**
 * The obvious mismatches between a graph and a dataset that the Train dialog shows before submitting:
 * the Input's shape against the dataset's samples, and the output size against the classes for a
 * class-index loss. The server checks everything again and its answer is the final word.
 */
import type { GraphDoc, ValidationResult } from "@/lib/types";

export interface DatasetFacts {
  title: string;
  task: string;
  input_shape: number[];
  classes?: string[] | null;
  target_size?: number | null;
}

export interface Mismatch {
  field: "dataset" | "loss";
  node?: string;
  message: string;
}

const CLASS_LOSSES = new Set(["cross_entropy", "nll"]);
const LOSS_NAMES: Record<string, string> = {
  cross_entropy: "CrossEntropyLoss",
  nll: "NLLLoss",
  bce_with_logits: "BCEWithLogitsLoss",
  mse: "MSELoss",
  l1: "L1Loss",
  huber: "HuberLoss",
};

/** A loss as the engine names it (cross_entropy, nll, ...) from any of the spellings it accepts. */
export function canonicalLoss(loss: string | null | undefined, task: string): string {
  if (!loss) return task === "classification" ? "cross_entropy" : "mse";
  const k = loss.trim().toLowerCase().replace(/-/g, "_");
  if (k in LOSS_NAMES) return k;
  for (const [name, cls] of Object.entries(LOSS_NAMES)) {
    const c = cls.toLowerCase();
    if (k === c || k === c.replace(/loss$/, "") || k.replace(/_/g, "") === name.replace(/_/g, "")) return name;
  }
  if (k === "ce" || k === "crossentropy") return "cross_entropy";
  return k;
}

const fmt = (shape: readonly number[]) => `(${shape.join(", ")})`;

export function findMismatches(graph: GraphDoc, validation: ValidationResult | null, dataset: DatasetFacts, loss: string | null | undefined): Mismatch[] {
  const out: Mismatch[] = [];
  const inputs = graph.nodes.filter((n) => n.type === "Input");
  if (inputs.length === 1) {
    const node = inputs[0]!;
    const shape = node.params?.shape;
    if (Array.isArray(shape) && !shape.includes(-1) && fmt(shape as number[]) !== fmt(dataset.input_shape)) {
      out.push({
        field: "dataset",
        node: node.id,
        message: `The graph's input '${node.id}' takes samples of shape ${fmt(shape as number[])}, but '${dataset.title}' gives ${fmt(dataset.input_shape)}`,
      });
    }
  }
  const lossName = canonicalLoss(loss, dataset.task);
  const cls = LOSS_NAMES[lossName] ?? lossName;
  if (dataset.task !== "classification" && CLASS_LOSSES.has(lossName)) {
    out.push({ field: "loss", message: `${cls} needs class labels, but '${dataset.title}' is a regression dataset; use MSELoss, L1Loss or HuberLoss` });
    return out;
  }
  const outputs = validation?.ok && Array.isArray(validation.output_shapes) ? (validation.output_shapes as unknown[]) : null;
  const shape = outputs && outputs.length === 1 && Array.isArray(outputs[0]) ? (outputs[0] as number[]) : null;
  if (shape && shape.length === 1) {
    const k = shape[0] as number;
    if (dataset.task === "classification" && CLASS_LOSSES.has(lossName)) {
      const c = dataset.classes?.length ?? 0;
      if (c && k !== c) out.push({ field: "loss", message: `${cls} needs ${c} outputs for ${c} classes; the model gives ${k}` });
    } else if (dataset.task !== "classification" && dataset.target_size && k !== dataset.target_size) {
      const t = dataset.target_size;
      out.push({ field: "loss", message: `${cls} needs ${t} output${t !== 1 ? "s" : ""} for a target of size ${t}; the model gives ${k}` });
    }
  }
  return out;
}
