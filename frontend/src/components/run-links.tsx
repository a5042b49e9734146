/** Where a run comes from: the run it continues, and the sweep it belongs to. */
import { memo } from "react";
import { AppLink } from "@/components/app-link";
import type { RunSummary } from "@/lib/run-types";

function RunLinksView({ run }: { run: Pick<RunSummary, "id" | "parent" | "sweep"> }) {
  if (run.parent === null && run.sweep === null) return null;
  return (
    <span className="run-links">
      {run.parent !== null && (
        <AppLink to={`/runs/${run.parent}/`} className="run-link-chip" testId={`run-parent-${run.id}`} title={`This run continues run #${run.parent} from its last checkpoint`}>
          continues #{run.parent}
        </AppLink>
      )}
      {run.sweep !== null && (
        <AppLink to={`/sweeps/${run.sweep}/`} className="run-link-chip" testId={`run-sweep-${run.id}`} title={`Part of sweep #${run.sweep}`}>
          sweep #{run.sweep}
        </AppLink>
      )}
    </span>
  );
}

export const RunLinks = memo(RunLinksView);
