/** Short messages in the corner; each goes away on its own. */
import { useEffect } from "react";
import { useBuilder, type Toast } from "@/store/builder-store";

export function Toasts() {
  const toasts = useBuilder((s) => s.toasts);
  return (
    <div className="toasts" role="status" aria-live="polite">
      {toasts.map((t) => (
        <ToastItem key={t.id} toast={t} />
      ))}
    </div>
  );
}

function ToastItem({ toast }: { toast: Toast }) {
  const dismiss = useBuilder((s) => s.dismissToast);
  useEffect(() => {
    const timer = setTimeout(() => dismiss(toast.id), toast.kind === "error" ? 5000 : 3000);
    return () => clearTimeout(timer);
  }, [toast, dismiss]);
  return (
    <div className={`toast toast-${toast.kind}`} data-testid="toast" onClick={() => dismiss(toast.id)}>
      {toast.message}
    </div>
  );
}
