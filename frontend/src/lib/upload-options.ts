/** The options an upload sends with its file: the fields start from the options the server publishes
 *  (`GET /api/datasets` → `upload_options`, from `builder/engine/training/datasets/uploads.py`), and the
 *  server's checks decide what is valid. */
import type { ParamSpec, Schemas } from "@/lib/types";

export type UploadKind = "csv" | "imagezip" | "npz";

/** Every upload kind's options, as the server publishes them. */
export type UploadOptionSpecs = Schemas["DatasetList"]["upload_options"];

export interface UploadFields {
  target: string;
  task: string;
  /** CSV: scale each feature column to mean 0 and std 1 for training (the exported model still takes raw numbers). */
  standardize: boolean;
  /** Image side in pixels: images are resized to size × size (the server's `size` option is one integer). */
  size: string;
  /** CSV: a column of text read as token ids; empty: every feature column is a number. */
  text: string;
  /** How a text column is cut ("char" or "word"); empty: the server's default. */
  tokens: string;
  /** Tokens per text; empty: the longest training text's. */
  length: string;
}

/** One published option of an upload kind, or undefined when the server has none by that name. */
export function uploadOption(specs: UploadOptionSpecs | undefined, kind: UploadKind, name: string): ParamSpec | undefined {
  return specs?.[kind]?.find((o: ParamSpec) => o.name === name);
}

/** The form's first values: the server's defaults (an empty task: the server's own default applies). */
export function uploadDefaults(specs: UploadOptionSpecs | undefined): UploadFields {
  const size = uploadOption(specs, "imagezip", "size")?.default;
  return {
    target: "",
    task: "",
    standardize: uploadOption(specs, "csv", "standardize")?.default === true,
    size: typeof size === "number" ? String(size) : "",
    text: "",
    tokens: "",
    length: "",
  };
}

export function uploadKind(fileName: string | undefined): UploadKind | null {
  const name = fileName?.toLowerCase() ?? "";
  if (name.endsWith(".csv")) return "csv";
  if (name.endsWith(".zip")) return "imagezip";
  if (name.endsWith(".npz")) return "npz";
  return null;
}

/** A number typed into a field: the integer, or the text as typed so the server's message names it. */
function integer(text: string): number | string {
  return /^\d+$/.test(text) ? Number(text) : text;
}

/** Options for the upload; a size or length that is not a plain number is sent as typed so the server names the error. */
export function uploadOptions(kind: UploadKind | null, fields: UploadFields): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  if (kind === "csv") {
    if (fields.target.trim()) options.target = fields.target.trim();
    if (fields.task) options.task = fields.task;
    if (fields.text.trim()) {  // token ids: the features are the text, nothing to standardise
      options.text = fields.text.trim();
      if (fields.tokens) options.tokens = fields.tokens;
      if (fields.length.trim()) options.length = integer(fields.length.trim());
    } else {
      options.standardize = fields.standardize;
    }
  }
  if (kind === "imagezip" && fields.size.trim()) options.size = integer(fields.size.trim());
  return options;
}
