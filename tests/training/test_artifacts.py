import importlib.util
import json

import numpy as np
import pytest
import torch
from safetensors.torch import load_file
from torch import nn

from builder.engine.graph import compile_graph
from builder.engine.training import TrainConfig, load_dataset, train, write_artifacts
from tests.helpers import DIGITS_MLP


def import_model_py(path):
    spec = importlib.util.spec_from_file_location("exported_model", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A compiled graph trained on digits for two epochs, and the files written after the run."""
    out = tmp_path_factory.mktemp("run")
    ds = load_dataset("digits")
    torch.manual_seed(0)
    model = compile_graph(DIGITS_MLP)
    result = train(
        model, ds, TrainConfig.from_dict({"device": "cpu", "epochs": 2}, dataset=ds), checkpoint_dir=out
    )
    files = write_artifacts(model, DIGITS_MLP, out, checkpoint_path=result.checkpoint_path)
    return model, ds, result, files


def test_every_file_is_written_into_the_folder(trained):
    _, _, result, files = trained

    assert result.status == "succeeded"
    assert set(files) == {"pth", "safetensors", "model_py", "graph", "checkpoint", "onnx"}
    assert json.loads(open(files["graph"]).read()) == DIGITS_MLP
    assert files["checkpoint"] == result.checkpoint_path


def test_the_pth_loads_into_the_exported_model_py_and_gives_the_same_outputs(trained):
    model, ds, _, files = trained
    exported = import_model_py(files["model_py"]).DigitsMLP()

    exported.load_state_dict(torch.load(files["pth"], weights_only=True))
    model.eval(), exported.eval()

    with torch.no_grad():
        assert torch.equal(exported(ds.x[:100]), model(ds.x[:100]))


def test_the_safetensors_hold_the_same_weights_as_the_pth(trained):
    _, _, _, files = trained

    pth, st = torch.load(files["pth"], weights_only=True), load_file(files["safetensors"])

    assert list(pth) == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert all(torch.equal(pth[k], st[k]) for k in pth) and set(pth) == set(st)


def test_the_onnx_file_gives_the_same_outputs_for_any_batch_size(trained):
    ort = pytest.importorskip("onnxruntime")
    model, ds, _, files = trained
    session = ort.InferenceSession(files["onnx"], providers=["CPUExecutionProvider"])

    for n in (1, 7):
        x = ds.x[:n]
        (onnx_out,) = session.run(None, {"x": x.numpy()})
        with torch.no_grad():
            np.testing.assert_allclose(onnx_out, model.eval()(x).numpy(), rtol=1e-4, atol=1e-5)


def test_a_model_that_onnx_cannot_export_still_gets_its_other_files(tmp_path):
    class Sorts(nn.Module):
        def forward(self, x):
            return torch.tensor(sorted(x.flatten().tolist()))  # Python, not tensor ops: no ONNX graph

    files = write_artifacts(Sorts(), None, tmp_path, input_shape=[3])

    assert set(files) == {"pth", "safetensors", "onnx_error"}
    assert files["onnx_error"].startswith("This model can't be exported to ONNX: Could not guard on data-dependent "
                                          "expression")
    assert "\x1b" not in files["onnx_error"]
    assert not (tmp_path / "model.onnx").exists()


def test_without_a_graph_or_input_shape_onnx_is_skipped_with_a_reason(tmp_path):
    files = write_artifacts(nn.Linear(2, 2), None, tmp_path)

    assert files["onnx_error"] == "ONNX export needs the model's inputs: a compiled graph, its graph, or an input shape"
    assert torch.load(files["pth"], weights_only=True)["weight"].shape == (2, 2)


def token_model_graph() -> dict:
    """int64 token ids → Embedding → LSTM → a class per position: what the chars set trains."""
    return {"format": "netbuilder.graph/1", "name": "Tagger", "nodes": [
        {"id": "tokens", "type": "Input", "params": {"shape": [12], "dtype": "int64"}},
        {"id": "embed", "type": "Embedding", "params": {"num_embeddings": 30, "embedding_dim": 8}},
        {"id": "lstm", "type": "LSTM", "params": {"hidden_size": 16}},
        {"id": "tags", "type": "Linear", "params": {"out_features": 5}}, {"id": "scores", "type": "Output"}],
        "edges": [{"source": "tokens", "target": "embed"}, {"source": "embed", "target": "lstm"},
                  {"source": "lstm", "target": "tags"}, {"source": "tags", "target": "scores"}]}


def test_an_int64_token_model_exports_an_onnx_that_onnxruntime_runs_as_torch_does(tmp_path):
    import onnxruntime as ort

    torch.manual_seed(0)
    model = compile_graph(token_model_graph())
    files = write_artifacts(model, token_model_graph(), tmp_path)
    session = ort.InferenceSession(files["onnx"], providers=["CPUExecutionProvider"])
    (inp,), (out,) = session.get_inputs(), session.get_outputs()

    assert (inp.name, inp.type, inp.shape) == ("tokens", "tensor(int64)", ["batch", 12])
    assert (out.name, out.shape) == ("scores", ["batch", 12, 5])
    for n in (1, 6):
        tokens = torch.randint(0, 30, (n, 12))
        (onnx_out,) = session.run(None, {"tokens": tokens.numpy()})
        with torch.no_grad():
            np.testing.assert_allclose(onnx_out, model.eval()(tokens).numpy(), rtol=0, atol=1e-5)


TWO_INPUTS = {"format": "netbuilder.graph/1", "name": "TwoInputs", "nodes": [
    {"id": "tokens", "type": "Input", "params": {"shape": [6], "dtype": "int64"}},
    {"id": "feats", "type": "Input", "params": {"shape": [3]}},
    {"id": "embed", "type": "Embedding", "params": {"num_embeddings": 10, "embedding_dim": 4}},
    {"id": "pool", "type": "Mean", "params": {"dim": 1}},
    {"id": "proj", "type": "Linear", "params": {"out_features": 4}},
    {"id": "both", "type": "Add"}, {"id": "logits", "type": "Linear", "params": {"out_features": 2}},
    {"id": "logits_out", "type": "Output"}, {"id": "proj_out", "type": "Output"}],
    "edges": [{"source": "tokens", "target": "embed"}, {"source": "embed", "target": "pool"},
              {"source": "feats", "target": "proj"}, {"source": "pool", "target": "both"},
              {"source": "proj", "target": "both", "port": 1}, {"source": "both", "target": "logits"},
              {"source": "logits", "target": "logits_out"}, {"source": "proj", "target": "proj_out"}]}


def test_a_graph_of_two_inputs_and_two_outputs_exports_them_by_node_id(tmp_path):
    import onnxruntime as ort

    torch.manual_seed(0)
    model = compile_graph(TWO_INPUTS).eval()
    files = write_artifacts(model, TWO_INPUTS, tmp_path)
    session = ort.InferenceSession(files["onnx"], providers=["CPUExecutionProvider"])

    assert [(i.name, i.type, i.shape) for i in session.get_inputs()] == [
        ("tokens", "tensor(int64)", ["batch", 6]), ("feats", "tensor(float)", ["batch", 3])]
    assert [(o.name, o.shape) for o in session.get_outputs()] == [("logits_out", ["batch", 2]), ("proj_out", ["batch", 4])]
    tokens, feats = torch.randint(0, 10, (3, 6)), torch.randn(3, 3)
    logits, proj = session.run(None, {"tokens": tokens.numpy(), "feats": feats.numpy()})
    with torch.no_grad():
        expected = model(tokens, feats)
    np.testing.assert_allclose(logits, expected[0].numpy(), rtol=0, atol=1e-5)
    np.testing.assert_allclose(proj, expected[1].numpy(), rtol=0, atol=1e-5)


def test_a_causal_padding_masked_language_model_exports_with_its_masks(tmp_path):
    import onnxruntime as ort

    graph = {"format": "netbuilder.graph/1", "name": "CausalLM", "nodes": [
        {"id": "tokens", "type": "Input", "params": {"shape": [16], "dtype": "int64"}},
        {"id": "embed", "type": "Embedding", "params": {"num_embeddings": 40, "embedding_dim": 16}},
        {"id": "pad", "type": "PaddingMask"},
        {"id": "enc", "type": "TransformerEncoder",
         "params": {"nhead": 2, "dim_feedforward": 32, "num_layers": 2, "is_causal": True, "norm": True}},
        {"id": "next", "type": "Linear", "params": {"out_features": 40}}, {"id": "y", "type": "Output"}],
        "edges": [{"source": "tokens", "target": "embed"}, {"source": "tokens", "target": "pad"},
                  {"source": "embed", "target": "enc"}, {"source": "pad", "target": "enc", "port": 1},
                  {"source": "enc", "target": "next"}, {"source": "next", "target": "y"}]}
    torch.manual_seed(0)
    model = compile_graph(graph).eval()
    files = write_artifacts(model, graph, tmp_path)
    session = ort.InferenceSession(files["onnx"], providers=["CPUExecutionProvider"])
    tokens = torch.randint(1, 40, (3, 16))
    tokens[0, 10:] = 0  # padding
    (onnx_out,) = session.run(None, {"tokens": tokens.numpy()})
    with torch.no_grad():
        np.testing.assert_allclose(onnx_out, model(tokens).numpy(), rtol=0, atol=1e-5)


def test_a_layer_torch_cannot_export_is_named_with_its_operation_in_plain_words(tmp_path):
    graph = {"format": "netbuilder.graph/1", "name": "Pools", "nodes": [
        {"id": "img", "type": "Input", "params": {"shape": [3, 7, 7]}},
        {"id": "squeeze", "type": "AdaptiveMaxPool2d", "params": {"output_size": 3}},
        {"id": "flat", "type": "Flatten"}, {"id": "y", "type": "Output"}],
        "edges": [{"source": "img", "target": "squeeze"}, {"source": "squeeze", "target": "flat"},
                  {"source": "flat", "target": "y"}]}
    files = write_artifacts(compile_graph(graph), graph, tmp_path)

    assert files["onnx_error"] == (
        "This model can't be exported to ONNX: node 'squeeze' (AdaptiveMaxPool2d) uses aten.adaptive_max_pool2d, "
        "which torch's ONNX exporter has no ONNX operator for: No ONNX function found for "
        "<OpOverload(op='aten.adaptive_max_pool2d', overload='default')>. Failure message: No decompositions "
        "registered for the real-valued input")
    assert "model_py" in files and not (tmp_path / "model.onnx").exists()
