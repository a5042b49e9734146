/** A run's status as a coloured pill. */
import { memo } from "react";

function StatusBadgeView({ status, testId }: { status: string | null; testId?: string }) {
  const s = status ?? "…";
  return (
    <span className={`status-badge status-${s}`} data-testid={testId} data-status={s}>
      {s === "running" && <span className="pulse" aria-hidden />}
      {s}
    </span>
  );
}

export const StatusBadge = memo(StatusBadgeView);
