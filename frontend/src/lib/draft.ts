/** The unsaved graph kept in the browser, so a closed tab or a crash loses nothing. */
import type { GraphDoc } from "@/lib/types";

export const DRAFT_KEY = "netbuilder.builder.draft/1";

export interface Draft {
  graph: GraphDoc;
  architectureId: number | null;
  architectureVersion: number | null;
  savedAt: string;
}

export function writeDraft(draft: Draft, storage: Storage = window.localStorage): void {
  try {
    storage.setItem(DRAFT_KEY, JSON.stringify(draft));
  } catch {
    // Storage full or disabled: the beforeunload warning still protects the work.
  }
}

export function readDraft(storage: Storage = window.localStorage): Draft | null {
  try {
    const raw = storage.getItem(DRAFT_KEY);
    if (!raw) return null;
    const d = JSON.parse(raw) as Draft;
    return d && typeof d === "object" && d.graph ? d : null;
  } catch {
    return null;
  }
}

export function clearDraft(storage: Storage = window.localStorage): void {
  try {
    storage.removeItem(DRAFT_KEY);
  } catch {
    // Nothing to clear.
  }
}
