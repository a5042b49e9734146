/** Starting points served by GET /api/templates. */
import { useEffect, useState } from "react";
import { Modal } from "@/components/modal";
import { api } from "@/lib/api";
import type { Template } from "@/lib/types";
import { confirmDiscard, loadTemplateGraph } from "@/store/commands";

export function TemplatesDialog({ onClose }: { onClose(): void }) {
  const [items, setItems] = useState<Template[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api
      .templates()
      .then(setItems)
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, []);
  return (
    <Modal title="Start from a template" onClose={onClose} wide testId="templates-dialog">
      {error && <p className="field-error">{error}</p>}
      {!items && !error && <p className="muted">Loading…</p>}
      <div className="template-grid">
        {items?.map((t) => (
          <button
            type="button"
            key={t.id}
            className="template-card"
            data-testid={`template-${t.id}`}
            onClick={() => {
              if (!confirmDiscard("Load this template?")) return;
              loadTemplateGraph(t.graph, t.name);
              onClose();
            }}
          >
            <b>{t.name}</b>
            <span className="muted">{t.description}</span>
            <span className="template-meta">{t.graph.nodes.length} layers</span>
          </button>
        ))}
      </div>
    </Modal>
  );
}
