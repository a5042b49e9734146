"""Each benchmark owns one section of docs/performance.md, between `<!-- bench:NAME -->` markers."""

from __future__ import annotations

from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "performance.md"


def write_section(name: str, body: str, path: Path = DOC) -> None:
    """Replace section `name` (or append it); the other sections stay as they are."""
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    text = f"{start}\n{body.strip()}\n{end}"
    old = path.read_text(encoding="utf-8") if path.exists() else "# Performance\n"
    if start in old and end in old:
        before, rest = old.split(start, 1)
        new = before + text + rest.split(end, 1)[1]
    else:
        new = old.rstrip("\n") + "\n\n" + text + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(new, encoding="utf-8")
