"""POST /api/graphs/probe: one dataset sample through the graph, every node's output, owner-scoped."""

from __future__ import annotations

import copy

import pytest
import torch

from builder.engine.graph import compile_graph
from builder.engine.training import load_dataset
from builder.engine.weights import read_state_dict
from builder.models import TrainingRun
from builder.services import runs as services
from tests.api.test_run_weights import LINEAR_REGRESSION, TRUE_B, TRUE_W, trained  # noqa: F401 (a fixture)
from tests.helpers import MLP_GRAPH

pytestmark = [pytest.mark.django_db]

CNN = {
    "format": "netbuilder.graph/1", "name": "SmallCNN",
    "nodes": [{"id": "x", "type": "Input", "params": {"shape": [3, 32, 32]}},
              {"id": "conv", "type": "Conv2d", "params": {"out_channels": 20, "kernel_size": 3, "padding": 1}},
              {"id": "act", "type": "ReLU"}, {"id": "pool", "type": "AdaptiveAvgPool2d", "params": {"output_size": 4}},
              {"id": "flat", "type": "Flatten"}, {"id": "fc", "type": "Linear", "params": {"out_features": 6}},
              {"id": "y", "type": "Output"}],
    "edges": [{"source": a, "target": b} for a, b in
              [("x", "conv"), ("conv", "act"), ("act", "pool"), ("pool", "flat"), ("flat", "fc"), ("fc", "y")]],
}


def probe(api, user, **body):
    return api.as_user(user).post("/api/graphs/probe", {"graph": MLP_GRAPH, "dataset": "random", **body})


def test_the_seeds_my_network_shows_every_nodes_output_for_one_sample(api, alice):
    answer = probe(api, alice, sample=3)
    data = load_dataset("random")
    torch.manual_seed(0)  # the probe's fresh weights
    with torch.no_grad():
        expected = compile_graph(MLP_GRAPH).eval()(data.x[3:4])[0]

    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert body["sample"] == {"index": 3, "label": int(data.y[3])}
    assert set(body["nodes"]) == {"x", "fc1", "act", "fc2", "y"}
    assert body["nodes"]["x"]["shape"] == [784]
    assert body["nodes"]["x"]["preview"]["truncated"] is True and len(body["nodes"]["x"]["preview"]["values"]) == 64
    assert body["nodes"]["x"]["mean"] == pytest.approx(float(data.x[3].mean()), abs=1e-6)
    assert body["nodes"]["act"]["min"] >= 0.0  # after ReLU
    fc2 = body["nodes"]["fc2"]
    assert fc2["shape"] == [10] and fc2["preview"]["kind"] == "values" and "truncated" not in fc2["preview"]
    assert fc2["preview"]["values"] == pytest.approx(expected.tolist(), abs=1e-4)
    assert (fc2["max"], body["nodes"]["y"]) == (pytest.approx(float(expected.max()), abs=1e-6), fc2)


def test_an_image_sets_conv_output_shows_its_first_16_channels_as_pictures(api, alice):
    answer = probe(api, alice, graph=CNN, dataset="shapes", dataset_options={"size": 50})

    assert answer.status_code == 200, answer.json()
    nodes = answer.json()["nodes"]
    conv = nodes["conv"]
    assert conv["shape"] == [20, 32, 32]
    assert (conv["preview"]["kind"], conv["preview"]["of"], len(conv["preview"]["channels"])) == ("channels", 20, 16)
    channel = conv["preview"]["channels"][0]
    assert channel["size"] == [32, 32] and len(channel["values"]) == 32 and len(channel["values"][0]) == 32
    assert channel["range"][0] == pytest.approx(min(map(min, channel["values"])), abs=1e-4)
    assert nodes["pool"]["preview"]["channels"][0]["size"] == [4, 4]
    assert nodes["flat"]["shape"] == [320] and nodes["flat"]["preview"]["truncated"] is True


def test_a_probe_with_a_run_uses_the_weights_it_trained(api, alice, trained):  # noqa: F811
    fresh = probe(api, alice, graph=LINEAR_REGRESSION, dataset="linear", dataset_options=trained.dataset_options)
    learned = probe(api, alice, graph=LINEAR_REGRESSION, dataset="linear", dataset_options=trained.dataset_options,
                    run=trained.pk)
    state = read_state_dict(services.run_files_dir(trained.pk) / "model.pth")
    x = load_dataset("linear", **trained.dataset_options).x[0]

    assert learned.status_code == 200, learned.json()
    value = learned.json()["nodes"]["linear"]["preview"]["values"][0]
    assert value == pytest.approx(float(state["linear.weight"][0] @ x + state["linear.bias"][0]), abs=1e-4)
    assert value != pytest.approx(fresh.json()["nodes"]["linear"]["preview"]["values"][0], abs=1e-3)
    assert (TRUE_W, TRUE_B) == (2.5, -0.75)


@pytest.mark.parametrize(("body", "status", "field", "node"), [
    ({"sample": 1000}, 400, "sample", None),
    ({"sample": -1}, 400, "sample", None),
    ({"dataset": "spirals"}, 400, "shape", "x"),
    ({"dataset_options": {"size": 5}}, 400, "dataset_options.size", None),
])
def test_bad_input_is_a_4xx_naming_the_field_or_node(api, alice, body, status, field, node):
    answer = probe(api, alice, **body)

    assert answer.status_code == status, answer.json()
    error = answer.json()["errors"][0]
    assert error["field"] == field and error.get("node") == node


def test_a_graph_with_errors_names_its_node(api, alice):
    broken = copy.deepcopy(MLP_GRAPH)
    broken["nodes"][1]["params"]["out_features"] = 0

    answer = probe(api, alice, graph=broken)

    assert answer.status_code == 400
    assert {"node": "fc1", "field": "out_features", "message": "out_features must be at least 1, got 0"} \
        in answer.json()["errors"]


def test_a_strangers_run_is_404_and_a_run_without_weights_409(api, alice, bob):
    queued = api.as_user(alice).post("/api/runs", {"graph": MLP_GRAPH, "dataset": "random"}).json()["id"]

    strangers = probe(api, bob, run=queued)
    early = probe(api, alice, run=queued)

    assert strangers.status_code == 404
    assert early.status_code == 409
    assert early.json()["detail"] == (f"Run {queued} has no saved weights yet: they are written when it ends "
                                      "(status queued)")
    assert TrainingRun.objects.get(pk=queued).status == "queued"


def test_a_big_generated_set_is_drawn_only_as_large_as_the_decode_budget(api, alice, settings):
    settings.NETBUILDER_CHECK_DECODE_BYTES = 1 << 20  # 334 samples of 784 float32 values
    options = {"size": 100_000}

    inside = probe(api, alice, dataset_options=options, sample=10)
    outside = probe(api, alice, dataset_options=options, sample=500)

    assert inside.status_code == 200, inside.json()
    assert outside.status_code == 400
    assert outside.json()["detail"] == ("sample must be an index from 0 to 333, got 500 (a set this big is probed "
                                        "on a draw of 334 samples with the same options: NETBUILDER_CHECK_DECODE_BYTES)")


DENSE_BLOCKS = {
    "format": "netbuilder.graph/1", "name": "Blocks",
    "blocks": {
        "Dense": {"params": {"width": {"kind": "int", "default": 8, "min": 1}},
                  "nodes": [{"id": "x", "type": "Input"}, {"id": "fc", "type": "Linear", "params": {"out_features": "$width"}},
                            {"id": "act", "type": "ReLU"}, {"id": "y", "type": "Output"}],
                  "edges": [{"source": "x", "target": "fc"}, {"source": "fc", "target": "act"}, {"source": "act", "target": "y"}]},
        "Twice": {"nodes": [{"id": "x", "type": "Input"}, {"id": "inner", "type": "Block", "params": {"block": "Dense", "repeat": 2, "width": 2}},
                            {"id": "y", "type": "Output"}],
                  "edges": [{"source": "x", "target": "inner"}, {"source": "inner", "target": "y"}]}},
    "nodes": [{"id": "x", "type": "Input", "params": {"shape": [2]}},
              {"id": "mlp", "type": "Block", "params": {"block": "Dense", "repeat": 2, "width": 2}},
              {"id": "outer", "type": "Block", "params": {"block": "Twice"}},
              {"id": "y", "type": "Output"}],
    "edges": [{"source": "x", "target": "mlp"}, {"source": "mlp", "target": "outer"}, {"source": "outer", "target": "y"}],
}


def test_the_nodes_inside_each_blocks_first_copy_show_their_outputs_by_path(api, alice):
    answer = probe(api, alice, graph=DENSE_BLOCKS, dataset="moons", sample=5)

    assert answer.status_code == 200, answer.json()
    nodes = answer.json()["nodes"]
    assert set(nodes) == {"x", "mlp", "outer", "y", "mlp/1/x", "mlp/1/fc", "mlp/1/act", "mlp/1/y", "outer/1/x",
                          "outer/1/inner", "outer/1/y", "outer/1/inner/1/x", "outer/1/inner/1/fc",
                          "outer/1/inner/1/act", "outer/1/inner/1/y"}
    torch.manual_seed(0)  # the probe's fresh weights
    model = compile_graph(DENSE_BLOCKS).eval()
    x = load_dataset("moons").x[5:6]
    with torch.no_grad():
        fc = model.get_submodule("mlp.0.fc")(x)
        first = model.get_submodule("mlp.0")(x)
        second = model.get_submodule("mlp.1")(first)  # feeds the next block
        inner_fc = model.get_submodule("outer.0.inner.0.fc")(second)
    assert nodes["mlp/1/x"]["preview"]["values"] == pytest.approx(x[0].tolist(), abs=1e-5)
    assert nodes["mlp/1/fc"]["preview"]["values"] == pytest.approx(fc[0].tolist(), abs=1e-4)
    assert nodes["mlp/1/y"] == nodes["mlp/1/act"] and nodes["mlp/1/y"]["min"] >= 0.0
    assert nodes["mlp/1/y"]["preview"]["values"] == pytest.approx(first[0].tolist(), abs=1e-4)
    assert nodes["outer/1/inner/1/fc"]["preview"]["values"] == pytest.approx(inner_fc[0].tolist(), abs=1e-4)
    assert nodes["mlp"]["shape"] == nodes["outer/1/inner/1/fc"]["shape"] == [2]
