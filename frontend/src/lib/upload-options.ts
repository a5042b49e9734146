/** The options an upload sends with its file; the server's dataset options decide what is valid. */

export type UploadKind = "csv" | "imagezip" | "npz";

export interface UploadFields {
  target: string;
  task: string;
  /** CSV: scale each feature column to mean 0 and std 1 for training (the exported model still takes raw numbers). */
  standardize: boolean;
  /** Image side in pixels: images are resized to size × size (the server's `size` option is one integer). */
  size: string;
}

export const DEFAULT_IMAGE_SIZE = "32";

/**
 * The CSV upload's `standardize` default (`builder/training/datasets/uploads.py`). `GET
 * /api/datasets` does not publish the upload options, so it is repeated here and always sent.
 */
export const DEFAULT_STANDARDIZE = true;

export function uploadKind(fileName: string | undefined): UploadKind | null {
  const name = fileName?.toLowerCase() ?? "";
  if (name.endsWith(".csv")) return "csv";
  if (name.endsWith(".zip")) return "imagezip";
  if (name.endsWith(".npz")) return "npz";
  return null;
}

/** Options for the upload; a size that is not a plain number is sent as typed so the server names the error. */
export function uploadOptions(kind: UploadKind | null, fields: UploadFields): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  if (kind === "csv") {
    if (fields.target.trim()) options.target = fields.target.trim();
    if (fields.task) options.task = fields.task;
    options.standardize = fields.standardize;
  }
  if (kind === "imagezip" && fields.size.trim()) {
    const text = fields.size.trim();
    options.size = /^\d+$/.test(text) ? Number(text) : text;
  }
  return options;
}
