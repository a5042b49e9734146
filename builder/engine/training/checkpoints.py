"""Checkpoints: everything a run needs to continue exactly where it stopped."""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

import torch

from .errors import ConfigError

FORMAT = "netbuilder.checkpoint/1"
FILENAME = "checkpoint.pt"


def rng_state() -> dict[str, Any]:
    state: dict[str, Any] = {"torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def save_checkpoint(path: str | Path, state: dict[str, Any]) -> Path:
    """Write atomically (a temporary file, then a rename), so a crash never leaves half a checkpoint."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    torch.save({"format": FORMAT, **state}, tmp)
    os.replace(tmp, path)
    return path


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    """Read a checkpoint onto the CPU; tensors only, no pickled code (weights_only)."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError("resume_from", f"No checkpoint at {path}")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:  # torch's own message advises weights_only=False
        if "GLOBAL" not in str(e):  # not a pickle at all
            raise ConfigError("resume_from", f"{path.name} is not a readable checkpoint") from e
        raise ConfigError("resume_from", f"{path.name} holds Python objects, not only tensors, "
                                         "and was refused without running any of it") from e
    except (RuntimeError, OSError, EOFError) as e:
        raise ConfigError("resume_from", f"{path.name} is not a readable checkpoint: {e}") from e
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise ConfigError("resume_from", f"{path.name} is not a NetBuilder checkpoint ({FORMAT})")
    return state
