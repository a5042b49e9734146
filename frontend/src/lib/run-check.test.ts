import { describe, expect, it } from "vitest";
import { ApiError } from "@/lib/api";
import { checkFromError, fieldErrors, newerCheck, planSummary } from "@/lib/run-check";
import type { RunPlan } from "@/lib/run-types";

const plan: RunPlan = {
  config: { epochs: 10, loss: "CrossEntropyLoss" },
  dataset: { name: "iris", title: "Iris", task: "classification", input_shape: [4], classes: ["a", "b", "c"] },
  input: { node: "x", shape: [4] },
  output: { node: "y", shape: [3] },
  loss: "CrossEntropyLoss",
};

describe("the Train dialog's server check", () => {
  it("shows the server's refusal with its message and errors", () => {
    const e = new ApiError(400, "The dataset 'iris' gives inputs of shape [4], but Input 'x' expects [2]", [{ node: "x", field: "shape", message: "dataset gives [4]" }]);
    expect(checkFromError(3, e)).toEqual({ state: "refused", seq: 3, message: e.message, errors: e.errors });
  });

  it("never lets an older answer replace a newer one", () => {
    const newer = { state: "ok" as const, seq: 5, plan };
    expect(newerCheck(newer, checkFromError(4, new Error("late")))).toBe(newer);
    expect(newerCheck(checkFromError(4, new Error("old")), newer)).toBe(newer);
  });

  it("puts each field error beside its form field", () => {
    expect(fieldErrors([{ field: "config.lr", message: "at most 10" }, { field: "dataset_options.size", message: "too big" }, { node: "x", message: "n" }])).toEqual({
      config: { lr: "at most 10" },
      dataset: { size: "too big" },
    });
  });

  it("says what the run will train", () => {
    expect(planSummary(plan)).toBe("Ready: Iris (4) → 'y' (3), CrossEntropyLoss, 10 epochs");
  });

  it("says when the server checked the dataset by its facts and the run will load the data", () => {
    const big = { ...plan, dataset: { ...plan.dataset, decoded: false } };
    expect(planSummary(big)).toBe("Ready: Iris (4) → 'y' (3), CrossEntropyLoss, 10 epochs; the data is loaded when the run starts");
  });
});
