import { render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { HealthPanel } from "@/components/health-panel";
import { applyMessage, createRunSeries } from "@/lib/run-series";
import type { EpochData } from "@/lib/run-types";
import { runStore } from "@/store/run-store";

const base = { epochs: 3, step: 10, train_loss: 0.5, time_s: 0.1, samples_per_s: 100 };
const healthy = { act_mean: 0.1, act_std: 0.9, dead_fraction: null, saturated_fraction: null, grad_norm: 0.4, update_ratio: 0.002, alerts: [] };

function show(epochs: EpochData[]) {
  const series = createRunSeries();
  for (const data of epochs) applyMessage(series, { type: "epoch", data });
  runStore.setState({ series, version: series.version });
  render(<HealthPanel />);
}

afterEach(() => runStore.setState({ series: createRunSeries(), version: 0 }));

describe("the training health panel", () => {
  it("shows the latest measures per node, marks what the server says is past its line, and lists the alerts", () => {
    show([
      { ...base, epoch: 1, health: { fc1: healthy, relu: { ...healthy, grad_norm: null, dead_fraction: 1, alerts: ["dead"] } },
        alerts: [{ node: "relu", kind: "dead", message: "relu: 100% of units dead since epoch 1" }] },
      { ...base, epoch: 2 },
      { ...base, epoch: 3, health: { fc1: { ...healthy, update_ratio: 0.0005 }, relu: { ...healthy, grad_norm: null, dead_fraction: 0.75, alerts: ["dead"] } } },
    ]);

    expect(screen.getByText("after epoch 3, on a fixed batch")).toBeTruthy();
    const relu = screen.getByTestId("health-relu").querySelectorAll("td");
    expect(relu[3]?.textContent).toBe("75 %");
    expect(relu[3]?.className).toBe("warn");
    expect(relu[5]?.textContent).toBe("–");
    expect(screen.getByTestId("health-fc1").querySelectorAll("td")[6]?.textContent).toBe("5.0e-4");
    expect(screen.getByTestId("health-fc1").querySelectorAll("td.warn")).toHaveLength(0);
    expect(screen.getByTestId("health-alerts").textContent).toContain("relu: 100% of units dead since epoch 1");
  });

  it("says when nothing is measured yet", () => {
    show([{ ...base, epoch: 1 }]);
    expect(screen.getByText("Each node's health appears after the first epoch.")).toBeTruthy();
  });
});
