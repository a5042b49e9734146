import { describe, expect, it } from "vitest";
import { DEFAULT_IMAGE_SIZE, uploadKind, uploadOptions } from "@/lib/upload-options";

const fields = { target: "", task: "", size: DEFAULT_IMAGE_SIZE };

describe("uploadOptions", () => {
  it("sends the pre-filled image size as the one integer the server accepts", () => {
    expect(uploadOptions("imagezip", fields)).toEqual({ size: 32 });
  });

  it("passes a size that is not a number through so the server's message names it", () => {
    expect(uploadOptions("imagezip", { ...fields, size: "32, 32" })).toEqual({ size: "32, 32" });
  });

  it("sends target and task for a CSV and no size", () => {
    expect(uploadOptions("csv", { target: " y ", task: "regression", size: "32" })).toEqual({ target: "y", task: "regression" });
  });

  it("knows each upload kind by its extension", () => {
    expect([uploadKind("a.CSV"), uploadKind("b.zip"), uploadKind("c.npz"), uploadKind("d.txt")]).toEqual(["csv", "imagezip", "npz", null]);
  });
});
