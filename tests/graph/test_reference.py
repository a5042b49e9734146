"""Well-known architectures rebuilt in netbuilder.graph/1 match the real ones: parameters, shapes, outputs."""

from __future__ import annotations

import torch
import torchvision
from graph_builders import chain, node, resnet18_graph
from torch import nn

from builder.engine.graph import compile_graph, list_templates, validate


def template(template_id: str) -> dict:
    return next(t["graph"] for t in list_templates() if t["id"] == template_id)


def test_the_seed_mlp_has_101770_parameters():
    result = validate(template("mlp"))
    assert (result["ok"], result["params"], result["output_shapes"]) == (True, 101_770, [[10]])


def test_lenet5_matches_the_paper():
    result = validate(template("lenet5"))
    assert result["params"] == 61_706
    assert [result["nodes"][n]["shape"] for n in ("c1", "s2", "c3", "s4", "flatten", "f7")] == [
        [6, 28, 28], [6, 14, 14], [16, 10, 10], [16, 5, 5], [400], [10]]


def test_the_pytorch_examples_mnist_net_has_its_1199882_parameters():
    graph = chain(
        node("x", "Input", shape=[1, 28, 28]), node("conv1", "Conv2d", out_channels=32, kernel_size=3),
        node("relu1", "ReLU"), node("conv2", "Conv2d", out_channels=64, kernel_size=3), node("relu2", "ReLU"),
        node("pool", "MaxPool2d", kernel_size=2), node("dropout1", "Dropout", p=0.25), node("flatten", "Flatten"),
        node("fc1", "Linear", out_features=128), node("relu3", "ReLU"), node("dropout2", "Dropout", p=0.5),
        node("fc2", "Linear", out_features=10), node("log_softmax", "LogSoftmax", dim=1), node("y", "Output"))
    result = validate(graph)
    assert (result["params"], result["nodes"]["flatten"]["shape"], result["output_shapes"]) == (1_199_882, [9216], [[10]])


def test_resnet18_from_primitives_equals_torchvision_in_parameters_and_outputs():
    graph = resnet18_graph(image=224)
    result = validate(graph)
    reference = torchvision.models.resnet18().eval()
    assert result["params"] == sum(p.numel() for p in reference.parameters()) == 11_689_512
    assert result["output_shapes"] == [[1000]]

    gm = compile_graph(resnet18_graph(image=64)).eval()
    # torchvision's layer1.0.conv1.weight is our layer1_0_conv1.weight
    mapped = {path.replace(".", "_") + "." + leaf: value
              for path, leaf, value in ((*key.rsplit(".", 1), v) for key, v in reference.state_dict().items())}
    gm.load_state_dict(mapped)
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(gm(x), reference(x))


class TransformerClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(128, 32)
        self.pos = nn.Parameter(torch.randn(16, 32) * 0.02)  # a learned position table
        # The template's EncoderLayer block is this layer written out, node ids as torch's attribute names.
        self.encoder = nn.Sequential(*(nn.TransformerEncoderLayer(32, 4, dim_feedforward=64, batch_first=True)
                                       for _ in range(2)))
        self.fc = nn.Linear(32, 4)

    def forward(self, tokens):
        x = self.embed(tokens) + self.pos
        return self.fc(self.encoder(x).mean(dim=1))


class LSTMClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(128, 32)
        self.lstm = nn.LSTM(32, 64, batch_first=True)
        self.fc = nn.Linear(64, 4)

    def forward(self, tokens):
        output, _ = self.lstm(self.embed(tokens))
        return self.fc(output[:, -1])


class CharLSTM(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(96, 48)
        self.lstm = nn.LSTM(48, 128, batch_first=True)
        self.next = nn.Linear(128, 96)

    def forward(self, chars):
        output, _ = self.lstm(self.embed(chars))
        return self.next(output)  # (B, L, 96): scores for the next character at every position


def test_templates_of_sequence_models_equal_their_handwritten_modules():
    for template_id, reference, length in (("transformer_encoder", TransformerClassifier(), 16),
                                           ("lstm_text", LSTMClassifier(), 16), ("char_lstm", CharLSTM(), 32)):
        graph = template(template_id)
        reference.eval()
        assert validate(graph)["params"] == sum(p.numel() for p in reference.parameters()), template_id
        gm = compile_graph(graph).eval()
        gm.load_state_dict(reference.state_dict())
        tokens = torch.randint(0, 96, (3, length))
        with torch.no_grad():
            torch.testing.assert_close(gm(tokens), reference(tokens))


def test_every_template_validates_and_says_what_it_is():
    templates = list_templates()
    assert {t["id"] for t in templates} >= {"mlp", "linear_regression", "logistic_regression", "lenet5", "cifar_cnn",
                                            "resnet_small", "lstm_text", "transformer_encoder", "playground_mlp",
                                            "char_lstm"}
    for t in templates:
        assert validate(t["graph"])["ok"], t["id"]
        assert t["name"] and t["description"]
