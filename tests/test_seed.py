"""The seed article's examples, each done the NetBuilder way: template → compiler → engine → files."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import torch

from builder.engine.graph import compile_graph, export_python, list_templates, validate
from builder.engine.training import TrainConfig, load_dataset, train, write_artifacts

TEMPLATES = {t["id"]: t["graph"] for t in list_templates()}


def test_my_network_is_the_mlp_template_with_the_articles_names_and_size():
    graph = TEMPLATES["mlp"]
    assert graph["name"] == "MyNetwork"
    assert validate(graph)["params"] == 101_770
    source = export_python(graph)
    assert "class MyNetwork(nn.Module):" in source
    assert "self.fc1 = nn.Linear(in_features=784, out_features=128)" in source
    assert "self.fc2 = nn.Linear(in_features=128, out_features=10)" in source


def test_the_articles_training_loop_sgd_and_cross_entropy_on_random_data(tmp_path):
    data = load_dataset("random", size=100)  # torch.randn(100, 784), labels 0..9
    config = TrainConfig.from_dict({"optimizer": "sgd", "lr": 0.01, "loss": "CrossEntropyLoss", "epochs": 10,
                                    "batch_size": 100, "val_fraction": 0.0}, dataset=data)
    torch.manual_seed(0)
    model = compile_graph(TEMPLATES["mlp"])
    result = train(model, data, config)
    losses = [h["train_loss"] for h in result.history]
    assert result.status == "succeeded"
    assert len(losses) == 10 and losses[-1] < losses[0]


def test_linear_regression_with_mse_and_adam_recovers_w_and_b():
    data = load_dataset("linear", features=1, noise=0.01, size=512)
    model = compile_graph(TEMPLATES["linear_regression"])
    config = TrainConfig.from_dict({"optimizer": "adam", "lr": 0.05, "loss": "MSELoss", "epochs": 40,
                                    "batch_size": 32}, dataset=data)
    assert train(model, data, config).status == "succeeded"
    assert abs(model.linear.weight.item() - data.info["w"][0]) < 0.05
    assert abs(model.linear.bias.item() - data.info["b"]) < 0.05


def test_saving_and_loading_the_state_dict_the_articles_way_in_plain_torch(tmp_path):
    model = compile_graph(TEMPLATES["mlp"])
    write_artifacts(model, TEMPLATES["mlp"], tmp_path, onnx=False)
    x = torch.randn(3, 784)
    torch.save(x, tmp_path / "x.pt")
    expected = model(x)
    script = textwrap.dedent("""
        import torch
        from model import MyNetwork
        net = MyNetwork()
        net.load_state_dict(torch.load("model.pth"))
        print(net(torch.load("x.pt")).tolist())
    """)
    out = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, check=True,
                         env={"PATH": "/usr/bin:/bin"})  # a plain Python in the folder of the download
    assert torch.allclose(torch.tensor(json.loads(out.stdout)), expected, atol=1e-6)


def test_gpu_use_is_the_device_option_and_auto_falls_back_to_the_cpu():
    config = TrainConfig(device="auto")
    from builder.engine.training import resolve_device

    expected = "cuda" if torch.cuda.is_available() else "mps" if torch.backends.mps.is_available() else "cpu"
    assert resolve_device(config.device).type == expected


def test_fine_tuning_resnet18_is_a_torchvision_node_with_a_new_head():
    graph = {
        "format": "netbuilder.graph/1", "name": "FineTune",
        "nodes": [
            {"id": "x", "type": "Input", "params": {"shape": [3, 64, 64]}},
            {"id": "net", "type": "TorchvisionModel", "trainable": False,
             "params": {"arch": "resnet18", "weights": "none", "head": "replace", "num_classes": 5}},
            {"id": "y", "type": "Output"},
        ],
        "edges": [{"source": "x", "target": "net"}, {"source": "net", "target": "y"}],
    }
    result = validate(graph)
    assert result["ok"], result["errors"]
    assert result["output_shapes"] == [[5]]
    assert result["trainable_params"] == 512 * 5 + 5  # only the new head learns
