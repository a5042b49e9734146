"""Property tests: random graphs of catalog layers either get errors, or compile and run with exactly the
inferred shapes and counts; and no JSON whatever makes the compiler raise anything but GraphError."""

from __future__ import annotations

import importlib.util
import math
import sys
from typing import Any

import pytest
import torch
from graph_builders import real_shapes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builder.engine.graph import (
    GraphError,
    catalog_json,
    compile_graph,
    export_python,
    list_templates,
    validate,
)

LAYERS = [layer for layer in catalog_json()["layers"] if layer["type"] not in ("Input", "Output")]
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


def _bounded(param: dict[str, Any], low: int, high: int) -> tuple[int, int]:
    return max(low, int(param.get("min", low))), min(high, int(param.get("max", high)))


@st.composite
def param_values(draw: st.DrawFn, param: dict[str, Any]) -> Any:
    kind = param["kind"]
    lo, hi = _bounded(param, -3, 6)
    ints = st.integers(lo, max(lo, hi))
    if kind == "int":
        return draw(ints)
    if kind == "float":
        return draw(st.sampled_from([v for v in (0.0, 0.1, 0.5, 1.0, 2.0) if param.get("min", 0) <= v <= param.get("max", 9)]))
    if kind == "bool":
        return draw(st.booleans())
    if kind == "choice":
        return draw(st.sampled_from(param["choices"]))
    if kind == "string":  # an Einsum's equation, for one sample: some fit the random shapes
        return draw(st.sampled_from(["i,i->i", "ij,ij->ij", "ij,j->i", "ij,jk->ik", "i,j->ij", "ijk,ik->ij", "ij,ij->"]))
    length = param.get("length")
    as_list = st.lists(ints, min_size=length or 1, max_size=length or 3)
    if kind == "int_or_ints":
        return draw(ints | as_list)
    if kind == "shape":
        return draw(st.lists(st.integers(1, 4) | st.just(-1), min_size=1, max_size=3))
    return draw(as_list)


@st.composite
def graphs(draw: st.DrawFn) -> dict[str, Any]:
    token_ids = draw(st.booleans().map(lambda b: b and draw(st.integers(0, 4)) == 0))
    shape = draw(st.lists(st.integers(1, 6), min_size=1, max_size=4))
    nodes: list[dict[str, Any]] = [{"id": "x", "type": "Input",
                                    "params": {"shape": shape, "dtype": "int64" if token_ids else "float32"}}]
    edges: list[dict[str, Any]] = []
    for i in range(draw(st.integers(1, 4))):
        layer = draw(st.sampled_from(LAYERS))
        params = {p["name"]: draw(param_values(p)) for p in layer["params"]
                  if p["required"] or draw(st.integers(0, 3)) == 0}
        node_id = f"n{i}"
        nodes.append({"id": node_id, "type": layer["type"], "params": params})
        edges.append({"source": nodes[-2]["id"], "target": node_id})
        wanted = draw(st.integers(layer["inputs"]["min"], layer["inputs"]["max"] or 3))
        for port in range(1, wanted):
            edges.append({"source": draw(st.sampled_from([n["id"] for n in nodes[:-1]])), "target": node_id,
                          "port": port})
    if draw(st.integers(0, 2)) == 0:  # a node that shares an earlier one's module, taking the params it leaves out
        lender = draw(st.sampled_from(nodes[1:]))
        nodes.append({"id": "shared", "type": lender["type"], "share": lender["id"]})
        edges.append({"source": nodes[-2]["id"], "target": "shared"})
    nodes.append({"id": "y", "type": "Output"})
    edges.append({"source": nodes[-2]["id"], "target": "y"})
    return {"format": "netbuilder.graph/1", "name": "Random", "nodes": nodes, "edges": edges}


def _load(source: str) -> type[torch.nn.Module]:
    spec = importlib.util.spec_from_loader("random_export", loader=None)
    module = importlib.util.module_from_spec(spec)
    exec(compile(source, "model.py", "exec"), module.__dict__)  # the source under test, not user input
    return module.Random


@pytest.mark.filterwarnings("ignore::UserWarning")
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs())
def test_random_graphs_either_fail_validation_or_run_with_the_inferred_shapes(graph):
    result = validate(graph)
    if not result["ok"]:
        assert result["errors"] and all("message" in e and "node" in e for e in result["errors"])
        return
    gm = compile_graph(graph).eval()
    spec = graph["nodes"][0]["params"]
    x = torch.zeros(2, *spec["shape"], dtype=torch.long) if spec["dtype"] == "int64" else torch.randn(2, *spec["shape"])
    with torch.no_grad():
        shapes = real_shapes(gm, x)
        for node_id, info in result["nodes"].items():
            if node_id in shapes:
                assert shapes[node_id] == info["shapes"], node_id
        assert list(gm(x).shape[1:]) == result["output_shapes"][0]
        assert result["params"] == sum(p.numel() for p in gm.parameters())
        net = _load(export_python(graph))()
        net.load_state_dict(gm.state_dict())
        torch.testing.assert_close(net.eval()(x), gm(x), equal_nan=True)


INITS = [c for c in next(p for p in next(layer for layer in LAYERS if layer["type"] == "Parameter")["params"]
                         if p["name"] == "init")["choices"]]


@st.composite
def learned_tensor_graphs(draw: st.DrawFn) -> dict[str, Any]:
    """Input [S] + a Parameter and a Constant of S with some sizes 1 (broadcasting), random inits and values."""
    shape = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3))
    param_shape = [draw(st.sampled_from([s, 1])) for s in shape]
    const_shape = [draw(st.sampled_from([s, 1])) for s in shape]

    def nested(dims: list[int]) -> Any:
        if not dims:
            return draw(st.floats(-4, 4, allow_nan=False))
        return [nested(dims[1:]) for _ in range(dims[0])]

    init = draw(st.sampled_from(INITS))
    nodes = [{"id": "x", "type": "Input", "params": {"shape": shape}},
             {"id": "p", "type": "Parameter", "params": {"shape": param_shape, "init": init}},
             {"id": "c", "type": "Constant", "params": {"value": nested(const_shape)}},
             {"id": "sum", "type": "Add"}, {"id": "prod", "type": "Multiply"}, {"id": "y", "type": "Output"}]
    edges = [{"source": "x", "target": "p"}, {"source": "x", "target": "c"}, {"source": "x", "target": "sum"},
             {"source": "p", "target": "sum", "port": 1}, {"source": "sum", "target": "prod"},
             {"source": "c", "target": "prod", "port": 1}, {"source": "prod", "target": "y"}]
    return {"format": "netbuilder.graph/1", "name": "Random", "nodes": nodes, "edges": edges}


@settings(max_examples=60, deadline=None)
@given(learned_tensor_graphs())
def test_random_parameters_and_constants_broadcast_as_inferred_and_export_equal(graph):
    result = validate(graph)
    shape, param_shape = graph["nodes"][0]["params"]["shape"], graph["nodes"][1]["params"]["shape"]
    if graph["nodes"][1]["params"]["init"] in ("xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal",
                                               "orthogonal") and len(param_shape) < 2:
        assert [e["field"] for e in result["errors"]] == ["init"]
        return
    assert result["ok"], result["errors"]
    assert result["params"] == math.prod(param_shape) and result["output_shapes"] == [shape]
    gm = compile_graph(graph).eval()
    x = torch.randn(3, *shape)
    with torch.no_grad():
        assert real_shapes(gm, x)["p"] == [param_shape]
        expected = (x + gm.p) * gm.c
        torch.testing.assert_close(gm(x), expected)
        net = _load(export_python(graph))()
        net.load_state_dict(gm.state_dict())
        torch.testing.assert_close(net.eval()(x), expected)


@settings(max_examples=200, deadline=None)
@given(JSON)
def test_no_json_makes_validate_raise(document):
    result = validate(document)
    assert result["ok"] is False and result["errors"]


def _mutations() -> st.SearchStrategy[dict[str, Any]]:
    base = next(t["graph"] for t in list_templates() if t["id"] == "cifar_cnn")
    types = st.sampled_from([layer["type"] for layer in LAYERS]) | st.text(max_size=6)

    @st.composite
    def mutate(draw: st.DrawFn) -> dict[str, Any]:
        graph = {**base, "nodes": [dict(n) for n in base["nodes"]], "edges": [dict(e) for e in base["edges"]]}
        for _ in range(draw(st.integers(1, 3))):
            target = draw(st.sampled_from(["node", "edge", "params"]))
            if target == "node":
                n = draw(st.integers(0, len(graph["nodes"]) - 1))
                graph["nodes"][n] = {**graph["nodes"][n], "type": draw(types), "params": draw(JSON)}
            elif target == "params":
                n = draw(st.integers(0, len(graph["nodes"]) - 1))
                graph["nodes"][n] = {**graph["nodes"][n], "params": draw(st.dictionaries(
                    st.sampled_from(["out_features", "kernel_size", "padding", "stride", "p", "shape", "dim",
                                     "sizes", "num_heads", "x"]), JSON, max_size=3))}
            else:
                e = draw(st.integers(0, len(graph["edges"]) - 1))
                graph["edges"][e] = {**graph["edges"][e], draw(st.sampled_from(["source", "target", "port",
                                                                                 "source_port"])): draw(JSON)}
        if draw(st.integers(0, 4)) == 0:
            graph[draw(st.sampled_from(["name", "nodes", "edges", "format"]))] = draw(JSON)
        return graph
    return mutate()


@pytest.mark.filterwarnings("ignore::UserWarning")
@settings(max_examples=150, deadline=None)
@given(_mutations())
def test_no_mutation_of_a_valid_graph_makes_the_compiler_raise_anything_but_graph_error(graph):
    result = validate(graph)
    if result["ok"] and result["params"] > 10_000_000:
        return  # valid but too big to build quickly here
    try:
        compile_graph(graph)
    except GraphError as e:
        assert not result["ok"] and e.errors == result["errors"]
    else:
        assert result["ok"]


if __name__ == "__main__":
    sys.exit(pytest.main([__file__]))
