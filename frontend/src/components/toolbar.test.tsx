import { fireEvent, render, screen } from "@testing-library/react";
import { ReactFlowProvider } from "@xyflow/react";
import { describe, expect, it, vi } from "vitest";
import { Toolbar } from "@/components/toolbar";

describe("the builder toolbar", () => {
  it("closes the Import menu when one of its items opens a dialog", () => {
    const onDialog = vi.fn();
    render(
      <ReactFlowProvider>
        <Toolbar onDialog={onDialog} />
      </ReactFlowProvider>,
    );
    fireEvent.click(screen.getByTestId("import-menu"));
    fireEvent.click(screen.getByTestId("import-weights"));
    expect(onDialog).toHaveBeenCalledWith("weights");
    expect(screen.queryByTestId("import-weights")).toBeNull();
    expect(screen.getByTestId("import-menu").getAttribute("aria-expanded")).toBe("false");
  });
});
