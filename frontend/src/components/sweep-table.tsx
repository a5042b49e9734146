/** A sweep's runs side by side; a click on a column header sorts by it (again: the other way). */
import { memo, useMemo, useState } from "react";
import { AppLink } from "@/components/app-link";
import { StatusBadge } from "@/components/status-badge";
import { formatCell, nextSort, sortRuns, type SortState, type SweepColumn } from "@/lib/sweep";
import type { SweepRun } from "@/lib/sweep-types";

function SweepTableView({ runs, columns }: { runs: SweepRun[]; columns: SweepColumn[] }) {
  const [sort, setSort] = useState<SortState | null>(null);
  const column = sort ? columns.find((c) => c.key === sort.key) : undefined;
  const rows = useMemo(() => (column && sort ? sortRuns(runs, column, sort.dir) : runs), [runs, column, sort]);
  return (
    <div className="runs-table-box sweep-table-box">
      <table className="runs-table sweep-table" data-testid="sweep-table" data-sort={sort ? `${sort.key}:${sort.dir}` : ""}>
        <thead>
          <tr>
            {columns.map((c) => {
              const on = sort?.key === c.key;
              return (
                <th key={c.key} className={c.kind === "text" ? undefined : "num"} aria-sort={on ? (sort?.dir === "asc" ? "ascending" : "descending") : "none"}>
                  <button type="button" className="sort-button" onClick={() => setSort((s) => nextSort(s, c.key))} data-testid={`sweep-sort-${c.key}`} title={`Sort by ${c.label}`}>
                    {c.label}
                    <span className="sort-mark">{on ? (sort?.dir === "asc" ? " ▲" : " ▼") : ""}</span>
                  </button>
                </th>
              );
            })}
            <th>Name</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id} data-testid={`sweep-row-${r.id}`} data-run={r.id} data-status={r.status}>
              {columns.map((c) => {
                const v = c.value(r);
                if (c.key === "id")
                  return (
                    <td key={c.key} className="num">
                      <AppLink to={`/runs/${r.id}/`} testId={`sweep-run-link-${r.id}`}>
                        #{r.id}
                      </AppLink>
                    </td>
                  );
                if (c.key === "status")
                  return (
                    <td key={c.key}>
                      <StatusBadge status={r.status} />
                    </td>
                  );
                return (
                  <td key={c.key} className={c.kind === "text" ? undefined : "num"}>
                    {formatCell(c, v)}
                  </td>
                );
              })}
              <td className="muted sweep-run-name" title={r.name}>
                {r.name}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export const SweepTable = memo(SweepTableView);
