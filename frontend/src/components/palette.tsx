/** The layer palette: every catalog layer by category, searchable, draggable onto the canvas. */
import { memo, useMemo, useState, type DragEvent, type KeyboardEvent } from "react";
import { LAYER_MIME } from "@/components/canvas";
import { paletteGroups } from "@/lib/catalog";
import type { LayerSpec } from "@/lib/types";
import { useBuilder } from "@/store/builder-store";

export interface PaletteProps {
  /** Adds a layer at the centre of the view (double-click or Enter on an item). */
  onAdd(layerType: string): void;
  searchRef: React.RefObject<HTMLInputElement | null>;
}

export function Palette({ onAdd, searchRef }: PaletteProps) {
  const catalog = useBuilder((s) => s.catalog);
  const [query, setQuery] = useState("");
  const [collapsed, setCollapsed] = useState<Record<string, boolean>>({});
  const groups = useMemo(() => (catalog ? paletteGroups(catalog, query) : []), [catalog, query]);
  const searching = query.trim().length > 0;

  const onSearchKey = (e: KeyboardEvent<HTMLInputElement>) => {
    const first = groups[0]?.layers[0];
    if (e.key === "Enter" && first) onAdd(first.type);
    if (e.key === "Escape") {
      setQuery("");
      e.currentTarget.blur();
    }
  };

  return (
    <aside className="palette" aria-label="Layers">
      <div className="palette-search">
        <input
          ref={searchRef}
          type="search"
          placeholder="Search layers  ( / )"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={onSearchKey}
          aria-label="Search layers"
          data-testid="palette-search"
        />
      </div>
      <div className="palette-groups">
        {!catalog && <p className="muted pad">Loading layers…</p>}
        {catalog && groups.length === 0 && <p className="muted pad">No layer matches “{query}”.</p>}
        {groups.map((g) => {
          const open = searching || !collapsed[g.category];
          return (
            <section key={g.category} className="palette-group" data-testid={`palette-group-${g.category}`}>
              <button
                type="button"
                className="palette-group-head"
                aria-expanded={open}
                onClick={() => setCollapsed((c) => ({ ...c, [g.category]: open }))}
              >
                <span className={`chevron${open ? " open" : ""}`}>▸</span>
                {g.category}
                <span className="count">{g.layers.length}</span>
              </button>
              {open && (
                <ul>
                  {g.layers.map((l) => (
                    <PaletteItem key={l.type} layer={l} onAdd={onAdd} />
                  ))}
                </ul>
              )}
            </section>
          );
        })}
      </div>
      <p className="palette-hint muted">Drag onto the canvas, or double-click to add.</p>
    </aside>
  );
}

const PaletteItem = memo(function PaletteItem({ layer, onAdd }: { layer: LayerSpec; onAdd(type: string): void }) {
  const onDragStart = (e: DragEvent) => {
    e.dataTransfer.setData(LAYER_MIME, layer.type);
    e.dataTransfer.setData("text/plain", layer.type);
    e.dataTransfer.effectAllowed = "copy";
  };
  return (
    <li>
      <button
        type="button"
        className={`palette-item cat-${layer.category.toLowerCase().replace(/[^a-z]+/g, "-")}`}
        draggable
        onDragStart={onDragStart}
        onDoubleClick={() => onAdd(layer.type)}
        onKeyDown={(e) => {
          if (e.key === "Enter") onAdd(layer.type);
        }}
        title={layer.doc}
        data-testid={`palette-item-${layer.type}`}
      >
        <span className="palette-item-type">{layer.type}</span>
        <span className="palette-item-doc">{layer.doc}</span>
      </button>
    </li>
  );
});
