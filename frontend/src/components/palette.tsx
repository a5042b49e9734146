/** The layer palette: every catalog layer by category, searchable, draggable onto the canvas. */
import { memo, useEffect, useMemo, useState, type DragEvent, type KeyboardEvent } from "react";
import { LAYER_MIME } from "@/components/canvas";
import { BLOCK_TYPE } from "@/lib/blocks";
import { paletteGroups } from "@/lib/catalog";
import type { LayerSpec } from "@/lib/types";
import { useBuilder } from "@/store/builder-store";
import { BLOCK_ITEM, LIBRARY_ITEM } from "@/store/commands";
import { libraryStore, useLibrary } from "@/store/library-store";

export interface PaletteProps {
  /** Adds a layer at the centre of the view (double-click or Enter on an item). */
  onAdd(layerType: string): void;
  searchRef: React.RefObject<HTMLInputElement | null>;
}

export function Palette({ onAdd, searchRef }: PaletteProps) {
  const catalog = useBuilder((s) => s.catalog);
  const [query, setQuery] = useState("");
  const [collapsed, setCollapsed] = useState<Record<string, boolean>>({});
  // A bare Block node names no block: blocks are added from the Blocks section instead.
  const groups = useMemo(
    () => (catalog ? paletteGroups(catalog, query).map((g) => ({ ...g, layers: g.layers.filter((l) => l.type !== BLOCK_TYPE) })).filter((g) => g.layers.length) : []),
    [catalog, query],
  );
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
        <BlocksSection onAdd={onAdd} query={query} />
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

/** The graph's blocks and the user's library blocks: click or drag to add a Block node using one. */
function BlocksSection({ onAdd, query }: { onAdd(item: string): void; query: string }) {
  const blocks = useBuilder((s) => s.blocks);
  const names = useMemo(() => Object.keys(blocks), [blocks]);
  const open = useBuilder((s) => s.blockPath);
  const library = useLibrary((s) => s.blocks);
  useEffect(() => {
    if (libraryStore.getState().blocks === null) void libraryStore.getState().load();
  }, []);
  const q = query.trim().toLowerCase();
  const shown = names.filter((n) => !open.includes(n) && (!q || n.toLowerCase().includes(q)));
  const saved = (library ?? []).filter((b) => !q || b.name.toLowerCase().includes(q));
  return (
    <section className="palette-group" data-testid="palette-group-blocks">
      <div className="palette-group-head">
        Blocks<span className="count">{shown.length + saved.length}</span>
      </div>
      <ul>
        {shown.map((name) => (
          <BlockItem key={name} item={`${BLOCK_ITEM}${name}`} label={name} doc="A block of this graph" onAdd={onAdd} testId={`palette-block-${name}`} />
        ))}
        {saved.map((b) => (
          <BlockItem
            key={b.id}
            item={`${LIBRARY_ITEM}${b.id}`}
            label={b.name}
            doc="From your library"
            onAdd={onAdd}
            testId={`palette-library-${b.name}`}
            onRemove={() => {
              if (window.confirm(`Remove block ${b.name} from your library? Graphs that use it keep their copy.`)) void libraryStore.getState().remove(b.id);
            }}
          />
        ))}
        {!shown.length && !saved.length && <li className="muted pad">Select layers and press Ctrl+G to make a block.</li>}
      </ul>
    </section>
  );
}

interface BlockItemProps {
  item: string;
  label: string;
  doc: string;
  onAdd(item: string): void;
  testId: string;
  /** A library block: remove it from the library. */
  onRemove?(): void;
}

const BlockItem = memo(function BlockItem({ item, label, doc, onAdd, testId, onRemove }: BlockItemProps) {
  const onDragStart = (e: DragEvent) => {
    e.dataTransfer.setData(LAYER_MIME, item);
    e.dataTransfer.setData("text/plain", item);
    e.dataTransfer.effectAllowed = "copy";
  };
  return (
    <li>
      <button type="button" className="palette-item cat-blocks" draggable onDragStart={onDragStart} onClick={() => onAdd(item)} title={doc} data-testid={testId}>
        <span className="palette-item-type">{label}</span>
        <span className="palette-item-doc">{doc}</span>
      </button>
      {onRemove && (
        <button type="button" className="link palette-item-remove" onClick={onRemove} title="Remove from your library" aria-label={`Remove ${label} from your library`} data-testid={`${testId}-remove`}>
          ×
        </button>
      )}
    </li>
  );
});
