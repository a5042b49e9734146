/** The toolbar's Find box (Ctrl+F): nodes by id, type or error text; Enter / Shift+Enter step through them. */
import { useState, type KeyboardEvent, type RefObject } from "react";
import { useFitGraph } from "@/hooks/use-fit-graph";
import { findNodes, stepMatch } from "@/lib/find";
import { builderStore } from "@/store/builder-store";

export interface FindBoxProps {
  inputRef: RefObject<HTMLInputElement | null>;
}

export function FindBox({ inputRef }: FindBoxProps) {
  const fitGraph = useFitGraph();
  const [query, setQuery] = useState("");
  // Matched afresh on each keystroke and step (never a subscription to every node).
  const [found, setFound] = useState<{ count: number; at: number }>({ count: 0, at: -1 });

  const matches = (q: string) => {
    const s = builderStore.getState();
    return findNodes(s.nodes, s.errors.byNode, q);
  };

  const go = (step: 1 | -1) => {
    const ids = matches(query);
    const s = builderStore.getState();
    const current = s.nodes.find((n) => n.selected);
    const next = stepMatch(ids.length, current ? ids.indexOf(current.id) : -1, step);
    setFound({ count: ids.length, at: next });
    if (next < 0) return;
    s.selectOnly(ids[next]!);
    fitGraph({ node: ids[next]! });
  };

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === "Enter") {
      e.preventDefault();
      go(e.shiftKey ? -1 : 1);
    } else if (e.key === "Escape") {
      e.currentTarget.blur();
    }
  };

  return (
    <div className="find-box">
      <input
        ref={inputRef}
        type="search"
        className="find-input"
        placeholder="Find a node (Ctrl+F)"
        aria-label="Find a node by id, type or error"
        data-testid="find-input"
        value={query}
        spellCheck={false}
        onChange={(e) => {
          setQuery(e.target.value);
          setFound({ count: matches(e.target.value).length, at: -1 });
        }}
        onKeyDown={onKeyDown}
      />
      {query.trim() && (
        <span className="find-count muted" data-testid="find-count" aria-live="polite">
          {found.count === 0 ? "no match" : found.at < 0 ? `${found.count} found` : `${found.at + 1} / ${found.count}`}
        </span>
      )}
    </div>
  );
}
