/** Asks for a name (save as, rename, duplicate). */
import { useState } from "react";
import { Modal } from "@/components/modal";

export interface NameDialogProps {
  title: string;
  initial: string;
  action: string;
  onSubmit(name: string): void;
  onClose(): void;
}

export function NameDialog({ title, initial, action, onSubmit, onClose }: NameDialogProps) {
  const [name, setName] = useState(initial);
  const trimmed = name.trim();
  return (
    <Modal title={title} onClose={onClose} testId="name-dialog">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (trimmed) onSubmit(trimmed);
        }}
      >
        <label className="field-label" htmlFor="name-dialog-input">
          Name
        </label>
        <input id="name-dialog-input" value={name} onChange={(e) => setName(e.target.value)} maxLength={200} data-testid="name-dialog-input" autoFocus />
        <div className="modal-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={!trimmed} data-testid="name-dialog-submit">
            {action}
          </button>
        </div>
      </form>
    </Modal>
  );
}
