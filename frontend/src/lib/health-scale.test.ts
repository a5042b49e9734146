import { describe, expect, it } from "vitest";
import { formatHealth, healthColor, healthPosition, healthScale, healthValue } from "@/lib/health-scale";
import type { NodeHealth } from "@/lib/run-types";

const node = (extra: Partial<NodeHealth>): NodeHealth => ({ act_mean: 0, act_std: 1, dead_fraction: null, saturated_fraction: null, grad_norm: null, update_ratio: null, ...extra });

const health: Record<string, NodeHealth> = {
  fc1: node({ grad_norm: 0.01, update_ratio: 1e-4, act_std: 2 }),
  relu: node({ dead_fraction: 1, grad_norm: 1, act_std: 0 }),
  fc2: node({ grad_norm: 100, update_ratio: 1e-2, act_std: 0.5 }),
};

describe("colouring nodes by health", () => {
  it("puts dead and saturated shares on a fixed 0–1 scale", () => {
    expect(healthPosition(health, "relu", "dead_fraction")).toBe(1);
    expect(healthPosition({ a: node({ dead_fraction: 0.25 }) }, "a", "dead_fraction")).toBe(0.25);
    expect(healthScale(health, "saturated_fraction")).toMatchObject({ lo: 0, hi: 1, log: false });
  });

  it("puts gradient norms on a log scale across the graph's nodes", () => {
    const scale = healthScale(health, "grad_norm");
    expect(scale).toMatchObject({ lo: 0.01, hi: 100, log: true });
    expect(healthPosition(health, "fc1", "grad_norm")).toBe(0);
    expect(healthPosition(health, "relu", "grad_norm")).toBeCloseTo(0.5);
    expect(healthPosition(health, "fc2", "grad_norm")).toBe(1);
  });

  it("puts activation spread between 0 and the graph's largest", () => {
    expect(healthPosition(health, "fc2", "act_std")).toBe(0.25);
    expect(healthScale(health, "act_std").hi).toBe(2);
  });

  it("leaves a node without the measure uncoloured", () => {
    expect(healthValue(health, "fc1", "dead_fraction")).toBeNull();
    expect(healthPosition(health, "fc1", "dead_fraction")).toBeNull();
    expect(healthPosition(health, "nowhere", "grad_norm")).toBeNull();
    expect(healthPosition(undefined, "fc1", "grad_norm")).toBeNull();
  });

  it("answers the same scale for the same measurement, without recomputing", () => {
    expect(healthScale(health, "grad_norm")).toBe(healthScale(health, "grad_norm"));
    expect(healthScale({ ...health }, "grad_norm")).not.toBe(healthScale(health, "grad_norm"));
  });

  it("ramps from pale to red, and writes its ends as the measure reads", () => {
    expect(healthColor(0)).toBe("rgb(238, 242, 247)");
    expect(healthColor(1)).toBe("rgb(192, 57, 43)");
    expect(healthColor(7)).toBe(healthColor(1));
    expect(formatHealth("dead_fraction", 0.5)).toBe("50 %");
    expect(formatHealth("grad_norm", 120)).toBe("120");
    expect(formatHealth("update_ratio", 0.00001)).toBe("1.0e-5");
  });
});
