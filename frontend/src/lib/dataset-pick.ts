/**
 * Which built-in dataset the Train dialog starts from for a graph: one whose samples already fit the
 * graph's Input (and, for a 1-D output, the task it suggests), else one whose `features` option can be
 * set to the Input's size. The server's check still has the final word on the choice.
 */
import type { BuiltinDataset } from "@/lib/run-types";
import type { ParamValue } from "@/lib/types";

export interface DatasetPick {
  name: string;
  options: Record<string, ParamValue>;
}

const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);

/** One output value suggests regression; several, classes. */
function suitsOutput(d: BuiltinDataset, output: readonly number[] | null): boolean {
  if (!output || output.length !== 1) return true;
  const k = output[0]!;
  if (d.task === "classification") return k > 1 && (!d.classes?.length || d.classes.length === k);
  return k === (d.target_size ?? 1);
}

export function pickDataset(list: readonly BuiltinDataset[], input: readonly number[] | null, output: readonly number[] | null): DatasetPick | null {
  const available = list.filter((d) => d.available);
  if (!available.length) return null;
  if (input) {
    const exact = available.filter((d) => same(d.input_shape, input));
    const best = exact.find((d) => suitsOutput(d, output)) ?? exact[0];
    if (best) return { name: best.name, options: {} };
    if (input.length === 1) {
      const n = input[0]!;
      const sized = available.filter((d) => {
        const f = d.options.find((o) => o.name === "features");
        return d.input_shape.length === 1 && f && (f.min == null || n >= f.min) && (f.max == null || n <= f.max);
      });
      const adapt = sized.find((d) => suitsOutput(d, output)) ?? sized[0];
      if (adapt) return { name: adapt.name, options: { features: n } };
    }
  }
  return { name: available[0]!.name, options: {} };
}
