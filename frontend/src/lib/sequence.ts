/**
 * Ordering for server answers: every request is stamped with the editor's revision, and an answer is
 * applied only when it is newer than the one on screen, so a slow old answer never replaces a new one.
 */
export interface Stamped<T> {
  revision: number;
  value: T;
}

/** The answer to keep: the incoming one when it is newer than the current one, else the current one. */
export function newer<T>(current: Stamped<T> | null, incoming: Stamped<T>): Stamped<T> {
  if (current && incoming.revision <= current.revision) return current;
  return incoming;
}

/** True when an answer stamped `revision` is no longer the newest that can arrive. */
export function isStale(current: Stamped<unknown> | null, revision: number): boolean {
  return !!current && revision <= current.revision;
}
