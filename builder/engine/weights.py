"""Uploaded weights: read a state dict safely, match it against a graph or a module, and load it.

Plain Python over torch; it knows nothing of Django. A ``.pth``/``.pt`` file is read with
``torch.load(..., weights_only=True)`` only, so a file that holds anything but tensors and plain
containers (a pickled object whose ``__reduce__`` would run code) is refused before anything of it
runs; ``.safetensors`` holds tensors only by design.

    >>> import io, torch
    >>> buffer = io.BytesIO()
    >>> torch.save({"fc.weight": torch.zeros(2, 3), "fc.bias": torch.zeros(2)}, buffer)
    >>> state = read_state_dict(buffer.getvalue(), "model.pth")
    >>> report = match_state_dict(torch.nn.Sequential(), state)
    >>> report["ok"], report["unexpected"]
    (False, ['fc.bias', 'fc.weight'])
"""

from __future__ import annotations

import copy
import io
import pickle
from pathlib import Path
from typing import Any

import torch
from torch import nn

from builder.engine.graph.preprocess import BUFFERS

SUFFIXES = (".pth", ".pt", ".safetensors")
# Checkpoint files often wrap the state dict: NetBuilder's checkpoint.pt under "model", others under these.
_WRAPPERS = ("state_dict", "model", "model_state_dict")
_SCALING_KEYS = {name for pair in BUFFERS.values() for name in pair}
# BatchNorm's step counter: absent from older files (torchvision's own), and filled with 0 on load.
_OPTIONAL = "num_batches_tracked"


class WeightsError(Exception):
    """A weights file that can't be read or doesn't fit; ``message`` is for the user."""

    def __init__(self, message: str, report: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.report = report


def read_state_dict(source: str | Path | bytes, filename: str | None = None) -> dict[str, torch.Tensor]:
    """The tensors of a ``.pth``/``.pt`` (weights only) or ``.safetensors`` file, by key, on the CPU.

    ``source`` is a path or the file's bytes; ``filename`` (needed with bytes) decides the format.

    Raises:
        WeightsError: another suffix, a file that is not weights, or one holding Python objects.
    """
    name = filename or (Path(source).name if not isinstance(source, bytes) else "")
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise WeightsError(f"{name or 'the file'} is not a weights file: use {', '.join(SUFFIXES)}")
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    if suffix == ".safetensors":
        from safetensors import SafetensorError
        from safetensors.torch import load

        try:
            return load(data)
        except (SafetensorError, ValueError, OSError) as e:
            raise WeightsError(f"{name} is not a readable safetensors file: {e}") from e
    try:
        loaded = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        # torch's message advises weights_only=False; the user needs only what was refused.
        what = next((line.strip() for line in str(e).splitlines() if "GLOBAL" in line), None)
        if what is None:  # not a pickle at all
            raise WeightsError(f"{name} is not a PyTorch weights file: {str(e).splitlines()[0]}") from e
        raise WeightsError(
            f"{name} holds Python objects, not only tensors, and was refused without running any of it ({what}); "
            "save a plain state dict: torch.save(model.state_dict(), path)"
        ) from e
    except (RuntimeError, EOFError, ValueError, OSError) as e:
        raise WeightsError(f"{name} is not a PyTorch weights file: {str(e).splitlines()[0]}") from e
    return _tensors(loaded, name)


def _tensors(loaded: Any, name: str) -> dict[str, torch.Tensor]:
    if isinstance(loaded, dict):
        inner = next((loaded[k] for k in _WRAPPERS if isinstance(loaded.get(k), dict)), None)
        if inner is not None and not any(isinstance(v, torch.Tensor) for v in loaded.values()):
            loaded = inner
    if not isinstance(loaded, dict) or not loaded:
        raise WeightsError(f"{name} does not hold a state dict (a mapping of names to tensors)")
    for key, value in loaded.items():
        if not isinstance(key, str) or not isinstance(value, torch.Tensor):
            raise WeightsError(f"{name} is not a state dict: entry {key!r} is a {type(value).__name__}, not a tensor")
    return dict(loaded)


def _expected(target: nn.Module | dict[str, Any]) -> tuple[dict[str, torch.Size], list[str]]:
    """Shapes by key of what ``target`` holds, and the prefixes a bare torchvision file may sit under."""
    if isinstance(target, nn.Module):
        return {k: v.shape for k, v in target.state_dict().items()}, []
    from builder.engine.graph import compile_graph

    graph = copy.deepcopy(target)
    backbones: list[str] = []
    for node in graph.get("nodes", []):
        if isinstance(node, dict) and node.get("type") == "TorchvisionModel":
            backbones.append(str(node.get("id")))
            if isinstance(node.get("params"), dict):
                node["params"]["weights"] = "none"  # shapes only: the pretrained file is not read
    with torch.device("meta"):
        gm = compile_graph(graph)
    return {k: v.shape for k, v in gm.state_dict().items()}, backbones


def _candidates(key: str, backbones: list[str]) -> list[str]:
    """Where an uploaded key may belong: as it is, with its module path joined by _ (an expanded
    network's node ids), and under a TorchvisionModel node (a bare torchvision file)."""
    from builder.engine.graph import expanded_key

    path, _, leaf = key.rpartition(".")
    out = [key]
    if path:
        out.append(f"{path.replace('.', '_')}.{leaf}")
    for node in backbones:
        out += [f"{node}.{key}", expanded_key(node, key)]
    return out


def match_state_dict(target: nn.Module | dict[str, Any], state: dict[str, torch.Tensor]) -> dict[str, Any]:
    """What loading ``state`` into ``target`` (a module, or a graph document) would do, before doing it.

    Returns ``{"matched", "renamed", "missing", "unexpected", "mismatched", "ok"}``: keys of the target
    that get a tensor; uploaded keys that match once renamed (``layer1.0.conv1.weight`` →
    ``layer1_0_conv1.weight`` after an expand, ``conv1.weight`` → ``net.conv1.weight`` for a
    TorchvisionModel node ``net``); target keys nothing fills (BatchNorm's ``num_batches_tracked`` is
    never missing: it starts at 0); uploaded keys that fit nowhere; and ``{"key", "expected", "got"}``
    for shapes that differ. ``ok`` when every target key is filled and nothing is left over or mis-shaped.

    Raises:
        GraphError: ``target`` is a graph with errors.
    """
    expected, backbones = _expected(target)
    # A trained model.pth carries its data's scaling (builder.engine.graph.preprocess); a new run gets its own.
    state = {k: v for k, v in state.items() if k not in _SCALING_KEYS or k in expected}
    matched: list[str] = []
    renamed: dict[str, str] = {}
    mismatched: list[dict[str, Any]] = []
    unexpected: list[str] = []
    used: set[str] = set()
    for key in sorted(state):
        place = next((c for c in _candidates(key, backbones) if c in expected and c not in used), None)
        if place is None:
            unexpected.append(key)
            continue
        used.add(place)
        if tuple(state[key].shape) != tuple(expected[place]):
            mismatched.append({"key": place, "expected": list(expected[place]), "got": list(state[key].shape)})
            continue
        matched.append(place)
        if place != key:
            renamed[key] = place
    missing = [k for k in expected if k not in used and k.rpartition(".")[2] != _OPTIONAL]
    return {
        "matched": matched, "renamed": renamed, "missing": missing, "unexpected": unexpected,
        "mismatched": mismatched, "ok": not (missing or unexpected or mismatched),
    }


def apply_state_dict(module: nn.Module, state: dict[str, torch.Tensor], *, strict: bool = True) -> dict[str, Any]:
    """Load ``state`` into ``module`` by :func:`match_state_dict`'s rules; returns its report.

    With ``strict`` (the default) nothing is loaded unless the report is ``ok``; without it, every
    matched tensor is loaded and the rest is left as it was.

    Raises:
        WeightsError: strict, and the report is not ok (``error.report`` holds it).
    """
    report = match_state_dict(module, state)
    if strict and not report["ok"]:
        raise WeightsError(summary(report), report)
    place = {v: k for k, v in report["renamed"].items()}
    with torch.no_grad():
        module.load_state_dict({key: state[place.get(key, key)] for key in report["matched"]}, strict=False)
    return report


def load_into(module: nn.Module, path: str | Path, *, strict: bool = True) -> dict[str, Any]:
    """Read a weights file and load it into ``module``: what a run's ``init_weights`` does before training."""
    return apply_state_dict(module, read_state_dict(path), strict=strict)


def summary(report: dict[str, Any]) -> str:
    """One sentence on why a report is not ok."""
    parts = []
    if report["missing"]:
        parts.append(f"{len(report['missing'])} missing (first {report['missing'][0]!r})")
    if report["unexpected"]:
        parts.append(f"{len(report['unexpected'])} unexpected (first {report['unexpected'][0]!r})")
    if report["mismatched"]:
        first = report["mismatched"][0]
        parts.append(f"{len(report['mismatched'])} of another shape (first {first['key']!r}: expected "
                     f"{first['expected']}, got {first['got']})")
    return "The weights don't fit this model: " + "; ".join(parts)
