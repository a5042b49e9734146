"""The data's scaling travels with the model: exported files take raw inputs and answer in the target's units."""

import importlib.util
import sys

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from builder.engine.graph import compile_graph, export_python
from builder.engine.graph.preprocess import attach
from builder.engine.training import (
    DatasetError,
    TrainConfig,
    export_preprocessing,
    list_datasets,
    load_dataset,
    load_upload,
    train,
    write_artifacts,
)
from builder.engine.weights import load_into


def graph(name: str, shape: list[int], *layers: tuple[str, str, dict]) -> dict:
    nodes = [{"id": "x", "type": "Input", "params": {"shape": shape}}]
    nodes += [{"id": i, "type": t, "params": p} for i, t, p in layers]
    nodes.append({"id": "y", "type": "Output"})
    ids = [n["id"] for n in nodes]
    return {"format": "netbuilder.graph/1", "name": name, "nodes": nodes,
            "edges": [{"source": a, "target": b} for a, b in zip(ids, ids[1:], strict=False)]}


LINE = graph("Line", [1], ("fc", "Linear", {"out_features": 1}))
DIABETES_NET = graph("Progression", [10], ("fc1", "Linear", {"out_features": 16}), ("act", "ReLU", {}),
                     ("fc2", "Linear", {"out_features": 1}))


def import_model_py(path, name: str = "exported_model"):
    """model.py in a fresh module namespace, as a user's own script would import it."""
    sys.modules.pop(name, None)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def strict_load(files: dict, class_name: str) -> torch.nn.Module:
    net = getattr(import_model_py(files["model_py"]), class_name)()
    net.load_state_dict(torch.load(files["pth"], weights_only=True), strict=True)
    return net.eval()


def line_csv(tmp_path, name: str = "line.csv"):
    """y = 2x + 1 for x from -5 to 25: far from mean 0 and std 1, so a missing scaling shows."""
    xs = np.linspace(-5, 25, 200)
    path = tmp_path / name
    path.write_text("x,y\n" + "".join(f"{x},{2 * x + 1}\n" for x in xs))
    return path


@pytest.fixture(scope="module")
def line_run(tmp_path_factory):
    """Linear(1→1) trained 200 steps on the uploaded CSV of y = 2x + 1, and the files written after it."""
    tmp = tmp_path_factory.mktemp("line")
    ds = load_upload(line_csv(tmp), kind="csv", options={})  # what the API's upload and the run worker call
    config = TrainConfig.from_dict({"device": "cpu", "epochs": 20, "batch_size": 16, "optimizer": "sgd",
                                    "lr": 0.05, "loss": "mse"}, dataset=ds)
    torch.manual_seed(0)
    model = compile_graph(LINE)
    result = train(model, ds, config, checkpoint_dir=tmp)
    files = write_artifacts(model, LINE, tmp / "out", checkpoint_path=result.checkpoint_path,
                            preprocessing=export_preprocessing(ds, config))
    return model, ds, result, files


def test_an_uploaded_csv_is_standardised_by_default_and_says_so(tmp_path):
    ds = load_upload(line_csv(tmp_path), kind="csv", options={})

    assert ds.options["standardize"] is True
    assert ds.info["standardized"]["mean"] == pytest.approx([10.0])
    assert ds.info["standardized"]["std"] == pytest.approx([np.linspace(-5, 25, 200).std()])
    assert "1 standardised features" in ds.describe()["description"]
    assert ds.preview()["info"]["standardized"] == ds.info["standardized"]


def test_the_model_py_of_a_csv_of_y_equals_2x_plus_1_gives_f_3_equals_7(line_run):
    model, _, result, files = line_run
    net = strict_load(files, "Line")

    with torch.no_grad():
        f3 = net(torch.tensor([[3.0]])).item()
        bare = model.eval()(torch.tensor([[3.0]])).item()  # the trained network alone expects scaled x

    assert result.status == "succeeded" and result.steps == 200
    assert f3 == pytest.approx(7.0, abs=0.05)
    assert abs(bare - 7.0) > 10


def test_the_saved_weights_carry_the_scaling_as_buffers(line_run):
    _, ds, _, files = line_run
    pth, st = torch.load(files["pth"], weights_only=True), load_file(files["safetensors"])

    assert set(pth) == {"fc.weight", "fc.bias", "input_mean", "input_std"} == set(st)
    assert pth["input_mean"].tolist() == pytest.approx(ds.info["standardized"]["mean"])
    assert pth["input_std"].tolist() == pytest.approx(ds.info["standardized"]["std"])
    assert "target_mean" not in pth  # a CSV's regression target is left in its own units


def test_the_checkpoint_holds_the_network_alone_so_a_run_resumes_from_it(line_run):
    _, _, result, _ = line_run
    checkpoint = torch.load(result.checkpoint_path, weights_only=False)

    assert set(checkpoint["model"]) == {"fc.weight", "fc.bias"}
    compile_graph(LINE).load_state_dict(checkpoint["model"], strict=True)


def test_the_onnx_export_takes_raw_inputs_and_agrees_with_model_py(line_run):
    ort = pytest.importorskip("onnxruntime")
    _, _, _, files = line_run
    session = ort.InferenceSession(files["onnx"], providers=["CPUExecutionProvider"])
    x = torch.tensor([[-4.0], [3.0], [10.0], [24.5]])  # (4, 1) raw

    (onnx_out,) = session.run(None, {"x": x.numpy()})
    with torch.no_grad():
        expected = strict_load(files, "Line")(x).numpy()

    np.testing.assert_allclose(onnx_out, expected, rtol=0, atol=1e-4)
    np.testing.assert_allclose(onnx_out[:, 0], 2 * x[:, 0].numpy() + 1, atol=0.05)


def test_a_trained_model_pth_starts_a_new_run_without_its_old_scaling(line_run):
    _, _, _, files = line_run
    fresh = compile_graph(LINE)

    report = load_into(fresh, files["pth"])

    assert report["ok"] and sorted(report["matched"]) == ["fc.bias", "fc.weight"]
    assert torch.equal(fresh.fc.weight, torch.load(files["pth"], weights_only=True)["fc.weight"])


def test_a_csv_with_standardize_off_trains_on_raw_features_and_exports_no_scaling(tmp_path):
    ds = load_upload(line_csv(tmp_path), kind="csv", options={"standardize": False})

    assert "standardized" not in ds.info and ds.options["standardize"] is False
    assert float(ds.x[0, 0]) == -5.0 and "1 raw features" in ds.description
    assert export_preprocessing(ds) is None
    assert "register_buffer" not in export_python(LINE, preprocessing=export_preprocessing(ds))


def test_standardize_must_be_true_or_false(tmp_path):
    with pytest.raises(DatasetError) as csv_error:
        load_upload(line_csv(tmp_path), kind="csv", options={"standardize": "no"})
    with pytest.raises(DatasetError) as builtin_error:
        load_dataset("iris", standardize=1)

    assert csv_error.value.field == "standardize" == builtin_error.value.field
    assert csv_error.value.message == "standardize must be true or false, got 'no'"
    assert builtin_error.value.message == "standardize must be true or false, got 1"


@pytest.mark.parametrize("name", ["iris", "wine", "breast_cancer", "diabetes"])
def test_the_tabular_sets_offer_standardize_on_by_default(name):
    listed = next(d for d in list_datasets() if d["name"] == name)
    on, off = load_dataset(name), load_dataset(name, standardize=False)
    mean = torch.tensor(on.info["standardized"]["mean"], dtype=torch.float32)
    std = torch.tensor(on.info["standardized"]["std"], dtype=torch.float32)

    assert [o for o in listed["options"] if o["name"] == "standardize"][0]["kind"] == "bool"
    assert on.describe()["options"] == {"standardize": True} and off.options == {"standardize": False}
    assert "standardized" not in off.info
    torch.testing.assert_close((off.x - mean) / std, on.x, atol=1e-5, rtol=1e-5)  # raw = scaled back


@pytest.fixture(scope="module")
def diabetes_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("diabetes")
    ds = load_dataset("diabetes")
    config = TrainConfig.from_dict({"device": "cpu", "epochs": 5}, dataset=ds)
    torch.manual_seed(0)
    model = compile_graph(DIABETES_NET)
    result = train(model, ds, config)
    files = write_artifacts(model, DIABETES_NET, tmp, preprocessing=export_preprocessing(ds, config))
    return model, ds, result, files


def test_the_diabetes_export_answers_raw_inputs_in_the_targets_units(diabetes_run):
    model, ds, result, files = diabetes_run
    raw = load_dataset("diabetes", standardize=False)  # the same patients, unscaled features and target
    target_mean, target_std = ds.info["target_standardized"]["mean"][0], ds.info["target_standardized"]["std"][0]
    net = strict_load(files, "Progression")

    with torch.no_grad():
        exported = net(raw.x)  # (442, 1) in the target's units
        expected = model.eval()(ds.x) * target_std + target_mean  # the trained model, de-standardised

    assert result.status == "succeeded"
    assert 25 < float(exported.mean()) and float((exported - raw.y).abs().mean()) < float((raw.y - raw.y.mean()).abs().mean())
    torch.testing.assert_close(exported, expected, atol=1e-3, rtol=1e-5)
    assert set(torch.load(files["pth"], weights_only=True)) >= {"input_mean", "input_std", "target_mean", "target_std"}


def test_the_diabetes_onnx_agrees_with_its_model_py(diabetes_run):
    ort = pytest.importorskip("onnxruntime")
    _, _, _, files = diabetes_run
    raw = load_dataset("diabetes", standardize=False).x[:50]
    session = ort.InferenceSession(files["onnx"], providers=["CPUExecutionProvider"])

    (onnx_out,) = session.run(None, {"x": raw.numpy()})
    with torch.no_grad():
        expected = strict_load(files, "Progression")(raw).numpy()

    np.testing.assert_allclose(onnx_out, expected, rtol=1e-5, atol=1e-4)


def test_image_normalisation_is_built_into_the_export_as_per_channel_buffers(tmp_path):
    ds = load_dataset("digits")
    config = TrainConfig.from_dict({"device": "cpu", "normalize": {"mean": [0.3], "std": [0.4]}}, dataset=ds)
    scaling = export_preprocessing(ds, config)
    conv = graph("Tiny", [1, 8, 8], ("conv", "Conv2d", {"out_channels": 2, "kernel_size": 3}),
                 ("flat", "Flatten", {}), ("fc", "Linear", {"out_features": 10}))
    torch.manual_seed(0)
    model = compile_graph(conv)
    files = write_artifacts(model, conv, tmp_path, preprocessing=scaling)
    x = ds.x[:5]  # (5, 1, 8, 8) in [0, 1]

    with torch.no_grad():
        exported = strict_load(files, "Tiny")(x)
        expected = model.eval()((x - 0.3) / 0.4)  # what the training loop's Preprocess feeds the network

    assert scaling == {"input": {"mean": [0.3], "std": [0.4], "shape": [1, 1, 1]}}
    assert torch.load(files["pth"], weights_only=True)["input_mean"].shape == (1, 1, 1)
    torch.testing.assert_close(exported, expected)
    torch.testing.assert_close(attach(model, scaling)(x), expected)


def test_resizing_is_built_into_the_export_so_it_takes_the_datasets_own_images(tmp_path):
    import onnxruntime as ort

    ds = load_dataset("digits")  # 1 × 8 × 8
    config = TrainConfig.from_dict({"device": "cpu", "resize": 16, "normalize": {"mean": [0.3], "std": [0.4]}},
                                   dataset=ds)
    scaling = export_preprocessing(ds, config)
    conv = graph("Resized", [1, 16, 16], ("conv", "Conv2d", {"out_channels": 2, "kernel_size": 3}),
                 ("flat", "Flatten", {}), ("fc", "Linear", {"out_features": 10}))
    torch.manual_seed(0)
    model = compile_graph(conv)
    files = write_artifacts(model, conv, tmp_path, preprocessing=scaling)
    x = ds.x[:5]  # (5, 1, 8, 8), as the dataset holds them
    resized = torch.nn.functional.interpolate(x, size=(16, 16), mode="bilinear", align_corners=False)

    with torch.no_grad():
        expected = model.eval()((resized - 0.3) / 0.4)  # what the training loop's Preprocess feeds the network
        exported = strict_load(files, "Resized")(x)
    (onnx_out,) = ort.InferenceSession(files["onnx"], providers=["CPUExecutionProvider"]).run(None, {"x": x.numpy()})

    assert scaling["resize"] == {"from": [1, 8, 8], "to": [16, 16]}
    assert "Inputs are raw" in (tmp_path / "model.py").read_text()
    torch.testing.assert_close(exported, expected)
    torch.testing.assert_close(attach(model, scaling)(x), expected)
    np.testing.assert_allclose(onnx_out, expected.numpy(), rtol=0, atol=1e-4)


def test_a_run_of_the_worker_on_an_uploaded_csv_writes_files_that_take_raw_inputs(tmp_path):
    from builder.engine.executor import RunSpec, run

    path = line_csv(tmp_path)
    spec = RunSpec(
        run_id=1, graph=LINE, dataset="", dataset_options={},
        config={"device": "cpu", "epochs": 20, "batch_size": 16, "optimizer": "sgd", "lr": 0.05, "loss": "mse"},
        out_dir=str(tmp_path / "out"), checkpoint_dir=str(tmp_path / "out"), data_dir=str(tmp_path / "data"),
        upload={"path": str(path), "kind": "csv", "options": {}, "max_bytes": 2**20},
    )
    messages: list[dict] = []

    final = run(spec, messages.append, stop=lambda: False, suspend=lambda: False)
    with torch.no_grad():
        f3 = strict_load(final["outcome"]["files"], "Line")(torch.tensor([[3.0]])).item()

    assert final["type"] == "finished", final["data"]
    assert messages[0]["data"]["dataset"]["info"]["standardized"]["mean"] == pytest.approx([10.0])
    assert f3 == pytest.approx(7.0, abs=0.05)
