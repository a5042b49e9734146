import { describe, expect, it } from "vitest";
import { commandFor, comboOf, SHORTCUTS } from "@/lib/shortcuts";

const key = (k: string, mods: Partial<{ ctrlKey: boolean; metaKey: boolean; shiftKey: boolean; altKey: boolean }> = {}) => ({
  key: k,
  ctrlKey: false,
  metaKey: false,
  shiftKey: false,
  altKey: false,
  ...mods,
});

describe("shortcuts", () => {
  it("maps undo and both redo spellings, with Cmd as Ctrl", () => {
    expect(commandFor(key("z", { ctrlKey: true }))).toBe("undo");
    expect(commandFor(key("Z", { ctrlKey: true, shiftKey: true }))).toBe("redo");
    expect(commandFor(key("y", { ctrlKey: true }))).toBe("redo");
    expect(commandFor(key("z", { metaKey: true }))).toBe("undo");
  });

  it("maps plain keys and ignores unknown ones", () => {
    expect(commandFor(key("Delete"))).toBe("delete");
    expect(commandFor(key("?", { shiftKey: true }))).toBe("help");
    expect(commandFor(key(" "))).toBe("quickAdd");
    expect(commandFor(key("q"))).toBeNull();
    expect(comboOf(key("s", { ctrlKey: true }))).toBe("Ctrl+S");
  });

  it("lists each key combination once", () => {
    const all = SHORTCUTS.flatMap((s) => s.keys);
    expect(new Set(all).size).toBe(all.length);
  });
});
