"""The template graphs the builder can start from: ``templates/*.json``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

TEMPLATES = Path(__file__).parent / "templates"


def list_templates() -> list[dict[str, Any]]:
    """Every template as ``{"id", "name", "description", "graph"}``, ordered as ``templates/*.json`` sort.

    >>> next(t for t in list_templates() if t["id"] == "mlp")["graph"]["name"]
    'MyNetwork'
    """
    templates = []
    for path in sorted(TEMPLATES.glob("*.json")):
        document = json.loads(path.read_text())
        templates.append({"id": path.stem, "name": document["name"], "description": document["description"],
                          "graph": document["graph"]})
    return templates
