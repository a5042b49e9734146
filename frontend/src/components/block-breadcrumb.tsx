/** Where the canvas is: the graph's name › the blocks opened; a click (or Escape) goes back up. */
import { useBuilder } from "@/store/builder-store";

export function BlockBreadcrumb() {
  const path = useBuilder((s) => s.blockPath);
  const name = useBuilder((s) => s.name);
  const closeBlock = useBuilder((s) => s.closeBlock);
  if (!path.length) return null;
  return (
    <nav className="block-breadcrumb" aria-label="Breadcrumb" data-testid="block-breadcrumb">
      <button type="button" className="link" onClick={() => closeBlock(0)} data-testid="breadcrumb-top">
        {name}
      </button>
      {path.map((block, i) => (
        <span key={block}>
          {" › "}
          {i === path.length - 1 ? (
            <b data-testid="breadcrumb-current">{block}</b>
          ) : (
            <button type="button" className="link" onClick={() => closeBlock(i + 1)}>
              {block}
            </button>
          )}
        </span>
      ))}
      <span className="muted"> — edits change every use (Escape: back)</span>
    </nav>
  );
}
