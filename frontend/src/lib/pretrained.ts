/**
 * Pretrained models and imports as the browser shows them: a weights report shaped for reading,
 * a torchvision architecture as one node, and the figures the torchvision dialog lists.
 */
import { formatShape } from "@/lib/format";
import { GRAPH_FORMAT, type GraphDoc, type TorchvisionArch, type WeightsCheck } from "@/lib/types";

export const TORCHVISION_TYPE = "TorchvisionModel";

/** Bounds of a node's `lr_mult` (docs/graph-format.md: 0 < lr_mult ≤ 1000). */
export const LR_MULT_MAX = 1000;

export type LrMultParse = { ok: true; value: number } | { ok: false; error: string };

/** Reads what the user typed as a learning-rate multiplier; empty means the default, 1. */
export function parseLrMult(text: string): LrMultParse {
  const t = text.trim();
  if (!t) return { ok: true, value: 1 };
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return { ok: false, error: "Enter a number." };
  const n = Number(t);
  if (!Number.isFinite(n) || n <= 0) return { ok: false, error: "Must be more than 0." };
  if (n > LR_MULT_MAX) return { ok: false, error: `Must be at most ${LR_MULT_MAX}.` };
  return { ok: true, value: n };
}

export type ReportSectionKind = "mismatched" | "missing" | "unexpected" | "matched";

export interface ReportSection {
  kind: ReportSectionKind;
  label: string;
  count: number;
  /** One line per key: `fc2.weight: expected (10, 128), got (5, 128)`, `conv1.weight ← net.conv1.weight`. */
  rows: string[];
  /** Problems are shown open; the matched list starts folded. */
  problem: boolean;
}

export interface ReportView {
  ok: boolean;
  headline: string;
  sections: ReportSection[];
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;
}

/** A weights report as the report dialog shows it: a headline, then problems first, each with its keys. */
export function shapeWeightsReport(check: WeightsCheck): ReportView {
  const { matched, renamed, missing, unexpected, mismatched } = check;
  const renamedTo = new Map(Object.entries(renamed).map(([from, to]) => [to, from]));
  const sections: ReportSection[] = [
    {
      kind: "mismatched",
      label: "Mis-shaped",
      count: mismatched.length,
      rows: mismatched.map((m) => `${m.key}: expected ${formatShape(m.expected)}, got ${formatShape(m.got)}`),
      problem: true,
    },
    { kind: "missing", label: "Missing from the file", count: missing.length, rows: [...missing], problem: true },
    { kind: "unexpected", label: "Not in the graph", count: unexpected.length, rows: [...unexpected], problem: true },
    {
      kind: "matched",
      label: "Matched",
      count: matched.length,
      rows: matched.map((k) => {
        const from = renamedTo.get(k);
        return from ? `${k} ← ${from}` : k;
      }),
      problem: false,
    },
  ];
  let headline: string;
  if (check.ok) {
    const moved = Object.keys(renamed).length;
    headline = `All ${plural(matched.length, "tensor")} match${moved ? ` (${moved.toLocaleString("en-US")} by renamed keys)` : ""}.`;
  } else {
    const parts = sections.filter((s) => s.problem && s.count).map((s) => `${s.count.toLocaleString("en-US")} ${s.label.toLowerCase()}`);
    headline = `These weights don't fit: ${parts.join(", ")}; ${matched.length.toLocaleString("en-US")} matched.`;
  }
  return { ok: check.ok, headline, sections: sections.filter((s) => s.count > 0) };
}

/** Parameters of `arch` once its head gives `numClasses` outputs (its head is a Linear with a bias). */
export function paramsWithClasses(arch: TorchvisionArch, numClasses: number | null): number {
  if (numClasses === null || numClasses === arch.head.out_features) return arch.params;
  const { in_features, out_features } = arch.head;
  return arch.params - (in_features + 1) * out_features + (in_features + 1) * numClasses;
}

export interface TorchvisionChoice {
  arch: string;
  /** Classes of a replaced head; null keeps ImageNet's 1000. */
  numClasses: number | null;
  imageSize: number;
  /** Start from torchvision's pretrained weights (one-node form only; the file must be in the weights folder). */
  pretrained: boolean;
}

/** Input → TorchvisionModel → Output: an architecture kept as one node (any arch, expandable or not). */
export function singleNodeGraph({ arch, numClasses, imageSize, pretrained }: TorchvisionChoice): GraphDoc {
  return {
    format: GRAPH_FORMAT,
    name: arch,
    nodes: [
      { id: "x", type: "Input", params: { shape: [3, imageSize, imageSize] } },
      {
        id: "net",
        type: TORCHVISION_TYPE,
        params: {
          arch,
          weights: pretrained ? "default" : "none",
          head: numClasses === null ? "keep" : "replace",
          ...(numClasses === null ? {} : { num_classes: numClasses }),
        },
      },
      { id: "y", type: "Output" },
    ],
    edges: [
      { source: "x", target: "net" },
      { source: "net", target: "y" },
    ],
  };
}
