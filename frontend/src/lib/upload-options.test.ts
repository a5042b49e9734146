import { describe, expect, it } from "vitest";
import { DEFAULT_IMAGE_SIZE, DEFAULT_STANDARDIZE, uploadKind, uploadOptions } from "@/lib/upload-options";

const fields = { target: "", task: "", standardize: DEFAULT_STANDARDIZE, size: DEFAULT_IMAGE_SIZE };

describe("uploadOptions", () => {
  it("sends the pre-filled image size as the one integer the server accepts", () => {
    expect(uploadOptions("imagezip", fields)).toEqual({ size: 32 });
  });

  it("passes a size that is not a number through so the server's message names it", () => {
    expect(uploadOptions("imagezip", { ...fields, size: "32, 32" })).toEqual({ size: "32, 32" });
  });

  it("sends target, task and standardize for a CSV and no size", () => {
    expect(uploadOptions("csv", { ...fields, target: " y ", task: "regression" })).toEqual({ target: "y", task: "regression", standardize: true });
  });

  it("standardizes a CSV's features unless told not to, as the server does", () => {
    expect(DEFAULT_STANDARDIZE).toBe(true);
    expect(uploadOptions("csv", fields)).toEqual({ standardize: true });
    expect(uploadOptions("csv", { ...fields, standardize: false })).toEqual({ standardize: false });
  });

  it("sends standardize only with a CSV", () => {
    expect(uploadOptions("npz", { ...fields, standardize: false })).toEqual({});
    expect(uploadOptions("imagezip", { ...fields, standardize: false })).toEqual({ size: 32 });
  });

  it("knows each upload kind by its extension", () => {
    expect([uploadKind("a.CSV"), uploadKind("b.zip"), uploadKind("c.npz"), uploadKind("d.txt")]).toEqual(["csv", "imagezip", "npz", null]);
  });
});
