import { describe, expect, it } from "vitest";
import { indexErrors } from "@/lib/validation";
import type { ValidationResult } from "@/lib/types";

const answer = (errors: object[], warnings: object[]) =>
  ({ ok: errors.length === 0, params: 0, trainable_params: 0, flops: 0, param_bytes: 0, output_shapes: [], nodes: {}, errors, warnings }) as unknown as ValidationResult;

describe("indexErrors", () => {
  it("files errors and warnings under the node they name, errors of no node as general", () => {
    const index = indexErrors(
      answer(
        [{ node: "fc", field: "in_features", message: "expects 4" }, { node: null, message: "no Output" }],
        [{ node: "lstm", field: "dropout", message: "does nothing" }, { node: "lstm", field: "bias", message: "also" }, { node: "gone", message: "x" }],
      ),
      new Set(["fc", "lstm"]),
    );
    expect(index.byNode.fc?.map((e) => e.field)).toEqual(["in_features"]);
    expect(index.general.map((e) => e.message)).toEqual(["no Output"]);
    expect(index.warningsByNode.lstm?.map((w) => w.field)).toEqual(["dropout", "bias"]);
    expect(index.warningsByNode.gone).toBeUndefined(); // a node no longer on the canvas
    expect(index.byNode.lstm).toBeUndefined();
  });

  it("is empty without an answer", () => {
    expect(indexErrors(null, new Set(["a"]))).toEqual({ byNode: {}, general: [], warningsByNode: {} });
  });
});
