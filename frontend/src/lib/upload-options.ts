/** The options an upload sends with its file; the server's dataset options decide what is valid. */

export type UploadKind = "csv" | "imagezip" | "npz";

export interface UploadFields {
  target: string;
  task: string;
  /** Image side in pixels: images are resized to size × size (the server's `size` option is one integer). */
  size: string;
}

export const DEFAULT_IMAGE_SIZE = "32";

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
  }
  if (kind === "imagezip" && fields.size.trim()) {
    const text = fields.size.trim();
    options.size = /^\d+$/.test(text) ? Number(text) : text;
  }
  return options;
}
