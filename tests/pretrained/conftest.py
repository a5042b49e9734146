"""Fixtures for pretrained models: a weights folder of the test's own, and a stand-in resnet18 file in it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

from builder.engine.settings import engine_settings_override


@pytest.fixture
def weights_dir(tmp_path) -> Iterator[Path]:
    """An empty weights folder of the test's own, as the engine settings' weights_dir (NETBUILDER_WEIGHTS_DIR),
    so the machine's own torch cache is never read."""
    folder = tmp_path / "weights"
    with engine_settings_override(weights_dir=folder):
        yield folder


@pytest.fixture
def resnet18_file(weights_dir) -> Path:
    """Random resnet18 weights saved under torchvision's real file name, where the node looks for them."""
    import torchvision

    torch.manual_seed(1)
    path = weights_dir / "hub" / "checkpoints" / "resnet18-f37072fd.pth"
    path.parent.mkdir(parents=True)
    torch.save(torchvision.models.resnet18().state_dict(), path)
    return path


def backbone_graph(*, image: int = 32, trainable: bool = True, **params) -> dict:
    """Input → TorchvisionModel "net" → Output."""
    return {
        "format": "netbuilder.graph/1", "name": "FineTune",
        "nodes": [{"id": "x", "type": "Input", "params": {"shape": [3, image, image]}},
                  {"id": "net", "type": "TorchvisionModel", "params": {"arch": "resnet18", **params},
                   "trainable": trainable},
                  {"id": "y", "type": "Output"}],
        "edges": [{"source": "x", "target": "net"}, {"source": "net", "target": "y"}],
    }
