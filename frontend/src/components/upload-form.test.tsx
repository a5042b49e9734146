import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { UploadForm } from "@/components/upload-form";
import type { UploadOptionSpecs } from "@/lib/upload-options";

afterEach(() => vi.unstubAllGlobals());

const option = (name: string, kind: string, value: unknown, extra: object = {}) =>
  ({ name, kind, default: value, doc: `${name} doc`, required: false, nullable: false, inferred: false, ...extra });
/** What GET /api/datasets publishes as `upload_options`. */
const PUBLISHED = {
  csv: [option("target", "string", null, { nullable: true }), option("task", "choice", "auto", { choices: ["auto", "classification", "regression"] }), option("delimiter", "string", ","), option("standardize", "bool", true)],
  npz: [option("task", "choice", "auto", { choices: ["auto", "classification", "regression"] })],
  imagezip: [option("size", "int", 32, { min: 4, max: 256 }), option("channels", "choice", "rgb", { choices: ["rgb", "grayscale"] })],
} as unknown as UploadOptionSpecs;

function upload(name: string) {
  const fetchMock = vi.fn().mockResolvedValue(new Response(JSON.stringify({ id: 1, name }), { status: 201, headers: { "Content-Type": "application/json" } }));
  vi.stubGlobal("fetch", fetchMock);
  const onUploaded = vi.fn();
  render(<UploadForm maxBytes={1 << 20} options={PUBLISHED} onUploaded={onUploaded} />);
  fireEvent.change(screen.getByTestId("upload-file"), { target: { files: [new File(["a,b\n1,2\n"], name, { type: "text/csv" })] } });
  const sentOptions = async () => {
    await waitFor(() => expect(onUploaded).toHaveBeenCalled());
    const form = (fetchMock.mock.calls[0] as [string, RequestInit])[1].body as FormData;
    return JSON.parse(form.get("options") as string) as Record<string, unknown>;
  };
  return { sentOptions };
}

describe("the upload form", () => {
  it("offers Standardize features for a CSV, on by default as the server's default", async () => {
    const { sentOptions } = upload("table.csv");
    const box = screen.getByTestId<HTMLInputElement>("upload-standardize");
    expect(box.checked).toBe(true);
    expect(box.closest("label")?.textContent).toContain("Standardize features");
    fireEvent.click(screen.getByTestId("upload-submit"));
    expect(await sentOptions()).toEqual({ standardize: true });
  });

  it("sends standardize false once unticked", async () => {
    const { sentOptions } = upload("table.csv");
    fireEvent.click(screen.getByTestId("upload-standardize"));
    fireEvent.click(screen.getByTestId("upload-submit"));
    expect(await sentOptions()).toEqual({ standardize: false });
  });

  it("has no standardize control for an image zip", () => {
    upload("pictures.zip");
    expect(screen.queryByTestId("upload-standardize")).toBeNull();
    expect(screen.getByTestId("upload-size")).toBeTruthy();
  });
});
