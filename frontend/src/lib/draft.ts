/** The unsaved graph kept in the browser, so a closed tab or a crash loses nothing. */
import type { GraphDoc } from "@/lib/types";

export const DRAFT_KEY = "netbuilder.builder.draft/1";

export const TAB_KEY = "netbuilder.tab/1";

export interface Draft {
  graph: GraphDoc;
  architectureId: number | null;
  architectureVersion: number | null;
  /** The run this graph was last trained in (its pictures show on the nodes); drafts from before it lack it. */
  runId?: number | null;
  savedAt: string;
  /** The tab that wrote it: a draft this tab wrote (a reload, a visit to the runs page) is not news. */
  tab?: string;
}

/** This tab's id, kept in sessionStorage (it lives as long as the tab). */
export function tabId(session: Storage = window.sessionStorage): string {
  try {
    let id = session.getItem(TAB_KEY);
    if (!id) {
      id = Math.random().toString(36).slice(2);
      session.setItem(TAB_KEY, id);
    }
    return id;
  } catch {
    return "";
  }
}

/** Whether a restored draft deserves a word: only one left by another (or a closed) tab does. */
export function draftIsNews(draft: Draft, session: Storage = window.sessionStorage): boolean {
  return !draft.tab || draft.tab !== tabId(session);
}

export function writeDraft(draft: Draft, storage: Storage = window.localStorage, session: Storage = window.sessionStorage): void {
  try {
    storage.setItem(DRAFT_KEY, JSON.stringify({ ...draft, tab: tabId(session) }));
  } catch {
    // Storage full or disabled: the beforeunload warning still protects the work.
  }
}

export function readDraft(storage: Storage = window.localStorage): Draft | null {
  try {
    const raw = storage.getItem(DRAFT_KEY);
    if (!raw) return null;
    const d = JSON.parse(raw) as Draft;
    if (!d || typeof d !== "object" || !d.graph) return null;
    return { ...d, runId: draftRunId(d.runId) };
  } catch {
    return null;
  }
}

function draftRunId(raw: unknown): number | null {
  return typeof raw === "number" && Number.isInteger(raw) && raw > 0 ? raw : null;
}

export function clearDraft(storage: Storage = window.localStorage): void {
  try {
    storage.removeItem(DRAFT_KEY);
  } catch {
    // Nothing to clear.
  }
}
