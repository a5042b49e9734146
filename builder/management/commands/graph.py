"""``manage.py graph check FILE`` and ``manage.py graph export FILE --out DIR``: the compiler from a shell."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from builder.engine.graph import GraphError, validate, write_export


def _load(path: str) -> Any:
    try:
        return json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise CommandError(f"cannot read a graph from {path}: {e}") from e


class Command(BaseCommand):
    help = "Check a netbuilder.graph/1 file, or export it as model.py + model.pth + graph.json."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        check = actions.add_parser("check", help="Print shapes, counts and errors as JSON; exit 1 when not ok.")
        check.add_argument("file")
        export = actions.add_parser("export", help="Write DIR/model.py, DIR/model.pth (fresh weights), DIR/graph.json.")
        export.add_argument("file")
        export.add_argument("--out", required=True, help="Directory to write into (created if missing).")

    def handle(self, *args: Any, action: str, file: str, **options: Any) -> None:
        graph = _load(file)
        if action == "check":
            result = validate(graph)
            self.stdout.write(json.dumps(result))
            if not result["ok"]:
                sys.exit(1)
            return
        try:
            paths = write_export(graph, Path(options["out"]))
        except GraphError as e:
            raise CommandError(str(e)) from e
        for path in paths:
            self.stdout.write(str(path))
