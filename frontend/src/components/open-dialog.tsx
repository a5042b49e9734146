/** The user's saved architectures: open, rename, duplicate, delete. */
import { useCallback, useEffect, useState } from "react";
import { Modal } from "@/components/modal";
import { NameDialog } from "@/components/name-dialog";
import { api } from "@/lib/api";
import type { ArchitectureSummary } from "@/lib/types";
import { confirmDiscard, deleteArchitecture, duplicateArchitecture, openArchitecture, renameArchitecture } from "@/store/commands";
import { useBuilder } from "@/store/builder-store";

type Pending = { kind: "rename" | "duplicate"; arch: ArchitectureSummary } | null;

export function OpenDialog({ onClose }: { onClose(): void }) {
  const [items, setItems] = useState<ArchitectureSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState<Pending>(null);
  const openId = useBuilder((s) => s.architecture?.id ?? null);

  const refresh = useCallback(() => {
    api
      .architectures()
      .then(setItems)
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, []);
  useEffect(refresh, [refresh]);

  const open = async (id: number) => {
    if (!confirmDiscard("Open another architecture?")) return;
    await openArchitecture(id);
    onClose();
  };

  return (
    <Modal title="Open architecture" onClose={onClose} wide testId="open-dialog">
      {error && <p className="field-error">{error}</p>}
      {!items && !error && <p className="muted">Loading…</p>}
      {items && items.length === 0 && <p className="muted">Nothing saved yet. Build a network and press Save.</p>}
      {items && items.length > 0 && (
        <table className="arch-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Version</th>
              <th>Updated</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {items.map((a) => (
              <tr key={a.id} className={a.id === openId ? "current" : undefined} data-testid={`arch-row-${a.id}`}>
                <td>
                  <button type="button" className="link" onClick={() => void open(a.id)} data-testid={`arch-open-${a.id}`}>
                    {a.name}
                  </button>
                </td>
                <td>v{a.version}</td>
                <td className="muted">{new Date(a.updated_at).toLocaleString()}</td>
                <td className="row-actions">
                  <button type="button" onClick={() => setPending({ kind: "rename", arch: a })}>
                    Rename
                  </button>
                  <button type="button" onClick={() => setPending({ kind: "duplicate", arch: a })}>
                    Duplicate
                  </button>
                  <button
                    type="button"
                    className="danger"
                    onClick={async () => {
                      if (window.confirm(`Delete “${a.name}” and all its versions?`) && (await deleteArchitecture(a.id))) refresh();
                    }}
                  >
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {pending && (
        <NameDialog
          title={pending.kind === "rename" ? "Rename architecture" : "Duplicate architecture"}
          initial={pending.kind === "rename" ? pending.arch.name : `${pending.arch.name} copy`}
          action={pending.kind === "rename" ? "Rename" : "Duplicate"}
          onClose={() => setPending(null)}
          onSubmit={async (name) => {
            if (pending.kind === "rename") await renameArchitecture(pending.arch.id, name);
            else await duplicateArchitecture(pending.arch.id, name);
            setPending(null);
            refresh();
          }}
        />
      )}
    </Modal>
  );
}
