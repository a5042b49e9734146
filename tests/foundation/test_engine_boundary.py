"""The engine knows nothing of the web: nothing under builder/engine (compiler, training, protocol, weights,
the training process's entry point) imports Django or reads the environment; its limits and folders come
from builder.engine.settings, which the Django layer fills."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENGINE = ROOT / "builder" / "engine"


def _sources() -> list[Path]:
    return sorted(ENGINE.rglob("*.py"))


def _violations(path: Path, *, root: Path = ROOT) -> list[str]:
    found = []
    tree = ast.parse(path.read_text(), filename=str(path))
    # setting a variable for what the process starts (os.environ["CUDA_VISIBLE_DEVICES"] = ...) reads nothing
    written = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Subscript) and isinstance(n.ctx, ast.Store)}
    for node in ast.walk(tree):
        where = f"{path.relative_to(root)}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "django" for a in node.names):
            found.append(f"{where} imports django")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "django":
            found.append(f"{where} imports django")
        elif isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv", "environb") \
                and isinstance(node.value, ast.Name) and node.value.id == "os" and id(node) not in written:
            found.append(f"{where} reads os.{node.attr}")
        elif isinstance(node, ast.ImportFrom) and node.module == "os" \
                and any(a.name in ("environ", "getenv", "environb") for a in node.names):
            found.append(f"{where} imports from os what reads the environment")
    return found


def test_no_engine_module_imports_django_or_reads_the_environment():
    sources = _sources()
    assert len(sources) > 20  # the scan sees the packages

    assert [v for path in sources for v in _violations(path)] == []


def test_the_scan_would_catch_an_environment_read_and_a_django_import(tmp_path):
    bad = tmp_path / "probe.py"
    bad.write_text("import os\nfrom django.conf import settings\nLIMIT = os.environ.get('X')\n"
                   "os.environ['CUDA_VISIBLE_DEVICES'] = '0'\nDEVICE = os.environ['CUDA_VISIBLE_DEVICES']\n")

    assert sorted(_violations(bad, root=tmp_path)) == ["probe.py:2 imports django", "probe.py:3 reads os.environ",
                                                       "probe.py:5 reads os.environ"]


def test_importing_every_engine_module_loads_no_django():
    script = (
        "import importlib, json, pkgutil, sys\n"
        "import builder.engine\n"
        "names = [m.name for m in pkgutil.walk_packages(builder.engine.__path__, 'builder.engine.')]\n"
        "for name in names:\n"
        "    importlib.import_module(name)\n"
        "assert 'builder.engine.executor' in names and 'builder.engine.training.events' in names, names\n"
        "print(json.dumps(sorted(n for n in sys.modules if n == 'django' or n.startswith('django.'))))\n"
    )
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}  # no DJANGO_SETTINGS_MODULE either
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=300)

    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
