"""Small models and a run helper for the training engine tests (no Django needed)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from builder.engine.training import TrainConfig, TrainResult, load_dataset, train


def mlp(n_in: int, n_out: int, hidden: int = 32, *, flatten: bool = False, dropout: float = 0.0) -> nn.Module:
    """A seeded two-layer perceptron, so every test starts from the same weights."""
    torch.manual_seed(0)
    layers: list[nn.Module] = [nn.Flatten()] if flatten else []
    layers += [nn.Linear(n_in, hidden), nn.ReLU()]
    if dropout:
        layers.append(nn.Dropout(dropout))
    layers.append(nn.Linear(hidden, n_out))
    return nn.Sequential(*layers)


class Events(list):
    """Collects callback events; `of(type)` lists the data of one event type."""

    def __call__(self, event: dict) -> None:
        self.append(event)

    def of(self, kind: str) -> list[dict]:
        return [e["data"] for e in self if e["type"] == kind]

    def points(self) -> list[dict]:
        """Every metrics point, in order."""
        return [p for data in self.of("metrics") for p in data["points"]]


def run(model: nn.Module, dataset, events: Events | None = None, **options) -> TrainResult:
    config = TrainConfig.from_dict({"device": "cpu", **options}, dataset=dataset)
    return train(model, dataset, config, callback=events)


@pytest.fixture
def every_point_sent(monkeypatch):
    """Every metrics point its own message at once: for tests that read the points as a clock of steps."""
    from builder.engine.training import loop

    monkeypatch.setattr(loop, "METRICS_SECONDS", 0.0)


@pytest.fixture(autouse=True, scope="session")
def one_thread():
    """The test models are tiny: one intra-op thread is faster, and steady when other jobs share the CPU."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture
def events() -> Events:
    return Events()


@pytest.fixture(scope="session")
def digits():
    return load_dataset("digits")


@pytest.fixture(scope="session")
def moons():
    return load_dataset("moons", size=400)
