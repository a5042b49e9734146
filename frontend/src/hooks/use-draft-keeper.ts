/** Keeps unsaved work as a draft in localStorage and warns before the tab closes on unsaved changes. */
import { useEffect } from "react";
import { clearDraft, writeDraft } from "@/lib/draft";
import { builderStore, selectIsDirty } from "@/store/builder-store";
import { currentGraph } from "@/store/commands";

export const DRAFT_DELAY_MS = 400;

function flush(): void {
  const s = builderStore.getState();
  if (!selectIsDirty(s)) {
    clearDraft();
    return;
  }
  writeDraft({
    graph: currentGraph(),
    architectureId: s.architecture?.id ?? null,
    architectureVersion: s.architecture?.version ?? null,
    runId: s.lastRunId,
    savedAt: new Date().toISOString(),
  });
}

export function useDraftKeeper(): void {
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const unsubscribe = builderStore.subscribe((s, prev) => {
      if (s.lastRunId !== prev.lastRunId) {
        // A run was just submitted and the page is about to change: keep the run with the draft now.
        clearTimeout(timer);
        flush();
        return;
      }
      if (s.changeCount === prev.changeCount && s.savedChangeCount === prev.savedChangeCount) return;
      clearTimeout(timer);
      timer = setTimeout(flush, DRAFT_DELAY_MS);
    });
    const onBeforeUnload = (e: BeforeUnloadEvent) => {
      if (!selectIsDirty(builderStore.getState())) return;
      clearTimeout(timer);
      flush();
      e.preventDefault();
      e.returnValue = "";
    };
    window.addEventListener("beforeunload", onBeforeUnload);
    return () => {
      unsubscribe();
      clearTimeout(timer);
      window.removeEventListener("beforeunload", onBeforeUnload);
    };
  }, []);
}
