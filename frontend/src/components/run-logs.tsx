/** The run's log lines, following the end unless the reader scrolled up. */
import { memo, useLayoutEffect, useRef } from "react";
import { useRun } from "@/store/run-store";

function RunLogsView() {
  // The buffer is appended in place: its length is what changes.
  const count = useRun((s) => s.series.logs.length);
  const logs = useRun((s) => s.series.logs);
  const box = useRef<HTMLPreElement>(null);
  const follow = useRef(true);
  useLayoutEffect(() => {
    const el = box.current;
    if (el && follow.current) el.scrollTop = el.scrollHeight;
  }, [count]);
  return (
    <pre
      className="run-logs"
      ref={box}
      data-testid="run-logs"
      data-lines={count}
      onScroll={(e) => {
        const el = e.currentTarget;
        follow.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
      }}
    >
      {count ? logs.join("\n") : <span className="muted">No log lines yet.</span>}
    </pre>
  );
}

export const RunLogs = memo(RunLogsView);
