"""The limits and folders the engine (``builder.engine.graph``, ``builder.engine.training``) works with, decided once.

Plain Python: it imports nothing of Django and reads no environment. The Django app builds one
``EngineSettings`` from ``django.conf.settings`` at startup (``builder.apps``) and installs it; the
training process installs the one its run spec carries; a script may install its own.

    >>> with engine_settings_override(max_params=1000):
    ...     engine_settings().max_params
    1000
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class EngineSettings:
    """Every limit and folder the engine reads; each field is the Django setting named in SETTING_NAMES."""

    max_params: int = 200_000_000
    max_epochs: int = 1000
    weights_dir: Path = Path("var/weights")  # laid out as torchvision's cache: hub/checkpoints/<file>
    data_dir: Path = Path("var/data")  # MNIST, FashionMNIST, CIFAR-10 files
    max_dataset_bytes: int = 512 * 2**20  # the float32 tensors one dataset may decode to
    checkpoint_seconds: float = 5.0  # training time between two checkpoints of a run


# field -> the setting (and environment variable) that decides it; limit errors name it
SETTING_NAMES = {
    "max_params": "NETBUILDER_MAX_PARAMS",
    "max_epochs": "NETBUILDER_MAX_EPOCHS",
    "weights_dir": "NETBUILDER_WEIGHTS_DIR",
    "data_dir": "NETBUILDER_DATA_DIR",
    "max_dataset_bytes": "NETBUILDER_MAX_DATASET_BYTES",
    "checkpoint_seconds": "NETBUILDER_CHECKPOINT_SECONDS",
}

_current = EngineSettings()


def engine_settings() -> EngineSettings:
    """The settings in force."""
    return _current


def install_engine_settings(settings: EngineSettings) -> None:
    """Make ``settings`` the ones in force for this process."""
    global _current
    _current = settings


@contextlib.contextmanager
def engine_settings_override(**changes: object) -> Iterator[EngineSettings]:
    """The settings in force with some fields changed, for the ``with`` block (tests, scripts)."""
    previous = _current
    install_engine_settings(dataclasses.replace(previous, **changes))  # type: ignore[arg-type]
    try:
        yield _current
    finally:
        install_engine_settings(previous)
