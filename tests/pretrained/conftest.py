"""Fixtures for pretrained models: a weights folder of the test's own, and a stand-in resnet18 file in it."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch


@pytest.fixture
def weights_dir(tmp_path, monkeypatch) -> Path:
    """An empty NETBUILDER_WEIGHTS_DIR (TORCH_HOME unset so the machine's own cache is never read)."""
    folder = tmp_path / "weights"
    monkeypatch.setenv("NETBUILDER_WEIGHTS_DIR", str(folder))
    monkeypatch.delenv("TORCH_HOME", raising=False)
    return folder


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
