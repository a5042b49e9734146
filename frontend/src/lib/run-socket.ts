/**
 * A websocket that comes back: after a dropped connection it reconnects with a growing delay, asking
 * `url()` again each time (so a run stream resumes with `?after=<last step>`). It stops for good when
 * closed, when `done()` says there is nothing more to hear, or on the server's "log in" / "not found"
 * close codes.
 */

export type ConnectionState = "connecting" | "open" | "reconnecting" | "closed";

// The server accepts, then closes with one of these (a refused handshake would carry no code).
export const CLOSE_UNAUTHENTICATED = 4401;

/** Where a stream refused with 4401 sends the browser: the login page, which comes back to `path`. */
export function loginUrl(path: string): string {
  return `/accounts/login/?next=${encodeURIComponent(path)}`;
}
export const CLOSE_NOT_FOUND = 4404;

export interface StreamHandlers<M> {
  onMessage(message: M): void;
  onState?(state: ConnectionState): void;
  /** The server refused: 4401 (log in again) or 4404 (no such object). */
  onRefused?(code: number): void;
}

export interface StreamOptions {
  /** True when no more messages can come (a run that ended): no reconnect then. */
  done?: () => boolean;
  /** Delays in ms between attempts; the last one repeats. */
  backoff?: readonly number[];
  createSocket?: (url: string) => WebSocket;
}

export interface StreamHandle {
  close(): void;
  /** Drops the connection and reconnects now (used by tests and the "retry" button). */
  reconnect(): void;
}

const DEFAULT_BACKOFF = [300, 1000, 2000, 4000, 8000];

export function openStream<M>(url: () => string, handlers: StreamHandlers<M>, opts: StreamOptions = {}): StreamHandle {
  const backoff = opts.backoff ?? DEFAULT_BACKOFF;
  const create = opts.createSocket ?? ((u: string) => new WebSocket(u));
  let socket: WebSocket | null = null;
  let attempt = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let closed = false;

  const setState = (s: ConnectionState) => handlers.onState?.(s);

  const connect = () => {
    timer = null;
    if (closed) return;
    setState(attempt === 0 ? "connecting" : "reconnecting");
    const ws = create(url());
    socket = ws;
    ws.onopen = () => {
      if (socket !== ws) return;
      attempt = 0;
      setState("open");
    };
    ws.onmessage = (ev: MessageEvent) => {
      if (socket !== ws || closed) return;
      let msg: M;
      try {
        msg = JSON.parse(String(ev.data)) as M;
      } catch {
        return; // not ours: the protocol only sends JSON
      }
      handlers.onMessage(msg);
    };
    ws.onclose = (ev: CloseEvent) => {
      if (socket !== ws) return;
      socket = null;
      if (closed) return;
      if (ev.code === CLOSE_UNAUTHENTICATED || ev.code === CLOSE_NOT_FOUND) {
        closed = true;
        setState("closed");
        handlers.onRefused?.(ev.code);
        return;
      }
      if (opts.done?.()) {
        closed = true;
        setState("closed");
        return;
      }
      const delay = backoff[Math.min(attempt, backoff.length - 1)] ?? 1000;
      attempt++;
      setState("reconnecting");
      timer = setTimeout(connect, delay);
    };
  };

  connect();

  return {
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = null;
      const ws = socket;
      socket = null;
      ws?.close();
      setState("closed");
    },
    reconnect() {
      if (closed) return;
      const ws = socket;
      socket = null;
      ws?.close();
      if (timer) clearTimeout(timer);
      attempt = Math.max(attempt, 1);
      connect();
    },
  };
}
