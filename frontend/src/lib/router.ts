/** A small History-API router: the current path as React state, and navigation without reloads. */
import { useSyncExternalStore } from "react";

const NAVIGATE_EVENT = "netbuilder:navigate";

function subscribe(onChange: () => void): () => void {
  window.addEventListener("popstate", onChange);
  window.addEventListener(NAVIGATE_EVENT, onChange);
  return () => {
    window.removeEventListener("popstate", onChange);
    window.removeEventListener(NAVIGATE_EVENT, onChange);
  };
}

export function usePathname(): string {
  return useSyncExternalStore(subscribe, () => window.location.pathname);
}

export function navigate(to: string, { replace = false }: { replace?: boolean } = {}): void {
  if (replace) window.history.replaceState(null, "", to);
  else window.history.pushState(null, "", to);
  window.dispatchEvent(new Event(NAVIGATE_EVENT));
}

export interface Route<P> {
  pattern: RegExp;
  render: (params: string[]) => P;
}

/** The first route whose pattern matches the path, rendered with the pattern's groups. */
export function matchRoute<P>(routes: readonly Route<P>[], path: string): P | null {
  for (const route of routes) {
    const m = route.pattern.exec(path);
    if (m) return route.render(m.slice(1));
  }
  return null;
}
