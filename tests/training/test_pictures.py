"""Pictures of the network's insides (builder.engine.training.pictures), as the epoch messages carry them."""

from __future__ import annotations

import torch

from builder.engine.graph import compile_graph
from builder.engine.training import TrainConfig, load_dataset, train
from builder.engine.training.metrics import data_range
from builder.engine.training.pictures import PICTURES_PER_RUN, UNITS_SIZE, digits_for

from .conftest import Events
from .test_health import chain

# TensorFlow Playground's spiral network: 2-8-8-2 with Tanh.
SPIRAL = chain(("fc1", "Linear", {"out_features": 8}), ("t1", "Tanh", {}), ("fc2", "Linear", {"out_features": 8}),
               ("t2", "Tanh", {}), ("fc3", "Linear", {"out_features": 2}))


def trained(graph: dict, dataset, **config) -> tuple[torch.fx.GraphModule, Events]:
    torch.manual_seed(0)
    model = compile_graph(graph)
    events = Events()
    train(model, dataset, TrainConfig.from_dict({"device": "cpu", **config}, dataset=dataset), callback=events)
    return model, events


def grid(dataset) -> torch.Tensor:
    """The data's square as UnitPictures samples it: row-major, y ascending by row, x by column."""
    (x0, x1), (y0, y1) = data_range(dataset.x)
    ys, xs = torch.meshgrid(torch.linspace(y0, y1, UNITS_SIZE), torch.linspace(x0, x1, UNITS_SIZE), indexing="ij")
    return torch.stack([xs.reshape(-1), ys.reshape(-1)], dim=1)


def test_every_unit_of_every_narrow_node_is_drawn_over_the_datas_square_on_the_first_and_last_epoch():
    spirals = load_dataset("spirals", size=250)
    model, events = trained(SPIRAL, spirals, epochs=3, batch_size=10)
    epochs = events.of("epoch")
    assert "units" in epochs[0] and "units" in epochs[-1]
    units = epochs[-1]["units"]
    assert sorted(units) == ["fc1", "fc2", "fc3", "t1", "t2", "x"]
    assert {n: len(u["values"]) for n, u in units.items()} == {"x": 2, "fc1": 8, "t1": 8, "fc2": 8, "t2": 8, "fc3": 2}
    assert all(u["size"] == UNITS_SIZE and all(len(v) == UNITS_SIZE**2 for v in u["values"]) for u in units.values())
    points = grid(spirals)
    # The Input's two units are the square's coordinates: x along each row, y down the rows.
    assert torch.allclose(torch.tensor(units["x"]["values"]), points.T, atol=5e-3)  # 3 digits of its scale
    # A unit's picture is that unit's output at each point of the square, from the trained model.
    model.eval()
    with torch.no_grad():
        t1 = torch.tanh(model.fc1(points))  # (S*S, 8)
    assert torch.allclose(torch.tensor(units["t1"]["values"]), t1.T, atol=5e-4)  # tanh's scale, 1: 3 decimals
    assert units["t1"]["range"] == [float(t1.min()), float(t1.max())]


def test_a_nodes_values_keep_three_digits_of_its_own_scale():
    assert [digits_for(-1.25, 0.9), digits_for(-0.002, 0.0031), digits_for(0, 340.0), digits_for(0, 0)] == [2, 5, 0, 3]


def test_a_node_wider_than_64_values_is_not_drawn_unit_by_unit():
    wide = chain(("fc1", "Linear", {"out_features": 65}), ("relu", "ReLU", {}), ("fc2", "Linear", {"out_features": 2}))
    _, events = trained(wide, load_dataset("moons", size=200), epochs=1, batch_size=50)
    assert sorted(events.of("epoch")[0]["units"]) == ["fc2", "x"]


def test_pictures_are_off_with_the_units_option_and_for_data_that_is_not_2d():
    _, off = trained(SPIRAL, load_dataset("spirals", size=100), epochs=2, batch_size=50, units=False)
    assert not any("units" in e or "feature_maps" in e for e in off.of("epoch"))
    iris = chain(("fc1", "Linear", {"out_features": 3}))
    iris["nodes"][0]["params"]["shape"] = [4]
    _, events = trained(iris, load_dataset("iris"), epochs=2, batch_size=50)
    assert not any("units" in e or "feature_maps" in e for e in events.of("epoch"))


def test_a_long_run_carries_about_the_per_run_number_of_pictures_and_always_the_last_epoch():
    epochs = 3 * PICTURES_PER_RUN
    _, events = trained(SPIRAL, load_dataset("spirals", size=20), epochs=epochs, batch_size=20, health=False)
    drawn = [e["epoch"] for e in events.of("epoch") if "units" in e]
    assert drawn[0] == 1 and drawn[-1] == epochs
    assert len(drawn) <= PICTURES_PER_RUN + 2
    assert all(epoch % 3 == 0 for epoch in drawn[1:-1])


CONV = {"format": "netbuilder.graph/1", "name": "Conv", "nodes": [
    {"id": "x", "type": "Input", "params": {"shape": [1, 8, 8]}},
    {"id": "conv", "type": "Conv2d", "params": {"out_channels": 20, "kernel_size": 3, "padding": 1}},
    {"id": "relu", "type": "ReLU", "params": {}}, {"id": "pool", "type": "MaxPool2d", "params": {"kernel_size": 2}},
    {"id": "flat", "type": "Flatten", "params": {}}, {"id": "fc", "type": "Linear", "params": {"out_features": 10}},
    {"id": "y", "type": "Output"}]}
CONV["edges"] = [{"source": a["id"], "target": b["id"]} for a, b in zip(CONV["nodes"], CONV["nodes"][1:], strict=False)]


def test_image_runs_carry_a_fixed_validation_samples_feature_maps_label_and_prediction():
    digits = load_dataset("digits")
    model, events = trained(CONV, digits, epochs=2, batch_size=64, val_fraction=0.2)
    maps = events.of("epoch")[-1]["feature_maps"]
    assert sorted(maps["nodes"]) == ["conv", "pool"]  # the Conv and Pool nodes, not the ReLU
    conv = maps["nodes"]["conv"]
    assert conv["of"] == 20 and len(conv["channels"]) == 16  # the first 16 channels
    assert maps["nodes"]["pool"]["channels"][0]["size"] == [4, 4]
    sample = maps["sample"]
    x = torch.tensor(sample["image"]["channels"][0]["values"])[None]  # (1, 8, 8): the sample as the data holds it
    assert sample["image"]["of"] == 1 and x.shape == (1, 8, 8)
    model.eval()
    with torch.no_grad():
        out = model.conv(x[None])  # (1, 20, 8, 8)
        logits = model(x[None])
    assert torch.allclose(torch.tensor(conv["channels"][3]["values"]), out[0, 3], atol=2e-3)
    assert sample["prediction"] == int(logits.argmax())
    first = events.of("epoch")[0]["feature_maps"]["sample"]
    assert (first["index"], first["label"]) == (sample["index"], sample["label"])  # the same sample every epoch
    assert isinstance(sample["label"], int) and 0 <= sample["label"] < 10


def test_feature_maps_are_of_what_the_model_receives_after_the_runs_resize():
    digits = load_dataset("digits")
    resized = {**CONV, "nodes": [{**CONV["nodes"][0], "params": {"shape": [1, 16, 16]}}, *CONV["nodes"][1:]]}
    _, events = trained(resized, digits, epochs=1, batch_size=64, resize=16)
    maps = events.of("epoch")[-1]["feature_maps"]
    assert maps["nodes"]["conv"]["channels"][0]["size"] == [16, 16]
    assert maps["sample"]["image"]["channels"][0]["size"] == [8, 8]  # the sample itself as the data holds it
