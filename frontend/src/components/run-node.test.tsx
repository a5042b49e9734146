import { ReactFlowProvider, type NodeProps } from "@xyflow/react";
import { act, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { RunNodeComponent } from "@/components/run-node";
import type { RunFlowNode } from "@/lib/run-graph";
import { applyMessage, createRunSeries } from "@/lib/run-series";
import type { NodeHealth } from "@/lib/run-types";
import { runStore } from "@/store/run-store";
import { epoch } from "@/test/run-fixtures";

const dead: NodeHealth = { act_mean: 0, act_std: 0, dead_fraction: 1, saturated_fraction: null, grad_norm: null, update_ratio: null, alerts: ["dead"] };

function node(id: string, layerType: string) {
  const props = { id, type: "run", data: { layerType, inPorts: 1, outPorts: 1 }, selected: false, dragging: false, zIndex: 0, isConnectable: false, positionAbsoluteX: 0, positionAbsoluteY: 0, draggable: false, selectable: false, deletable: false } as unknown as NodeProps<RunFlowNode>;
  return (
    <ReactFlowProvider>
      <RunNodeComponent {...props} />
    </ReactFlowProvider>
  );
}

function receive(...messages: Parameters<typeof applyMessage>[1][]) {
  act(() => {
    const series = runStore.getState().series;
    for (const m of messages) applyMessage(series, m);
    runStore.setState({ version: series.version });
  });
}

afterEach(() => runStore.setState({ series: createRunSeries(), version: 0, colourBy: null }));

describe("a node of the run's network", () => {
  it("pins its alert to it in plain words, as a red badge with the message as its title too", () => {
    render(node("relu", "ReLU"));
    expect(screen.queryByTestId("run-node-alert-relu")).toBeNull();
    receive(epoch(1, 10, { health: { relu: dead }, alerts: [{ node: "relu", kind: "dead", message: "relu: 100% of units dead since epoch 1" }] }));
    const badge = screen.getByTestId("run-node-alert-relu");
    expect(badge.textContent).toBe("⚠ relu: 100% of units dead since epoch 1");
    expect(badge.getAttribute("title")).toBe("relu: 100% of units dead since epoch 1");
    expect(screen.getByTestId("run-node-relu").className).toContain("has-alert");
  });

  it("shows only its own node's alerts", () => {
    render(node("fc1", "Linear"));
    receive(epoch(1, 10, { alerts: [{ node: "relu", kind: "dead", message: "relu: 100% of units dead since epoch 1" }] }));
    expect(screen.queryByTestId("run-node-alert-fc1")).toBeNull();
  });

  it("is coloured by the chosen health measure, and says its value", () => {
    render(node("relu", "ReLU"));
    receive(epoch(1, 10, { health: { relu: dead } }));
    const root = screen.getByTestId("run-node-relu");
    expect(root.getAttribute("data-health-value")).toBe("");
    act(() => runStore.getState().setColourBy("dead_fraction"));
    expect(root.getAttribute("data-health-value")).toBe("1");
    expect(root.getAttribute("data-health-position")).toBe("1");
    expect(root.style.getPropertyValue("--health-color")).toBe("rgb(192, 57, 43)");
    act(() => runStore.getState().setColourBy("grad_norm"));
    expect(root.getAttribute("data-health-value")).toBe(""); // a ReLU has no weights: no gradient norm
    expect(root.className).not.toContain("has-health");
  });
});
