/** Shows a crash instead of a blank page; the draft in localStorage survives a reload. */
import { Component, type ErrorInfo, type ReactNode } from "react";

interface State {
  error: Error | null;
}

export class ErrorBoundary extends Component<{ children: ReactNode }, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error("NetBuilder crashed", error, info.componentStack);
  }

  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <main className="placeholder-page" role="alert" data-testid="crash">
        <h1>Something went wrong</h1>
        <p>
          <code>{this.state.error.message}</code>
        </p>
        <p>Your unsaved work is kept as a draft in this browser and comes back when you reload.</p>
        <button type="button" className="primary" onClick={() => window.location.reload()}>
          Reload
        </button>
      </main>
    );
  }
}
