import { describe, expect, it } from "vitest";
import { buildSweepRequest, parseGridValues, sweepFieldErrors, valueSeparator, type SweepFormState } from "@/lib/sweep-form";
import type { ParamSpec } from "@/lib/types";

const OPTIONS: ParamSpec[] = [
  { name: "lr", kind: "float", min: 0, max: 10 },
  { name: "batch_size", kind: "int", min: 1 },
  { name: "optimizer", kind: "choice", choices: ["sgd", "adam"] },
  { name: "nesterov", kind: "bool" },
  { name: "grad_clip", kind: "float", nullable: true },
  { name: "augment", kind: "object", nullable: true },
];
const spec = (name: string) => OPTIONS.find((o) => o.name === name);

function form(extra: Partial<SweepFormState> = {}): SweepFormState {
  return {
    name: "",
    designs: { architectures: [3, 4] },
    dataset: "moons",
    datasetOptions: { size: undefined },
    config: { epochs: 2, batch_size: undefined },
    mode: "grid",
    grid: [{ option: "lr", values: "0.3, 0.03, 0.003" }],
    samples: "4",
    seed: "",
    ranges: [],
    ...extra,
  };
}

describe("parseGridValues", () => {
  it("reads numbers, choices, booleans and None as the option's kind", () => {
    expect(parseGridValues(spec("lr"), " 0.3, 3e-2 ,0.003")).toEqual({ ok: true, values: [0.3, 0.03, 0.003] });
    expect(parseGridValues(spec("batch_size"), "16,32")).toEqual({ ok: true, values: [16, 32] });
    expect(parseGridValues(spec("optimizer"), "sgd, adam")).toEqual({ ok: true, values: ["sgd", "adam"] });
    expect(parseGridValues(spec("nesterov"), "true, False")).toEqual({ ok: true, values: [true, false] });
    expect(parseGridValues(spec("grad_clip"), "None, 1")).toEqual({ ok: true, values: [null, 1] });
  });

  it("sends a value past a bound as typed (the server refuses it with its combination)", () => {
    expect(parseGridValues(spec("lr"), "50")).toEqual({ ok: true, values: [50] });
  });

  it("refuses only what does not parse", () => {
    const bad = parseGridValues(spec("batch_size"), "16, 3.5");
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error).toContain("'3.5'");
    expect(parseGridValues(spec("nesterov"), "yes").ok).toBe(false);
    expect(parseGridValues(spec("lr"), "")).toEqual({ ok: true, values: [] });
  });

  it("separates list and object values by semicolons", () => {
    expect(valueSeparator(spec("augment"))).toBe(";");
    expect(valueSeparator(spec("lr"))).toBe(",");
    expect(parseGridValues(spec("augment"), '{"flip": true}; imagenet')).toEqual({ ok: true, values: [{ flip: true }, "imagenet"] });
  });
});

describe("buildSweepRequest", () => {
  it("sends the designs, dataset, the options set and the grid", () => {
    const out = buildSweepRequest(form({ name: " lr sweep " }), OPTIONS);
    expect(out.errors).toEqual([]);
    expect(out.request).toEqual({ dataset: "moons", architectures: [3, 4], name: "lr sweep", config: { epochs: 2 }, grid: { lr: [0.3, 0.03, 0.003] } });
  });

  it("sends one architecture as `architecture` and a canvas as its graph", () => {
    expect(buildSweepRequest(form({ designs: { architectures: [7] } }), OPTIONS).request?.architecture).toBe(7);
    const graph = { format: "netbuilder.graph/1", name: "g", nodes: [], edges: [] };
    const req = buildSweepRequest(form({ designs: { graph } }), OPTIONS).request;
    expect(req?.graph).toBe(graph);
    expect(req?.architecture).toBeUndefined();
  });

  it("sends the random space with log ranges and names a number that does not parse by its field", () => {
    const random = form({ mode: "random", samples: "5", seed: "3", ranges: [{ option: "lr", min: "1e-4", max: "0.1", log: true }, { option: "batch_size", min: "16", max: "64", log: false }] });
    expect(buildSweepRequest(random, OPTIONS).request).toMatchObject({ random: { samples: 5, seed: 3, space: { lr: { min: 1e-4, max: 0.1, log: true }, batch_size: { min: 16, max: 64 } } } });
    expect(buildSweepRequest(random, OPTIONS).request?.grid).toBeUndefined();
    const bad = buildSweepRequest(form({ mode: "random", samples: "x", ranges: [{ option: "lr", min: "a", max: "1", log: false }] }), OPTIONS);
    expect(bad.request).toBeNull();
    expect(bad.errors.map((e) => e.field)).toEqual(["random.samples", "random.space.lr.min"]);
  });

  it("names a grid row whose values do not parse", () => {
    const bad = buildSweepRequest(form({ grid: [{ option: "batch_size", values: "a" }] }), OPTIONS);
    expect(bad.errors).toEqual([{ field: "grid.batch_size", message: "'a': Enter a whole number." }]);
  });
});

describe("the server's errors", () => {
  it("keys the server's errors by grid row, range and field", () => {
    expect(
      sweepFieldErrors([
        { field: "grid.lr", message: "Give lr a list" },
        { field: "random.space.lr.log", message: "A log range needs min > 0" },
        { field: "random.samples", message: "samples must be" },
        { field: "config.lr", message: "lr must be at most 10" },
      ]),
    ).toEqual({ "grid.lr": "Give lr a list", "random.space.lr": "A log range needs min > 0", "random.samples": "samples must be" });
  });
});
