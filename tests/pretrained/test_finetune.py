"""Fine-tuning a pretrained backbone: weights read from the weights folder, frozen layers left untouched."""

from __future__ import annotations

import pytest
import torch

from builder.engine.graph import GraphError, compile_graph, validate
from builder.engine.training import Dataset, TrainConfig, train
from builder.engine.training.finetune import hold_frozen_batchnorm, param_groups

from .conftest import backbone_graph


def colours(n: int = 64, size: int = 32) -> Dataset:
    """Reddish and bluish noisy images: two classes a linear head on any features tells apart."""
    g = torch.Generator().manual_seed(0)
    y = torch.arange(n) % 2
    x = 0.15 * torch.rand(n, 3, size, size, generator=g)
    x[y == 0, 0] += 0.8  # red
    x[y == 1, 2] += 0.8  # blue
    return Dataset(name="colours", title="Colours", task="classification", x=x, y=y, classes=["red", "blue"])


def test_fine_tuning_resnet18_trains_the_new_head_and_leaves_every_frozen_tensor_bit_identical(resnet18_file):
    graph = backbone_graph(weights="default", head="replace", num_classes=2, trainable=False)
    result = validate(graph)
    assert result["ok"], result["errors"]
    assert result["trainable_params"] == 512 * 2 + 2  # the new head only
    torch.manual_seed(0)
    model = compile_graph(graph)
    saved = torch.load(resnet18_file, weights_only=True)
    assert torch.equal(model.state_dict()["net.conv1.weight"], saved["conv1.weight"])  # read from the file
    before = {k: v.clone() for k, v in model.state_dict().items()}

    ds = colours()
    config = TrainConfig.from_dict({"epochs": 3, "batch_size": 16, "lr": 0.01, "val_fraction": 0.25,
                                    "normalize": "imagenet", "augment": {"flip": True}, "device": "cpu"})
    outcome = train(model, ds, config)

    assert outcome.status == "succeeded", outcome.error
    after = model.state_dict()
    head = {"net.fc.weight", "net.fc.bias"}
    assert all(not torch.equal(before[k], after[k]) for k in head)
    changed = [k for k in before if k not in head and not torch.equal(before[k], after[k])]
    assert changed == []  # weights, running means and variances, num_batches_tracked
    losses = [h["train_loss"] for h in outcome.history]
    assert losses[-1] < losses[0] / 2  # the head learns
    assert outcome.metrics["val_accuracy"] == 1.0


def test_a_missing_weights_file_is_a_node_error_naming_the_file_and_the_folder(weights_dir):
    graph = backbone_graph(weights="default")
    folder = (weights_dir / "hub" / "checkpoints").absolute()
    result = validate(graph)
    assert result["nodes"]["net"]["shape"] == [1000]  # the shapes are still known
    assert result["errors"] == [{
        "node": "net", "field": "weights",
        "message": f"resnet18 weights not found: place resnet18-f37072fd.pth in {folder}/ (weights are never "
                   "downloaded; set NETBUILDER_WEIGHTS_DIR or TORCH_HOME to use another folder)",
    }]
    with pytest.raises(GraphError) as e:
        compile_graph(graph)
    assert e.value.errors == result["errors"]


def test_a_weights_file_that_holds_something_else_is_a_node_error(weights_dir):
    path = weights_dir / "hub" / "checkpoints" / "resnet18-f37072fd.pth"
    path.parent.mkdir(parents=True)
    torch.save({"conv1.weight": torch.zeros(1)}, path)
    with pytest.raises(GraphError) as e:
        compile_graph(backbone_graph(weights="default"))
    assert e.value.errors[0]["node"] == "net" and e.value.errors[0]["field"] == "weights"
    assert "does not hold resnet18's weights" in e.value.errors[0]["message"]


class _RunsCode:
    """Unpickling this creates `marker`: what a booby-trapped weights file would do instead."""

    def __init__(self, marker) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_a_pretrained_weights_file_holding_code_is_a_node_error_and_the_code_never_runs(weights_dir, tmp_path):
    import torchvision

    marker = tmp_path / "code-ran"
    path = weights_dir / "hub" / "checkpoints" / "resnet18-f37072fd.pth"
    path.parent.mkdir(parents=True)
    torch.save({**torchvision.models.resnet18().state_dict(), "payload": _RunsCode(marker)}, path)
    with pytest.raises(GraphError) as e:
        compile_graph(backbone_graph(weights="default"))
    assert not marker.exists()
    assert (e.value.errors[0]["node"], e.value.errors[0]["field"]) == ("net", "weights")
    assert e.value.errors[0]["message"] == (f"{path} does not hold resnet18's weights: it holds Python objects, "
                                            "not only tensors, and was refused without running any of it")


def test_a_pretrained_weights_file_that_is_no_pickle_at_all_is_a_node_error(weights_dir):
    path = weights_dir / "hub" / "checkpoints" / "resnet18-f37072fd.pth"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not weights at all")
    with pytest.raises(GraphError) as e:
        compile_graph(backbone_graph(weights="default"))
    assert e.value.errors == [{"node": "net", "field": "weights",
                               "message": f"{path} does not hold resnet18's weights: it is not a PyTorch weights file"}]


def test_the_head_options_and_input_checks_are_per_node_errors(weights_dir):
    def errors(**params):
        return [(e["node"], e.get("field"), e["message"]) for e in validate(backbone_graph(**params))["errors"]]

    assert errors(head="replace") == [("net", "num_classes", "TorchvisionModel with head 'replace' needs num_classes")]
    assert errors(num_classes=3) == [("net", "num_classes", "num_classes only applies with head 'replace' "
                                                            "(head is 'keep')")]
    assert errors(image=16) == [("net", "arch", "resnet18 needs images of at least 32×32, got 16×16")]
    assert validate(backbone_graph(head="drop"))["output_shapes"] == [[512]]


def test_per_node_learning_rate_multipliers_become_optimizer_groups_and_frozen_batchnorm_stays_in_eval():
    graph = {"format": "netbuilder.graph/1", "nodes": [
        {"id": "x", "type": "Input", "params": {"shape": [3, 8, 8]}},
        {"id": "conv", "type": "Conv2d", "params": {"out_channels": 4, "kernel_size": 3}, "lr_mult": 0.1},
        {"id": "bn", "type": "BatchNorm2d", "trainable": False},
        {"id": "flat", "type": "Flatten"},
        {"id": "fc", "type": "Linear", "params": {"out_features": 2}},
        {"id": "y", "type": "Output"}],
        "edges": [{"source": a, "target": b} for a, b in
                  [("x", "conv"), ("conv", "bn"), ("bn", "flat"), ("flat", "fc"), ("fc", "y")]]}
    assert validate(graph)["trainable_params"] == validate(graph)["params"] - 8
    model = compile_graph(graph)
    groups = param_groups(model, 0.5)
    assert [(g["lr"], len(g["params"])) for g in groups] == [(0.5, 2), (0.05, 2)]
    assert all(p is not model.bn.weight and p is not model.bn.bias for g in groups for p in g["params"])
    model.train()
    hold_frozen_batchnorm(model)
    assert model.conv.training and not model.bn.training
