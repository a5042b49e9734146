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
        (onnx_out,) = session.run(None, {"input": x.numpy()})
        with torch.no_grad():
            np.testing.assert_allclose(onnx_out, model.eval()(x).numpy(), rtol=1e-4, atol=1e-5)


def test_a_model_that_onnx_cannot_export_still_gets_its_other_files(tmp_path):
    class Sorts(nn.Module):
        def forward(self, x):
            return torch.tensor(sorted(x.flatten().tolist()))  # Python, not tensor ops: no ONNX graph

    files = write_artifacts(Sorts(), None, tmp_path, input_shape=[3])

    assert set(files) == {"pth", "safetensors", "onnx_error"}
    assert files["onnx_error"].startswith("This model can't be exported to ONNX: ")
    assert not (tmp_path / "model.onnx").exists()


def test_without_a_graph_or_input_shape_onnx_is_skipped_with_a_reason(tmp_path):
    files = write_artifacts(nn.Linear(2, 2), None, tmp_path)

    assert files["onnx_error"] == "ONNX export needs a model with exactly one input of known shape"
    assert torch.load(files["pth"], weights_only=True)["weight"].shape == (2, 2)
