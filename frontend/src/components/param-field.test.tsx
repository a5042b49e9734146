import { fireEvent, render, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { ParamField } from "@/components/param-field";
import type { ParamSpec } from "@/lib/types";
import { catalog } from "@/test/fixtures";

const param = (type: string, name: string): ParamSpec => catalog.layers.find((l) => l.type === type)!.params.find((p) => p.name === name)!;

describe("catalog-driven parameter fields", () => {
  it("draws an int as a text box with its bounds and commits valid numbers", () => {
    const onChange = vi.fn();
    render(<ParamField spec={param("Linear", "out_features")} value={undefined} onChange={onChange} />);
    const input = screen.getByTestId("param-out_features") as HTMLInputElement;
    expect(input.placeholder).toBe("required");
    expect(screen.getByTestId("field-out_features").textContent).toContain("1…1048576");
    fireEvent.change(input, { target: { value: "128" } });
    expect(onChange).toHaveBeenLastCalledWith("out_features", 128);
  });

  it("shows an inline error for an out-of-bounds value and commits it, so the node holds what the field shows", () => {
    const onChange = vi.fn();
    const { rerender } = render(<ParamField spec={param("Linear", "out_features")} value={1000000} onChange={onChange} />);
    const input = screen.getByTestId("param-out_features") as HTMLInputElement;
    fireEvent.change(input, { target: { value: "1000000000" } });
    expect(screen.getByTestId("field-error-out_features").textContent).toBe("Must be at most 1048576.");
    expect(onChange).toHaveBeenLastCalledWith("out_features", 1000000000);
    rerender(<ParamField spec={param("Linear", "out_features")} value={1000000000} onChange={onChange} />);
    expect(input.value).toBe("1000000000");
    expect(screen.getByTestId("field-error-out_features").textContent).toBe("Must be at most 1048576.");
  });

  it("does not commit text that is not a number", () => {
    const onChange = vi.fn();
    render(<ParamField spec={param("Linear", "out_features")} value={10} onChange={onChange} />);
    fireEvent.change(screen.getByTestId("param-out_features"), { target: { value: "ten" } });
    expect(screen.getByTestId("field-error-out_features").textContent).toBe("Enter a whole number.");
    expect(onChange).not.toHaveBeenCalled();
  });

  it("shows the server's error next to the field at fault", () => {
    render(<ParamField spec={param("Linear", "in_features")} value={100} serverError="Linear expects in_features 784, got 100" onChange={() => {}} />);
    expect(screen.getByTestId("field-error-in_features").textContent).toBe("Linear expects in_features 784, got 100");
  });

  it("draws a bool as a checkbox showing the default when unset", () => {
    const onChange = vi.fn();
    render(<ParamField spec={param("Linear", "bias")} value={undefined} onChange={onChange} />);
    const box = screen.getByTestId("param-bias") as HTMLInputElement;
    expect(box.type).toBe("checkbox");
    expect(box.checked).toBe(true);
    fireEvent.click(box);
    expect(onChange).toHaveBeenLastCalledWith("bias", false);
  });

  it("draws a choice as a select with the default first", () => {
    const onChange = vi.fn();
    render(<ParamField spec={param("Conv2d", "padding_mode")} value={undefined} onChange={onChange} />);
    const select = screen.getByTestId("param-padding_mode") as HTMLSelectElement;
    expect([...select.options].map((o) => o.textContent)).toEqual(["default (zeros)", "zeros", "reflect", "replicate", "circular"]);
    fireEvent.change(select, { target: { value: "reflect" } });
    expect(onChange).toHaveBeenLastCalledWith("padding_mode", "reflect");
  });

  it("reads tuples and rejects the wrong length", () => {
    const onChange = vi.fn();
    render(<ParamField spec={param("Conv2d", "kernel_size")} value={3} onChange={onChange} />);
    const input = screen.getByTestId("param-kernel_size") as HTMLInputElement;
    expect(input.value).toBe("3");
    fireEvent.change(input, { target: { value: "3, 5" } });
    expect(onChange).toHaveBeenLastCalledWith("kernel_size", [3, 5]);
    fireEvent.change(input, { target: { value: "1,2,3" } });
    expect(screen.getByTestId("field-error-kernel_size").textContent).toBe("Enter 2 values or a single one.");
  });

  it("follows a value changed from outside (undo)", () => {
    const spec = param("Linear", "out_features");
    const { rerender } = render(<ParamField spec={spec} value={10} onChange={() => {}} />);
    rerender(<ParamField spec={spec} value={64} onChange={() => {}} />);
    expect((screen.getByTestId("param-out_features") as HTMLInputElement).value).toBe("64");
  });

  it("inside a block, takes a typed `$name` as a reference and offers to make the field a block parameter", () => {
    const onChange = vi.fn();
    const onPromote = vi.fn();
    render(<ParamField spec={param("Linear", "out_features")} value={10} onChange={onChange} block="Dense" onPromote={onPromote} onUnbind={vi.fn()} />);
    fireEvent.change(screen.getByTestId("param-out_features"), { target: { value: " $width " } });
    expect(onChange).toHaveBeenLastCalledWith("out_features", "$width");
    expect(screen.queryByTestId("field-error-out_features")).toBeNull();
    fireEvent.click(screen.getByTestId("promote-out_features"));
    expect(onPromote).toHaveBeenCalledWith("out_features");
  });

  it("shows a field that reads a block parameter as that reference, with Unbind; outside a block `$` is no number", () => {
    const onUnbind = vi.fn();
    const { unmount } = render(<ParamField spec={param("Linear", "bias")} value="$bias" onChange={vi.fn()} block="Dense" onUnbind={onUnbind} />);
    expect(screen.getByTestId("param-ref-bias").textContent).toBe("$bias");
    expect(screen.queryByTestId("param-bias")).toBeNull();
    expect(screen.getByTestId("field-bias").textContent).toContain("Reads block parameter bias: each use of Dense sets it.");
    fireEvent.click(screen.getByTestId("unbind-bias"));
    expect(onUnbind).toHaveBeenCalledWith("bias");
    unmount();
    const onChange = vi.fn();
    render(<ParamField spec={param("Linear", "out_features")} value={10} onChange={onChange} />);
    fireEvent.change(screen.getByTestId("param-out_features"), { target: { value: "$width" } });
    expect(onChange).not.toHaveBeenCalled();
    expect(screen.queryByTestId("promote-out_features")).toBeNull();
  });
});

