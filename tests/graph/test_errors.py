"""Every kind of error names its node (and field, where there is one) with a message a user can act on."""

from __future__ import annotations

import pytest
import torch
from graph_builders import FORMAT, chain, layer_graph, node

from builder.engine.graph import GraphError, compile_graph, validate
from builder.engine.settings import engine_settings_override


def mlp(**fc1: object) -> dict:
    return chain(node("x", "Input", shape=[784]), node("fc1", "Linear", out_features=128, **fc1),
                 node("act", "ReLU"), node("fc2", "Linear", out_features=10), node("y", "Output"))


def errors(graph: object) -> list[dict]:
    result = validate(graph)
    assert result["ok"] is False
    return result["errors"]


def test_linear_with_wrong_in_features_names_the_node_the_field_and_both_sizes():
    assert errors(mlp(in_features=3136)) == [{"node": "fc1", "field": "in_features",
                                              "message": "Linear expects in_features 3136, got 784 (input shape [784])"}]


def test_conv_after_a_flat_input_gives_both_shapes():
    assert errors(layer_graph("Conv2d", [784], out_channels=8, kernel_size=3)) == [
        {"node": "layer", "message": "Conv2d expects input of shape [C, H, W], got [784]"}]


def test_add_of_different_shapes_gives_both_shapes():
    graph = chain(node("x", "Input", shape=[8]), node("a", "Linear", out_features=4), node("sum", "Add"),
                  node("y", "Output"), edges=[{"source": "x", "target": "sum", "port": 1}])
    assert errors(graph) == [{"node": "sum", "message": "Add cannot combine shapes [4] and [8]: they must be equal "
                                                       "or 1 where they differ"}]


def test_unknown_type_suggests_the_nearest_one():
    assert errors(layer_graph("Linaer", [4])) == [
        {"node": "layer", "field": "type", "message": "unknown layer type 'Linaer' (did you mean 'Linear'?)"}]


@pytest.mark.parametrize(("params", "field", "message"), [
    ({"out_features": 4, "dropout": 0.5}, "dropout", "Linear has no parameter 'dropout'"),
    ({}, "out_features", "Linear needs out_features"),
    ({"out_features": 0}, "out_features", "out_features must be at least 1, got 0"),
    ({"out_features": "12"}, "out_features", "out_features must be an integer, got '12'"),
    ({"out_features": 12.0}, "out_features", "out_features must be an integer, got 12.0"),
    ({"out_features": 4, "bias": 1}, "bias", "bias must be true or false, got 1"),
])
def test_bad_parameters_name_the_node_and_field(params, field, message):
    assert errors(layer_graph("Linear", [4], **params)) == [{"node": "layer", "field": field, "message": message}]


def test_a_bad_choice_lists_the_choices():
    assert errors(layer_graph("GELU", [4], approximate="fast")) == [
        {"node": "layer", "field": "approximate", "message": "approximate must be one of 'none', 'tanh', got 'fast'"}]


def test_out_of_range_float_names_the_field():
    assert errors(layer_graph("Dropout", [4], p=1.5)) == [
        {"node": "layer", "field": "p", "message": "p must be at most 1, got 1.5"}]


def test_a_cycle_names_every_node_on_it():
    graph = chain(node("x", "Input", shape=[4]), node("a", "Add"), node("b", "ReLU"), node("y", "Output"),
                  edges=[{"source": "b", "target": "a", "port": 1}])
    assert errors(graph) == [{"node": "a", "message": "is part of a cycle (feeds 'b')"},
                             {"node": "b", "message": "is part of a cycle (feeds 'a')"}]


def test_a_node_fed_by_nothing_is_unreachable_and_one_that_feeds_nothing_is_dangling():
    graph = chain(node("x", "Input", shape=[4]), node("y", "Output"))
    graph["nodes"] += [node("orphan_in", "Input", shape=[3]), node("island", "Linear", out_features=2),
                       node("island_out", "Output"), node("spare", "ReLU")]
    graph["edges"] += [{"source": "x", "target": "spare"}, {"source": "island", "target": "island_out"}]
    assert errors(graph) == [
        {"node": "island", "message": "input port 0 is not connected"},
        {"node": "orphan_in", "message": "does not lead to any Output"},
        {"node": "island_out", "message": "is not connected to any Input"},
        {"node": "spare", "message": "does not lead to any Output"},
    ]


def test_missing_and_doubled_input_ports_are_named():
    graph = chain(node("x", "Input", shape=[4]), node("sum", "Add"), node("y", "Output"),
                  edges=[{"source": "x", "target": "sum"}])
    assert errors(graph) == [{"node": "sum", "message": "input port 0 is connected twice (from 'x', 'x')"},
                             {"node": "sum", "message": "input port 1 is not connected"}]


def test_an_edge_into_a_port_the_layer_lacks_is_named():
    graph = chain(node("x", "Input", shape=[4]), node("fc", "Linear", out_features=2), node("y", "Output"),
                  edges=[{"source": "x", "target": "fc", "port": 1}])
    assert errors(graph) == [{"node": "fc", "message": "Linear takes 1 input, got an edge into port 1"}]


def test_a_missing_input_or_output_is_a_graph_level_error():
    assert errors({"format": FORMAT, "name": "Empty", "nodes": [], "edges": []}) == [
        {"node": None, "message": "the graph has no Input node"},
        {"node": None, "message": "the graph has no Output node"}]


def test_reading_an_output_a_node_lacks_is_named():
    graph = chain(node("x", "Input", shape=[4]), node("fc", "Linear", out_features=2), node("y", "Output"))
    graph["edges"][-1]["source_port"] = 1
    assert errors(graph) == [{"node": "y", "field": "source_port", "message": "reads output 1 of 'fc', which has 1 output"}]


IDENTIFIER = "must be a Python identifier (letters, digits and _, not starting with a digit)"
RESERVED = "is reserved (it names part of the generated module)"


@pytest.mark.parametrize(("node_id", "message"), [
    ("fc-1", f"node id 'fc-1' {IDENTIFIER}; choose another, e.g. 'fc_1'"),
    ("class", "node id 'class' is a Python keyword; choose another, e.g. 'class_1'"),
    ("fc\n", f"node id 'fc\\n' {IDENTIFIER}; choose another, e.g. 'fc'"),
    ("2nd", f"node id '2nd' {IDENTIFIER}; choose another, e.g. 'n2nd'"),
    ("__w", "node id '__w' starts with __, which Python mangles inside a class; choose another, e.g. 'w'"),
    ("forward", f"node id 'forward' {RESERVED}; choose another, e.g. 'forward_1'"),
    ("training", f"node id 'training' {RESERVED}; choose another, e.g. 'training_1'"),
    ("meta", f"node id 'meta' {RESERVED}; choose another, e.g. 'meta_1'"),
    ("_graph", f"node id '_graph' {RESERVED}; choose another, e.g. 'graph_1'"),
    ("input_mean", f"node id 'input_mean' {RESERVED}; choose another, e.g. 'input_mean_1'"),
])
def test_node_ids_that_cannot_name_a_submodule_are_refused(node_id, message):
    graph = chain(node("x", "Input", shape=[4]), node(node_id, "ReLU"), node("y", "Output"))
    assert errors(graph) == [{"node": node_id, "field": "id", "message": message}]


def test_a_suggested_id_is_free_of_the_graphs_other_ids():
    graph = chain(node("x", "Input", shape=[4]), node("meta_1", "ReLU"), node("meta", "ReLU"), node("y", "Output"))
    assert errors(graph) == [{"node": "meta", "field": "id",
                              "message": f"node id 'meta' {RESERVED}; choose another, e.g. 'meta_2'"}]


def _graph_module_names() -> list[str]:
    """Every name a real GraphModule answers to that is an identifier a user could type."""
    gm = compile_graph(chain(node("x", "Input", shape=[4]), node("fc", "Linear", out_features=2), node("y", "Output")))
    names = set(dir(gm)) | set(vars(gm)) | set(vars(torch.fx.GraphModule(torch.nn.Module(), torch.fx.Graph())))
    return sorted(n for n in names - {"fc", "x", "y"} if n.isidentifier() and not n.startswith("__"))


def test_every_name_a_graph_module_answers_to_is_refused_before_it_can_break_compiling():
    names = _graph_module_names()
    assert {"meta", "shape_env", "_graph", "_code", "_tracer_cls", "training", "forward"} <= set(names)
    for name in names:
        graph = chain(node("x", "Input", shape=[4]), node(name, "Linear", out_features=2), node("y", "Output"))
        (error,) = errors(graph)
        assert (error["node"], error["field"]) == (name, "id") and RESERVED in error["message"], name
        suggested = error["message"].rsplit("e.g. ", 1)[1].strip("'")
        renamed = chain(node("x", "Input", shape=[4]), node(suggested, "Linear", out_features=2), node("y", "Output"))
        assert compile_graph(renamed)(torch.zeros(2, 4)).shape == (2, 2), suggested


def test_a_duplicated_node_id_is_named():
    graph = chain(node("x", "Input", shape=[4]), node("y", "Output"))
    graph["nodes"].append(node("x", "ReLU"))
    assert errors(graph) == [{"node": "x", "field": "id", "message": "node id 'x' is used twice"}]


def test_a_model_over_the_parameter_limit_names_its_biggest_node_and_the_setting():
    with engine_settings_override(max_params=100_000):
        found = errors(mlp())
    assert found == [{"node": "fc1", "message": "the model has 101,770 parameters, over the limit of 100,000 "
                                                "(NETBUILDER_MAX_PARAMS) ('fc1' alone has 100,480)"}]


def test_token_ids_into_a_linear_layer_say_to_embed_them_first():
    assert errors(layer_graph("Linear", [6], "int64", out_features=2)) == [
        {"node": "layer", "message": "Linear expects float32 input, got int64 (token ids go through an Embedding first)"}]


def test_all_errors_are_reported_at_once():
    graph = mlp(in_features=3136)
    graph["nodes"][3]["params"]["out_features"] = -1
    graph["nodes"].append(node("stray", "Tanh"))
    assert {(e["node"], e["message"]) for e in errors(graph)} == {
        ("fc1", "Linear expects in_features 3136, got 784 (input shape [784])"),
        ("fc2", "out_features must be at least 1, got -1"),
        ("stray", "input port 0 is not connected"),
    }


def test_a_node_behind_a_broken_one_gets_no_cascade_of_errors():
    graph = mlp(in_features=3136)
    assert [e["node"] for e in errors(graph)] == ["fc1"]
    assert validate(graph)["nodes"]["fc2"] == {"shape": None, "shapes": [], "params": None, "flops": None}


@pytest.mark.parametrize(("document", "message"), [
    ([], "Input should be a valid dictionary or instance of GraphDoc"),
    ({"nodes": []}, "format: Field required"),
    ({"format": "netbuilder.graph/2", "nodes": []}, "format: Input should be 'netbuilder.graph/1'"),
])
def test_a_document_of_the_wrong_form_is_a_graph_level_error(document, message):
    assert errors(document) == [{"node": None, "message": message}]


def test_a_malformed_node_is_named_when_it_has_an_id():
    graph = chain(node("x", "Input", shape=[4]), node("y", "Output"))
    graph["nodes"][1]["type"] = 7
    assert errors(graph) == [{"node": "y", "field": "type", "message": "nodes[1].type: Input should be a valid string"}]


def test_compile_raises_one_graph_error_with_every_error():
    with pytest.raises(GraphError) as caught:
        compile_graph(mlp(in_features=3136, bias="yes"))
    assert [(e["node"], e["field"]) for e in caught.value.errors] == [("fc1", "bias")]
    assert str(caught.value) == "Graph has 1 error:\n  node 'fc1' (bias): bias must be true or false, got 'yes'"


def test_a_dangling_conv_with_a_wrong_parameter_names_its_shape_error_too():
    graph = chain(node("x", "Input", shape=[3, 8, 8]), node("flat", "Flatten"), node("y", "Output"))
    graph["nodes"].append(node("conv", "Conv2d", in_channels=5, out_channels=4, kernel_size=3))
    graph["edges"].append({"source": "x", "target": "conv"})
    conv = [e["message"] for e in errors(graph) if e["node"] == "conv"]
    assert "does not lead to any Output" in conv
    assert any("in_channels" in m and "3" in m for m in conv), conv


@pytest.mark.parametrize("value", [10.0, True, "10"])
def test_an_integer_layer_parameter_given_a_float_a_bool_or_a_string_names_the_field(value):
    graph = chain(node("x", "Input", shape=[4]), node("fc", "Linear", out_features=value), node("y", "Output"))

    [error] = errors(graph)

    assert (error["node"], error["field"]) == ("fc", "out_features")
    assert error["message"].startswith("out_features must be an integer")


def test_the_parameter_limit_follows_the_engine_settings():
    with engine_settings_override(max_params=101_770):
        assert validate(mlp())["ok"] is True
    with engine_settings_override(max_params=101_769):
        assert "(NETBUILDER_MAX_PARAMS)" in errors(mlp())[0]["message"]
