import { fireEvent, render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { DownloadsPanel } from "@/components/downloads-panel";
import type { RunDetail } from "@/lib/run-types";
import { runDetail } from "@/test/run-fixtures";

describe("the downloads panel", () => {
  it("downloads a file from its label and shows how to load it", () => {
    const run = { ...runDetail(7, "succeeded"), files: ["pth", "onnx"] } as RunDetail;
    render(<DownloadsPanel run={run} />);
    const label = screen.getByTestId("snippet-tab-onnx");
    expect(label.tagName).toBe("A");
    expect(label.getAttribute("href")).toBe("/api/runs/7/download?format=onnx");
    expect(label.hasAttribute("download")).toBe(true);
    label.addEventListener("click", (e) => e.preventDefault()); // jsdom can't follow a download
    fireEvent.click(label);
    expect(screen.getByTestId("snippet-onnx")).toBeTruthy();
  });
});
