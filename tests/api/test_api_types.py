"""frontend/src/lib/api-types.ts, the browser's wire types, is what `make api-types` generates from the
API's OpenAPI schema as it is now."""

from __future__ import annotations

import difflib

import pytest

from scripts.api_types import GENERATOR, ROOT, TARGET, generate


def test_the_checked_in_wire_types_are_those_the_schema_generates(tmp_path):
    if not GENERATOR.exists():
        pytest.fail(f"{GENERATOR.relative_to(ROOT)} is missing: run `cd frontend && npm ci` (`make test` does)")
    generated, checked_in = generate(tmp_path), TARGET.read_text()
    diff = difflib.unified_diff(checked_in.splitlines(), generated.splitlines(), "checked in", "generated", lineterm="")
    assert generated == checked_in, "run `make api-types`:\n" + "\n".join(list(diff)[:40])
