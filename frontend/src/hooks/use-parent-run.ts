/**
 * A continued run's page draws its parent's curves first: the parent's stored events are fetched
 * once and folded into the watched run's series (lib/run-lineage), whichever of the two came first.
 */
import { useEffect, useState } from "react";
import { api } from "@/lib/api";
import { foldParent, type ParentPart } from "@/lib/run-lineage";
import { runStore } from "@/store/run-store";

/** What the parent drew (null until its events come, and for a run that continues none). */
export function useParentRun(runId: number, parent: number | null | undefined): ParentPart | null {
  const [part, setPart] = useState<ParentPart | null>(null);
  useEffect(() => {
    setPart(null);
    if (parent === null || parent === undefined) return;
    let live = true;
    api.runEvents(parent).then(
      (answer) => {
        const s = runStore.getState();
        if (!live || s.runId !== runId) return;
        const { part: drawn, changed } = foldParent(s.series, parent, answer.events);
        if (changed) runStore.setState({ version: s.series.version });
        setPart(drawn);
      },
      () => undefined, // the parent may be gone: the child's own curves stand alone
    );
    return () => {
      live = false;
    };
  }, [runId, parent]);
  return part;
}
