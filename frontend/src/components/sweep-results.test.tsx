import { fireEvent, render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { ServerErrorBox } from "@/components/run-setup";
import { SweepTable } from "@/components/sweep-table";
import { TradeoffPlot } from "@/components/tradeoff-plot";
import { sweepColumns } from "@/lib/sweep";
import type { SweepDetail, SweepRun } from "@/lib/sweep-types";
import { runSummary } from "@/test/run-fixtures";

function sweepRun(id: number, lr: number, params: number, acc: number): SweepRun {
  return { ...runSummary(id, "succeeded"), sweep: 1, config: { lr }, params, flops: params * 2, architecture_name: null, final_metrics: { val_loss: 1 - acc, val_accuracy: acc }, best_epoch: 2, best_metrics: { val_loss: 1 - acc, val_accuracy: acc } };
}

const DETAIL: SweepDetail = {
  id: 1,
  name: "Sweep of lr",
  status: "succeeded",
  options: ["lr"],
  created_at: "2026-01-01T00:00:00Z",
  request: {},
  runs: [sweepRun(1, 0.3, 100, 0.7), sweepRun(2, 0.03, 100, 0.9), sweepRun(3, 0.003, 1000, 0.95), sweepRun(4, 0.3, 1000, 0.8)],
};

const rowIds = () => screen.getAllByTestId(/^sweep-row-/).map((r) => r.getAttribute("data-run"));

describe("the sweep's results", () => {
  it("sorts the table by a clicked column, and the other way on a second click", () => {
    render(<SweepTable runs={DETAIL.runs} columns={sweepColumns(DETAIL)} />);
    expect(rowIds()).toEqual(["1", "2", "3", "4"]);
    fireEvent.click(screen.getByTestId("sweep-sort-option:lr"));
    expect(rowIds()).toEqual(["3", "2", "1", "4"]);
    fireEvent.click(screen.getByTestId("sweep-sort-best_val_accuracy"));
    fireEvent.click(screen.getByTestId("sweep-sort-best_val_accuracy"));
    expect(rowIds()).toEqual(["3", "2", "4", "1"]);
    expect(screen.getByTestId("sweep-row-3").textContent).toContain("95.0%");
  });

  it("marks the Pareto front of error against parameters, and against FLOPs when toggled", () => {
    render(<TradeoffPlot detail={DETAIL} />);
    const pareto = () => DETAIL.runs.filter((r) => screen.getByTestId(`tradeoff-point-${r.id}`).getAttribute("data-pareto") === "true").map((r) => r.id);
    expect(screen.getByTestId("tradeoff-plot").getAttribute("data-points")).toBe("4");
    expect(pareto()).toEqual([2, 3]);
    expect(screen.getByTestId("tradeoff-front")).toBeTruthy();
    fireEvent.mouseEnter(screen.getByTestId("tradeoff-point-3"));
    expect(screen.getByTestId("tradeoff-tooltip").textContent).toContain("lr=0.003");
    fireEvent.click(screen.getByTestId("tradeoff-cost-flops"));
    expect(screen.getByTestId("tradeoff-plot").getAttribute("data-cost")).toBe("flops");
    expect(pareto()).toEqual([2, 3]);
  });

  it("shows the server's refusal with the combination it names", () => {
    const error = { message: "Combination 2 of 2 (lr=50): config.lr: lr must be at most 10, got 50", errors: [{ field: "config.lr", message: "lr must be at most 10, got 50", combination: 2, values: { lr: 50 } }] };
    render(<ServerErrorBox error={error} testId="sweep-error" />);
    expect(screen.getByTestId("sweep-error").textContent).toContain("Combination 2 of 2 (lr=50)");
    expect(screen.getByTestId("sweep-error-combination").textContent).toContain("combination 2: lr=50");
  });
});
