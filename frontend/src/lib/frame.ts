/**
 * One animation frame for every canvas that has something new to draw: pictures that arrive ten
 * times a second for twenty nodes are drawn together, once per frame, and a picture replaced twice
 * before a frame is drawn once.
 */

type Draw = () => void;

export interface FrameBatch {
  /** Draws `draw` at the next frame; a later call with the same key before then replaces it. */
  schedule(key: object, draw: Draw): void;
  /** Forgets a pending draw (a canvas going away). */
  cancel(key: object): void;
  /** Draws everything pending now (the frame callback; tests call it). */
  flush(): void;
}

export function createFrameBatch(
  request: (cb: () => void) => unknown = (cb) => (typeof requestAnimationFrame === "function" ? requestAnimationFrame(cb) : setTimeout(cb, 16)),
): FrameBatch {
  let pending = new Map<object, Draw>();
  let requested = false;
  const batch: FrameBatch = {
    schedule(key, draw) {
      pending.set(key, draw);
      if (!requested) {
        requested = true;
        request(() => batch.flush());
      }
    },
    cancel(key) {
      pending.delete(key);
    },
    flush() {
      requested = false;
      const now = pending;
      pending = new Map();
      for (const draw of now.values()) draw();
    },
  };
  return batch;
}

/** The page's one batch. */
export const frames = createFrameBatch();
