/** Every shortcut and mouse gesture, from the same table the key handler uses. */
import { Modal } from "@/components/modal";
import { GESTURES, SHORTCUTS } from "@/lib/shortcuts";

export function HelpOverlay({ onClose }: { onClose(): void }) {
  return (
    <Modal title="Keyboard shortcuts" onClose={onClose} wide testId="help-overlay">
      <div className="help-columns">
        <table className="help-table">
          <tbody>
            {SHORTCUTS.map((s) => (
              <tr key={s.command}>
                <td>
                  {s.keys.map((k, i) => (
                    <span key={k}>
                      {i > 0 && " / "}
                      <kbd>{k}</kbd>
                    </span>
                  ))}
                </td>
                <td>{s.label}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <table className="help-table">
          <tbody>
            {GESTURES.map(([g, what]) => (
              <tr key={g}>
                <td>
                  <kbd>{g}</kbd>
                </td>
                <td>{what}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="muted">On macOS, Cmd works wherever Ctrl is listed.</p>
    </Modal>
  );
}
