"""Training health per graph node (builder.engine.training.health), as the epoch messages carry it."""

from __future__ import annotations

import pytest
import torch

from builder.engine.graph import compile_graph
from builder.engine.training import TrainConfig, load_dataset, train
from builder.engine.training.health import HealthMonitor

from .conftest import Events


def chain(*layers: tuple[str, str, dict]) -> dict:
    nodes = [{"id": "x", "type": "Input", "params": {"shape": [2]}},
             *({"id": i, "type": t, "params": p} for i, t, p in layers), {"id": "y", "type": "Output"}]
    ids = [n["id"] for n in nodes]
    return {"format": "netbuilder.graph/1", "name": "Chain", "nodes": nodes,
            "edges": [{"source": a, "target": b} for a, b in zip(ids, ids[1:], strict=False)]}


DEAD = chain(("fc1", "Linear", {"out_features": 16}), ("relu", "ReLU", {}), ("fc2", "Linear", {"out_features": 2}))


def killed(graph: dict) -> torch.fx.GraphModule:
    """The graph's model with fc1's bias far below zero: every unit after the ReLU is dead."""
    torch.manual_seed(0)
    model = compile_graph(graph)
    with torch.no_grad():
        model.fc1.bias.fill_(-100.0)
    return model


def test_a_layer_killed_by_a_large_negative_bias_is_reported_dead_once_with_an_alert_in_the_log():
    moons = load_dataset("moons")
    events = Events()
    config = TrainConfig.from_dict({"device": "cpu", "epochs": 3, "batch_size": 32}, dataset=moons)

    train(killed(DEAD), moons, config, callback=events)

    epochs = events.of("epoch")
    first = epochs[0]["health"]
    assert set(first) == {"x", "fc1", "relu", "fc2"}
    assert first["relu"]["dead_fraction"] == 1.0
    assert first["fc1"]["dead_fraction"] is None and first["fc1"]["grad_norm"] is not None
    assert first["relu"]["grad_norm"] is None  # a ReLU has no parameters
    assert (first["relu"]["alerts"], first["fc1"]["alerts"]) == (["dead"], [])
    assert "health" in epochs[-1]  # the first and the last epoch always, at most 4 a second between
    assert all(e["health"]["relu"]["alerts"] == ["dead"] for e in epochs if "health" in e)  # still past the line
    assert epochs[0]["alerts"] == [{"node": "relu", "kind": "dead", "message": "relu: 100% of units dead since epoch 1"}]
    assert all("alerts" not in e for e in epochs[1:])  # said once while it lasts
    logs = [e["data"]["message"] for e in events if e["type"] == "log"]
    assert logs.count("relu: 100% of units dead since epoch 1") == 1


def test_saturated_tanh_and_update_ratios_are_measured():
    moons = load_dataset("moons")
    graph = chain(("fc1", "Linear", {"out_features": 8}), ("act", "Tanh", {}), ("fc2", "Linear", {"out_features": 2}))
    torch.manual_seed(0)
    model = compile_graph(graph)
    with torch.no_grad():
        model.fc1.weight.mul_(1000.0)  # every output of the Tanh is pinned at ±1
    from builder.engine.training.checks import build_loss

    monitor = HealthMonitor.for_model(model, model, moons.x, moons.y, build_loss("CrossEntropyLoss"))
    assert monitor is not None
    health, alerts = monitor.measure(1)
    before = torch.cat([model.fc2.weight.detach().flatten(), model.fc2.bias.detach()])
    with torch.no_grad():
        model.fc2.weight.mul_(1.5)  # the weights move by half of themselves, the bias stays
    again, _ = monitor.measure(2)
    moved = float(torch.linalg.vector_norm(0.5 * model.fc2.weight.detach() / 1.5) / torch.linalg.vector_norm(before))

    assert health["act"]["saturated_fraction"] > 0.95
    assert alerts[0]["node"] == "act" and alerts[0]["kind"] == "saturated"
    assert health["fc2"]["update_ratio"] == 0.0
    assert again["fc2"]["update_ratio"] == pytest.approx(moved, rel=1e-5) and 0.4 < moved < 0.5
    assert again["fc1"]["update_ratio"] == 0.0
    with torch.no_grad():
        spread = float(torch.tanh(model.fc1(moons.x[:256])).std(unbiased=False))
    assert health["act"]["act_std"] == pytest.approx(spread, rel=1e-4)


def test_health_is_an_option_that_can_be_turned_off_and_never_touches_the_training_numbers():
    moons = load_dataset("moons")
    on, off = Events(), Events()
    options = {"device": "cpu", "epochs": 2, "batch_size": 32, "seed": 5}
    torch.manual_seed(1)
    a = train(compile_graph(DEAD), moons, TrainConfig.from_dict(options, dataset=moons), callback=on)
    torch.manual_seed(1)
    b = train(compile_graph(DEAD), moons, TrainConfig.from_dict({**options, "health": False}, dataset=moons),
              callback=off)

    assert all("health" in e for e in on.of("epoch")) and not any("health" in e for e in off.of("epoch"))
    assert a.metrics["val_loss"] == b.metrics["val_loss"]


def test_a_gradient_norm_that_grows_a_thousandfold_in_two_measurements_is_an_alert():
    data = load_dataset("linear", features=2)
    graph = chain(("fc1", "Linear", {"out_features": 4}), ("act", "Tanh", {}), ("fc2", "Linear", {"out_features": 1}))
    torch.manual_seed(0)
    model = compile_graph(graph)
    from builder.engine.training.checks import build_loss

    monitor = HealthMonitor.for_model(model, model, data.x, data.y, build_loss("MSELoss"))
    assert monitor is not None
    first, _ = monitor.measure(1)
    _, quiet = monitor.measure(2)
    with torch.no_grad():
        model.fc2.weight.mul_(1e4)
    third, alerts = monitor.measure(3)

    grew = third["fc1"]["grad_norm"] / first["fc1"]["grad_norm"]
    assert quiet == [] and grew > 1000
    assert {"node": "fc1", "kind": "exploding", "message": f"fc1: gradient norm grew {grew:,.0f}× in 2 epochs"} in alerts
