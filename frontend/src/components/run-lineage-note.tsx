/** Under a run's title: the run it continues (whose curves the charts draw first) and the sweep it is part of. */
import { memo } from "react";
import { AppLink } from "@/components/app-link";
import { useParentRun } from "@/hooks/use-parent-run";
import { epochRange } from "@/lib/run-lineage";
import type { RunDetail } from "@/lib/run-types";

function RunLineageNoteView({ run }: { run: Pick<RunDetail, "id" | "parent" | "sweep"> | null }) {
  const part = useParentRun(run?.id ?? 0, run?.parent);
  if (!run || (run.parent === null && run.sweep === null)) return null;
  const range = part ? epochRange(part) : "";
  return (
    <p className="run-lineage muted" data-testid="run-lineage" data-parent={run.parent ?? ""} data-parent-epochs={range}>
      {run.parent !== null && (
        <>
          Continues run{" "}
          <AppLink to={`/runs/${run.parent}/`} testId="run-lineage-parent">
            #{run.parent}
          </AppLink>
          {range ? ` (${range} from there; the charts draw them first)` : ""}.{" "}
        </>
      )}
      {run.sweep !== null && (
        <>
          Part of sweep{" "}
          <AppLink to={`/sweeps/${run.sweep}/`} testId="run-lineage-sweep">
            #{run.sweep}
          </AppLink>
          .
        </>
      )}
    </p>
  );
}

export const RunLineageNote = memo(RunLineageNoteView);
