/** The builder's keyboard shortcuts (the table is in @/lib/shortcuts). */
import { useEffect, useRef } from "react";
import { commandFor, type Command } from "@/lib/shortcuts";

export type CommandHandlers = Partial<Record<Command, () => void>>;

function isEditable(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  const tag = target.tagName;
  return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
}

/** Commands that still fire while typing in a field. */
const GLOBAL: ReadonlySet<Command> = new Set<Command>(["save", "find"]);

export function useShortcuts(handlers: CommandHandlers, enabled: boolean): void {
  const latest = useRef(handlers);
  latest.current = handlers;
  useEffect(() => {
    if (!enabled) return;
    const onKey = (e: KeyboardEvent) => {
      const command = commandFor(e);
      if (!command) return;
      if (isEditable(e.target) && !GLOBAL.has(command)) return;
      const handler = latest.current[command];
      if (!handler) return;
      e.preventDefault();
      handler();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [enabled]);
}
