"""docs/graph-format.md stays honest: every whole graph it shows validates, compiles and runs, and it names
every layer type of the catalog."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import torch
from graph_builders import random_input

from builder.engine.graph import catalog_json, compile_graph, export_python, graph_io, validate

DOC = Path(__file__).resolve().parents[2] / "docs" / "graph-format.md"
BLOCKS = re.findall(r"```json\n(.*?)```", DOC.read_text(), flags=re.DOTALL)


def whole_graphs() -> list[dict]:
    """The ```json blocks that are a whole graph: "nodes" and "edges", and no "..." placeholder."""
    graphs = []
    for text in BLOCKS:
        if '"nodes"' not in text or '"edges"' not in text or "..." in text:
            continue
        graphs.append(json.loads(text))
    return graphs


GRAPHS = whole_graphs()


def test_the_doc_shows_the_whole_graphs_this_test_expects():
    assert [g["name"] for g in GRAPHS] == ["MyNetwork", "CausalLM", "Seq2Vec", "PositionalEmbedding", "ClsToken",
                                           "Siamese", "TiedLM", "VAE", "EinsumAttention", "BagOfWords",
                                           "Volume3D", "Tiny ResNet"]


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("graph", GRAPHS, ids=[g["name"] for g in GRAPHS])
def test_every_whole_graph_in_the_doc_validates_compiles_runs_and_exports(graph):
    result = validate(graph)
    assert result["ok"], result["errors"]
    torch.manual_seed(0)
    gm = compile_graph(graph).eval()
    inputs = [random_input(i["shape"], i["dtype"]) for i in graph_io(graph)["inputs"]]
    with torch.no_grad():
        out = gm(*inputs)
    outputs = out if isinstance(out, tuple) else (out,)
    assert [list(o.shape[1:]) for o in outputs] == result["output_shapes"]
    namespace: dict = {}
    exec(compile(export_python(graph), "model.py", "exec"), namespace)  # the source under test
    net = next(v for k, v in namespace.items() if k == type(gm).__name__)()
    net.load_state_dict(gm.state_dict())
    with torch.no_grad():
        torch.testing.assert_close(net.eval()(*inputs), out)


def test_the_doc_names_every_layer_type_of_the_catalog():
    text = DOC.read_text()
    missing = [layer["type"] for layer in catalog_json()["layers"]
               if not re.search(rf"(?<![A-Za-z0-9_]){re.escape(layer['type'])}(?![A-Za-z0-9_])", text)]
    assert missing == []


def test_the_doc_shows_a_tested_example_of_every_node_type_added_with_it():
    """Parameter, Constant, share and the recurrent extras each appear in a whole graph above."""
    used = {n["type"] for g in GRAPHS for n in g["nodes"]}
    assert {"Parameter", "Constant"} <= used
    assert any("share" in n for g in GRAPHS for n in g["nodes"]) and any("tie" in n for g in GRAPHS for n in g["nodes"])
    assert any(n.get("params", {}).get("return") == "output+h_n" for g in GRAPHS for n in g["nodes"])
