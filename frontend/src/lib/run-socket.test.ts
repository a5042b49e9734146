import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CLOSE_NOT_FOUND, CLOSE_UNAUTHENTICATED, loginUrl, openStream, type ConnectionState } from "@/lib/run-socket";

/** A stand-in for the browser's WebSocket that the test drives by hand. */
class FakeSocket {
  static all: FakeSocket[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((ev: { data: string }) => void) | null = null;
  onclose: ((ev: { code: number }) => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  /** The server accepts, then closes with `code` (how it refuses, so that the code arrives). */
  acceptThenClose(code: number) {
    this.onopen?.();
    this.onclose?.({ code });
  }
  close() {}
}

function open() {
  const refused: number[] = [];
  const states: ConnectionState[] = [];
  const handle = openStream(() => "ws://host/ws/runs/7/", {
    onMessage: () => undefined,
    onState: (s) => states.push(s),
    onRefused: (code) => refused.push(code),
  }, { createSocket: (url) => new FakeSocket(url) as unknown as WebSocket, backoff: [10] });
  return { handle, refused, states };
}

beforeEach(() => {
  FakeSocket.all = [];
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("openStream", () => {
  it.each([
    ["4401 (log in again)", CLOSE_UNAUTHENTICATED],
    ["4404 (no such run)", CLOSE_NOT_FOUND],
  ])("stops for good on the server's %s close and says which", (_name, code) => {
    const { refused, states } = open();
    FakeSocket.all[0]!.acceptThenClose(code);
    vi.advanceTimersByTime(1000);
    expect(FakeSocket.all).toHaveLength(1);
    expect(refused).toEqual([code]);
    expect(states[states.length - 1]).toBe("closed");
  });

  it("uses the server's close codes (builder/consumers.py, docs/api.md)", () => {
    expect([CLOSE_UNAUTHENTICATED, CLOSE_NOT_FOUND]).toEqual([4401, 4404]);
  });

  it("reconnects after a dropped connection, and does not call it a refusal", () => {
    const { refused } = open();
    FakeSocket.all[0]!.acceptThenClose(1006);
    vi.advanceTimersByTime(10);
    expect(FakeSocket.all).toHaveLength(2);
    expect(refused).toEqual([]);
  });
});

describe("loginUrl", () => {
  it("sends a refused page to the login page, which comes back to it", () => {
    expect(loginUrl("/runs/")).toBe("/accounts/login/?next=%2Fruns%2F");
  });
});
