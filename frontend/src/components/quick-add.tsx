/** A search box at the cursor: type a few letters, Enter adds the layer there. */
import { useEffect, useMemo, useRef, useState } from "react";
import { searchLayers } from "@/lib/catalog";
import type { Position } from "@/lib/types";
import { useBuilder } from "@/store/builder-store";

export interface QuickAddProps {
  screen: Position;
  onPick(layerType: string): void;
  onClose(): void;
}

export function QuickAdd({ screen, onPick, onClose }: QuickAddProps) {
  const catalog = useBuilder((s) => s.catalog);
  const [query, setQuery] = useState("");
  const [active, setActive] = useState(0);
  const input = useRef<HTMLInputElement>(null);
  const results = useMemo(() => (catalog ? searchLayers(catalog, query, 10) : []), [catalog, query]);

  useEffect(() => input.current?.focus(), []);
  useEffect(() => setActive(0), [query]);

  const left = Math.min(screen.x, window.innerWidth - 300);
  const top = Math.min(screen.y, window.innerHeight - 340);

  return (
    <div className="quick-add" style={{ left, top }} role="dialog" aria-label="Add a layer" data-testid="quick-add">
      <input
        ref={input}
        value={query}
        placeholder="Add layer…"
        aria-label="Layer type"
        data-testid="quick-add-input"
        onChange={(e) => setQuery(e.target.value)}
        onBlur={() => setTimeout(onClose, 120)}
        onKeyDown={(e) => {
          if (e.key === "Escape") onClose();
          else if (e.key === "ArrowDown") {
            e.preventDefault();
            setActive((a) => Math.min(a + 1, results.length - 1));
          } else if (e.key === "ArrowUp") {
            e.preventDefault();
            setActive((a) => Math.max(a - 1, 0));
          } else if (e.key === "Enter") {
            const pick = results[active];
            if (pick) onPick(pick.type);
          }
        }}
      />
      <ul role="listbox">
        {results.map((l, i) => (
          <li key={l.type} role="option" aria-selected={i === active}>
            <button
              type="button"
              className={i === active ? "active" : undefined}
              onMouseDown={(e) => e.preventDefault()}
              onClick={() => onPick(l.type)}
              onMouseEnter={() => setActive(i)}
            >
              <b>{l.type}</b> <span className="muted">{l.category}</span>
            </button>
          </li>
        ))}
        {results.length === 0 && <li className="muted pad">No match</li>}
      </ul>
    </div>
  );
}
