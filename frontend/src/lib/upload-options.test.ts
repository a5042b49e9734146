import { describe, expect, it } from "vitest";
import { uploadDefaults, uploadKind, uploadOption, uploadOptions, type UploadOptionSpecs } from "@/lib/upload-options";

/** What GET /api/datasets publishes as `upload_options` (the parts the form reads). */
const option = (name: string, kind: string, value: unknown, extra: object = {}) =>
  ({ name, kind, default: value, doc: "", required: false, nullable: false, inferred: false, ...extra });
const published = {
  csv: [option("target", "string", null, { nullable: true }), option("task", "choice", "auto", { choices: ["auto", "classification", "regression"] }), option("standardize", "bool", true)],
  npz: [option("task", "choice", "auto", { choices: ["auto", "classification", "regression"] })],
  imagezip: [option("size", "int", 32, { min: 4, max: 256 })],
} as unknown as UploadOptionSpecs;
const fields = uploadDefaults(published);

describe("uploadOptions", () => {
  it("starts from the server's published defaults", () => {
    expect(fields).toEqual({ target: "", task: "", standardize: true, size: "32", text: "", tokens: "", length: "" });
    const off = { ...published, csv: [option("standardize", "bool", false)], imagezip: [option("size", "int", 64)] } as unknown as UploadOptionSpecs;
    expect(uploadDefaults(off)).toEqual({ target: "", task: "", standardize: false, size: "64", text: "", tokens: "", length: "" });
    expect(uploadOption(published, "imagezip", "size")?.max).toBe(256);
  });

  it("sends the pre-filled image size as the one integer the server accepts", () => {
    expect(uploadOptions("imagezip", fields)).toEqual({ size: 32 });
  });

  it("passes a size that is not a number through so the server's message names it", () => {
    expect(uploadOptions("imagezip", { ...fields, size: "32, 32" })).toEqual({ size: "32, 32" });
  });

  it("sends target, task and standardize for a CSV and no size", () => {
    expect(uploadOptions("csv", { ...fields, target: " y ", task: "regression" })).toEqual({ target: "y", task: "regression", standardize: true });
  });

  it("sends the standardize choice with a CSV", () => {
    expect(uploadOptions("csv", fields)).toEqual({ standardize: true });
    expect(uploadOptions("csv", { ...fields, standardize: false })).toEqual({ standardize: false });
  });

  it("sends standardize only with a CSV", () => {
    expect(uploadOptions("npz", { ...fields, standardize: false })).toEqual({});
    expect(uploadOptions("imagezip", { ...fields, standardize: false })).toEqual({ size: 32 });
  });

  it("sends a text column with its tokens and length instead of standardize", () => {
    expect(uploadOptions("csv", { ...fields, target: "label", text: " review ", tokens: "word", length: "16" }))
      .toEqual({ target: "label", text: "review", tokens: "word", length: 16 });
    expect(uploadOptions("csv", { ...fields, text: "review" })).toEqual({ text: "review" });
    expect(uploadOptions("csv", { ...fields, text: "review", length: "16 words" })).toEqual({ text: "review", length: "16 words" });
    expect(uploadOptions("csv", { ...fields, tokens: "word", length: "16" })).toEqual({ standardize: true });
  });

  it("knows each upload kind by its extension", () => {
    expect([uploadKind("a.CSV"), uploadKind("b.zip"), uploadKind("c.npz"), uploadKind("d.txt")]).toEqual(["csv", "imagezip", "npz", null]);
  });
});
