/** The keyboard shortcuts: one table that both the key handler and the help overlay read. */

export type Command =
  | "undo"
  | "redo"
  | "copy"
  | "cut"
  | "paste"
  | "duplicate"
  | "delete"
  | "selectAll"
  | "save"
  | "quickAdd"
  | "layout"
  | "fit"
  | "search"
  | "find"
  | "help"
  | "expand"
  | "makeBlock"
  | "escape";

export interface Shortcut {
  command: Command;
  keys: string[];
  label: string;
}

export const SHORTCUTS: Shortcut[] = [
  { command: "undo", keys: ["Ctrl+Z"], label: "Undo" },
  { command: "redo", keys: ["Ctrl+Shift+Z", "Ctrl+Y"], label: "Redo" },
  { command: "copy", keys: ["Ctrl+C"], label: "Copy selected layers" },
  { command: "cut", keys: ["Ctrl+X"], label: "Cut selected layers" },
  { command: "paste", keys: ["Ctrl+V"], label: "Paste at the cursor" },
  { command: "duplicate", keys: ["Ctrl+D"], label: "Duplicate selected layers" },
  { command: "delete", keys: ["Delete", "Backspace"], label: "Delete selection" },
  { command: "selectAll", keys: ["Ctrl+A"], label: "Select everything" },
  { command: "save", keys: ["Ctrl+S"], label: "Save" },
  { command: "quickAdd", keys: ["Space", "A"], label: "Add a layer at the cursor (or double-click the canvas)" },
  { command: "layout", keys: ["L"], label: "Auto-layout" },
  { command: "fit", keys: ["F"], label: "Zoom to fit" },
  { command: "search", keys: ["/"], label: "Search the palette" },
  { command: "find", keys: ["Ctrl+F"], label: "Find a node by id, type or error (Enter: next, Shift+Enter: previous)" },
  { command: "expand", keys: ["E"], label: "Expand the selected torchvision model into layers" },
  { command: "makeBlock", keys: ["Ctrl+G"], label: "Make a block of the selected layers (double-click a block to open it)" },
  { command: "help", keys: ["?"], label: "Show this help" },
  { command: "escape", keys: ["Escape"], label: "Close dialogs, clear selection" },
];

/** Extra mouse gestures for the help overlay. */
export const GESTURES: [string, string][] = [
  ["Drag from palette", "Add a layer where you drop it"],
  ["Drag output → input", "Connect two layers"],
  ["Shift + drag", "Box select"],
  ["Ctrl + click", "Add to the selection"],
  ["Double-click a Block node", "Open its block (the breadcrumb or Escape goes back)"],
  ["Scroll / pinch", "Zoom"],
  ["Drag the background", "Pan"],
];

export interface KeyLike {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
}

/** The key combination of an event, spelled as in SHORTCUTS ("Ctrl+Shift+Z"); Cmd counts as Ctrl. */
export function comboOf(e: KeyLike): string {
  const parts: string[] = [];
  if (e.ctrlKey || e.metaKey) parts.push("Ctrl");
  let key = e.key;
  if (key === " ") key = "Space";
  else if (key.length === 1) key = key.toUpperCase();
  // "?" and "/" already say whether Shift was held.
  if (e.shiftKey && key !== "?" && (parts.length > 0 || key.length > 1)) parts.push("Shift");
  if (e.altKey) parts.push("Alt");
  parts.push(key);
  return parts.join("+");
}

const BY_COMBO = new Map<string, Command>(SHORTCUTS.flatMap((s) => s.keys.map((k) => [k, s.command] as [string, Command])));

export function commandFor(e: KeyLike): Command | null {
  return BY_COMBO.get(comboOf(e)) ?? null;
}
