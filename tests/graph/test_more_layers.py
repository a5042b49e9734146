"""The modules and tensor ops added for the researcher's toolbox (#16): 3-D pooling and normalisation,
ConvTranspose3d, Dropout1d/3d, EmbeddingBag, Hardtanh, LogSigmoid, PixelUnshuffle, the reflection, replication,
constant and zero pads, Upsample nearest-exact; ScaleShift, Var, Std, Slice, Normalize, CosineSimilarity, Einsum
and Reparameterize. Shapes and parameters against a real forward, model.py equal to the GraphModule on its
weights, ONNX equal to torch (1e-5) or refused naming the node, and bad settings naming the node and field."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from graph_builders import FORMAT, layer_graph, node, random_input, real_shapes
from test_learned_and_shared import onnx_matches, same_as_compiled
from torch.utils.flop_counter import FlopCounterMode

from builder.engine.graph import compile_graph, export_python, validate
from builder.engine.training.artifacts import write_onnx


def graph_of(layer_type: str, shapes: list[list[int]], dtype: str = "float32", **params) -> dict:
    """Inputs a, b, ... (or x alone) → one layer "layer" (port i from input i) → Output."""
    if len(shapes) == 1:
        return layer_graph(layer_type, shapes[0], dtype, **params)
    names = "abcdefgh"[:len(shapes)]
    return {"format": FORMAT, "name": "Net", "nodes": [
        *(node(n, "Input", shape=s, dtype=dtype) for n, s in zip(names, shapes, strict=True)),
        node("layer", layer_type, **params), node("y", "Output")],
        "edges": [*({"source": n, "target": "layer", "port": i} for i, n in enumerate(names)),
                  {"source": "layer", "target": "y"}]}


# (type, per-sample input shapes, input dtype, params): every type added here, spatial inputs never square and
# the sides of every padding apart, so a rule that swaps two dimensions or two sides disagrees with torch.
CASES = [
    ("MaxPool3d", [[2, 7, 6, 5]], "float32", {"kernel_size": [3, 2, 2], "stride": 2, "ceil_mode": True}),
    ("AvgPool3d", [[2, 7, 6, 5]], "float32", {"kernel_size": [3, 2, 2], "padding": 1, "count_include_pad": False}),
    ("AdaptiveAvgPool3d", [[2, 7, 6, 5]], "float32", {"output_size": [2, 3, 1]}),
    ("AdaptiveMaxPool1d", [[3, 10]], "float32", {"output_size": 4}),
    ("AdaptiveMaxPool3d", [[2, 7, 6, 5]], "float32", {"output_size": 2}),
    ("BatchNorm3d", [[3, 4, 5, 6]], "float32", {}),
    ("InstanceNorm1d", [[3, 7]], "float32", {"affine": True}),
    ("InstanceNorm3d", [[3, 4, 5, 6]], "float32", {"track_running_stats": True}),
    ("ConvTranspose3d", [[2, 3, 4, 5]], "float32", {"out_channels": 4, "kernel_size": [2, 3, 2], "stride": 2,
                                                    "output_padding": [1, 0, 0]}),
    ("Dropout1d", [[3, 7]], "float32", {"p": 0.3}),
    ("Dropout3d", [[3, 4, 5, 6]], "float32", {}),
    ("EmbeddingBag", [[6]], "int64", {"num_embeddings": 10, "embedding_dim": 4}),
    ("EmbeddingBag", [[6]], "int64", {"num_embeddings": 10, "embedding_dim": 4, "mode": "sum", "padding_idx": 0}),
    ("EmbeddingBag", [[6]], "int64", {"num_embeddings": 10, "embedding_dim": 3, "mode": "max"}),
    ("Hardtanh", [[4]], "float32", {"min_val": -0.5, "max_val": 2.0}),
    ("LogSigmoid", [[3, 4]], "float32", {}),
    ("PixelUnshuffle", [[2, 6, 4]], "float32", {"downscale_factor": 2}),
    ("ReflectionPad1d", [[2, 5]], "float32", {"padding": [1, 3]}),
    ("ReflectionPad2d", [[2, 5, 6]], "float32", {"padding": [1, 2, 3, 4]}),
    ("ReflectionPad3d", [[2, 5, 6, 7]], "float32", {"padding": [5, 6, 3, 2, 1, 4]}),
    ("ReplicationPad1d", [[5]], "float32", {"padding": [1, 3]}),
    ("ReplicationPad2d", [[2, 5, 6]], "float32", {"padding": [1, 2, 3, 7]}),
    ("ReplicationPad3d", [[2, 5, 6, 7]], "float32", {"padding": [1, 2, 3, 4, 0, 5]}),
    ("ConstantPad1d", [[2, 5]], "float32", {"padding": [1, 3], "value": 1.5}),
    ("ConstantPad2d", [[2, 5, 6]], "float32", {"padding": 2, "value": -1.0}),
    ("ConstantPad3d", [[5, 6, 7]], "float32", {"padding": [1, 2, 3, 4, 0, 5], "value": 0.25}),
    ("ZeroPad1d", [[2, 5]], "float32", {"padding": [1, 3]}),
    ("ZeroPad3d", [[2, 5, 6, 7]], "float32", {"padding": [1, 2, 3, 4, 0, 5]}),
    ("Upsample", [[3, 4, 5]], "float32", {"scale_factor": 1.7, "mode": "nearest-exact"}),
    ("Upsample", [[3, 7]], "float32", {"size": 11, "mode": "nearest-exact"}),
    ("ScaleShift", [[4]], "float32", {"scale": -2.5, "shift": 0.5}),
    ("Var", [[3, 4]], "float32", {"dim": [1, 2]}),
    ("Std", [[3, 4]], "float32", {"dim": -1, "correction": 0, "keepdim": True}),
    ("Slice", [[12, 3]], "float32", {"start": 2, "end": 10, "step": 2}),
    ("Slice", [[3, 12]], "int64", {"dim": -1, "start": -5}),
    ("Slice", [[3, 12, 2]], "float32", {"dim": -2, "end": 100, "step": 5}),
    ("Normalize", [[3, 4]], "float32", {"dim": -1}),
    ("Normalize", [[3, 4]], "float32", {"p": 1.0, "eps": 0.1}),
    ("CosineSimilarity", [[3, 4], [1, 4]], "float32", {"dim": -1}),
    ("Einsum", [[3, 4], [4, 5]], "float32", {"equation": "ij,jk->ik"}),
    ("Einsum", [[2, 3, 4], [2, 5, 4]], "float32", {"equation": "hqd, hkd -> hqk"}),
    ("Einsum", [[3], [4], [3, 4]], "float32", {"equation": "i,j,ij->"}),
    ("Reparameterize", [[4], [4]], "float32", {}),
]
IDS = [f"{c[0]}-{i}" for i, c in enumerate(CASES)]
NEW_TYPES = {c[0] for c in CASES} - {"Upsample"}  # Upsample only gained a mode

# torch's ONNX exporter has no ONNX for these (torch 2.14): their export is refused naming the node
NO_ONNX = {"AdaptiveAvgPool3d": "aten._adaptive_avg_pool3d", "AdaptiveMaxPool1d": "aten.adaptive_max_pool2d",
           "AdaptiveMaxPool3d": "aten.adaptive_max_pool3d"}


def inputs_of(shapes: list[list[int]], dtype: str) -> list[torch.Tensor]:
    torch.manual_seed(0)
    return [random_input(s, dtype) for s in shapes]


def test_the_spatial_cases_here_are_never_square_and_their_paddings_never_symmetric():
    for layer_type, shapes, _, params in CASES:
        if layer_type.endswith(("2d", "3d")) and not layer_type.startswith("Adaptive"):
            spatial = shapes[0][-3:] if layer_type.endswith("3d") else shapes[0][-2:]
            assert len(set(spatial)) == len(spatial), (layer_type, shapes)
        padding = params.get("padding")
        if isinstance(padding, list):
            assert len(set(padding)) == len(padding), (layer_type, padding)


@pytest.mark.parametrize(("layer_type", "shapes", "dtype", "params"), CASES, ids=IDS)
def test_shapes_and_params_match_a_real_forward(layer_type, shapes, dtype, params):
    graph = graph_of(layer_type, shapes, dtype, **params)
    result = validate(graph)
    assert result["ok"], result["errors"]
    gm = compile_graph(graph).eval()
    assert real_shapes(gm, *inputs_of(shapes, dtype))["layer"] == result["nodes"]["layer"]["shapes"]
    assert result["nodes"]["layer"]["params"] == sum(p.numel() for p in gm.parameters())


@pytest.mark.parametrize(("layer_type", "shapes", "dtype", "params"), CASES, ids=IDS)
def test_model_py_computes_what_the_compiled_module_does_on_its_weights(layer_type, shapes, dtype, params):
    same_as_compiled(graph_of(layer_type, shapes, dtype, **params), *inputs_of(shapes, dtype))


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize(("layer_type", "shapes", "dtype", "params"), [c for c in CASES if c[0] not in NO_ONNX],
                         ids=[i for i, c in zip(IDS, CASES, strict=True) if c[0] not in NO_ONNX])
def test_onnx_in_onnxruntime_equals_torch(layer_type, shapes, dtype, params, tmp_path):
    gm = compile_graph(graph_of(layer_type, shapes, dtype, **params)).eval()
    onnx_matches(gm, tmp_path, *inputs_of(shapes, dtype))


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize(("layer_type", "shapes", "dtype", "params"), [c for c in CASES if c[0] in NO_ONNX],
                         ids=[c[0] for c in CASES if c[0] in NO_ONNX])
def test_onnx_the_exporter_cannot_write_is_refused_naming_the_node_and_the_operation(layer_type, shapes, dtype,
                                                                                     params, tmp_path):
    gm = compile_graph(graph_of(layer_type, shapes, dtype, **params)).eval()
    files = write_onnx(gm, None, tmp_path)
    assert "onnx" not in files and not (tmp_path / "model.onnx").exists()
    assert files["onnx_error"].startswith(
        f"This model can't be exported to ONNX: node 'layer' ({layer_type}) uses {NO_ONNX[layer_type]}, which "
        f"torch's ONNX exporter has no ONNX operator for: No ONNX function found for")
    assert "\x1b" not in files["onnx_error"]


# The ops against torch's own functions --------------------------------------------------------------------


@pytest.mark.parametrize(("layer_type", "shapes", "params", "reference"), [
    ("ScaleShift", [[3, 4]], {"scale": -2.5, "shift": 0.5}, lambda x: x * -2.5 + 0.5),
    ("Var", [[3, 4]], {"dim": [1, 2]}, lambda x: torch.var(x, dim=(1, 2))),
    ("Std", [[3, 4]], {"dim": -1, "correction": 0}, lambda x: torch.std(x, dim=-1, unbiased=False)),
    ("Slice", [[12, 3]], {"start": 2, "end": 10, "step": 2}, lambda x: x[:, 2:10:2]),
    ("Slice", [[3, 12]], {"dim": -1, "start": -5}, lambda x: x[..., -5:]),
    ("Slice", [[3, 12, 2]], {"dim": 2, "start": -100, "end": 100, "step": 5}, lambda x: x[:, :, ::5]),
    ("Normalize", [[3, 4]], {"dim": -1}, lambda x: F.normalize(x, dim=-1)),
    ("Normalize", [[3, 4]], {"p": 1.0, "dim": 1}, lambda x: F.normalize(x, p=1.0, dim=1)),
    ("Hardtanh", [[4]], {"min_val": -0.5, "max_val": 2.0}, lambda x: F.hardtanh(x, -0.5, 2.0)),
    ("LogSigmoid", [[4]], {}, F.logsigmoid),
    ("CosineSimilarity", [[3, 4], [1, 4]], {"dim": -1}, lambda a, b: F.cosine_similarity(a, b, dim=-1)),
    ("Einsum", [[2, 3, 4], [2, 5, 4]], {"equation": "hqd,hkd->hqk"},
     lambda a, b: torch.einsum("bhqd,bhkd->bhqk", a, b)),
    ("Einsum", [[3, 4], [4, 5]], {"equation": "bj,jk->bk"}, lambda a, b: a @ b),  # b taken: the batch is another
    ("ConstantPad2d", [[2, 5, 6]], {"padding": [1, 2, 3, 4], "value": -1.0},
     lambda x: F.pad(x, (1, 2, 3, 4), value=-1.0)),
    ("ReflectionPad1d", [[2, 5]], {"padding": [1, 3]}, lambda x: F.pad(x, (1, 3), mode="reflect")),
    ("Upsample", [[3, 4, 5]], {"scale_factor": 1.7, "mode": "nearest-exact"},
     lambda x: F.interpolate(x, scale_factor=1.7, mode="nearest-exact")),
])
def test_the_ops_compute_what_torch_does(layer_type, shapes, params, reference):
    graph = graph_of(layer_type, shapes, **params)
    xs = inputs_of(shapes, "float32")
    expected = reference(*xs)
    assert validate(graph)["nodes"]["layer"]["shapes"] == [list(expected.shape[1:])]
    with torch.no_grad():
        torch.testing.assert_close(compile_graph(graph)(*xs), expected)


def test_embedding_bag_pools_each_samples_ids_leaving_out_the_padding_id():
    graph = layer_graph("EmbeddingBag", [4], "int64", num_embeddings=6, embedding_dim=2, mode="mean", padding_idx=0)
    gm = compile_graph(graph)
    ids = torch.tensor([[1, 2, 0, 0], [3, 3, 3, 5]])
    table = gm.layer.weight.detach()
    torch.testing.assert_close(gm(ids), torch.stack([table[[1, 2]].mean(0), table[[3, 3, 3, 5]].mean(0)]))


def test_slice_writes_a_python_range_index_into_model_py():
    source = export_python(layer_graph("Slice", [12, 3], start=2, end=10, step=2))
    assert "layer = x[:, 2:10:2]  # (B, 4, 3)" in source
    assert "layer = x[..., -5:]  # (B, 3, 5)" in export_python(layer_graph("Slice", [3, 12], dim=-1, start=-5))
    assert "layer = x[:, :, :3]  # (B, 3, 3, 2)" in export_python(layer_graph("Slice", [3, 12, 2], dim=2, end=3))
    assert "layer = x[..., :-1, :]  # (B, 3, 11, 2)" in export_python(layer_graph("Slice", [3, 12, 2], dim=-2,
                                                                                   end=-1))


def test_einsum_puts_a_free_batch_letter_in_front_in_model_py():
    source = export_python(graph_of("Einsum", [[3, 4], [4, 5]], equation="bj,jk->bk"))
    assert "layer = torch.einsum('Bbj,Bjk->Bbk', a, b)  # (B, 3, 5)" in source


def test_einsum_flops_are_twice_the_multiply_accumulates_torch_counts():
    graph = graph_of("Einsum", [[2, 3, 4], [2, 4, 5]], equation="hij,hjk->hik")
    with FlopCounterMode(display=False) as counter:
        compile_graph(graph)(torch.randn(2, 2, 3, 4), torch.randn(2, 2, 4, 5))
    assert validate(graph)["nodes"]["layer"]["flops"] * 2 == counter.get_total_flops() == 2 * (2 * 2 * 3 * 4 * 5)


def test_conv_transpose3d_flops_are_twice_the_multiply_accumulates_torch_counts():
    graph = layer_graph("ConvTranspose3d", [4, 3, 5, 4], out_channels=6, kernel_size=3, groups=2, stride=2)
    gm = compile_graph(graph).train()
    with FlopCounterMode(display=False) as counter:
        gm(torch.randn(2, 4, 3, 5, 4))
    assert validate(graph)["nodes"]["layer"]["flops"] * 2 == counter.get_total_flops()


# Reparameterize: a sample while training, mu in eval ------------------------------------------------------


def test_reparameterize_samples_mu_plus_noise_of_std_exp_half_logvar_while_training():
    graph = graph_of("Reparameterize", [[50_000], [50_000]])
    gm = compile_graph(graph).train()
    mu, logvar = torch.full((2, 50_000), 3.0), torch.full((2, 50_000), math.log(4.0))
    torch.manual_seed(0)
    sample = gm(mu, logvar)
    assert abs(sample.mean().item() - 3.0) < 0.02 and abs(sample.std().item() - 2.0) < 0.02
    namespace: dict = {}
    exec(compile(export_python(graph), "model.py", "exec"), namespace)  # the source under test
    net = namespace["Net"]().train()
    torch.manual_seed(0)
    torch.testing.assert_close(net(mu, logvar), sample, rtol=0, atol=0)  # the same draw, the same formula
    torch.testing.assert_close(gm.eval()(mu, logvar), mu, rtol=0, atol=0)
    assert "layer_std = torch.exp(0.5 * b)" in export_python(graph)
    assert "layer = a + torch.randn_like(layer_std) * layer_std * self.training" in export_python(graph)


def test_reparameterize_trains_mu_and_logvar_through_the_sample():
    graph = graph_of("Reparameterize", [[3], [3]])
    mu, logvar = torch.zeros(2, 3, requires_grad=True), torch.zeros(2, 3, requires_grad=True)
    compile_graph(graph).train()(mu, logvar).sum().backward()
    assert torch.equal(mu.grad, torch.ones(2, 3)) and logvar.grad.abs().sum() > 0


# Warnings and refusals ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("graph", "field", "message"), [
    (layer_graph("ScaleShift", [4]), "scale", "scale 1 and shift 0 leave the input as it is: this node does nothing"),
    (layer_graph("ConstantPad2d", [2, 5, 6], padding=0, value=2.0), "value",
     "value only fills the padding; with padding 0 it does nothing"),
    (layer_graph("ReflectionPad1d", [2, 5], padding=[0, 0]), "padding",
     "padding 0 adds nothing: the input passes through unchanged"),
    (layer_graph("Var", [3, 1], dim=2), "correction",
     "correction 1 leaves no degrees of freedom for the 1 value reduced: the result is nan or inf"),
    (layer_graph("Std", [3, 4], dim=[1, 2], correction=12), "correction",
     "correction 12 leaves no degrees of freedom for the 12 values reduced: the result is nan or inf"),
    (layer_graph("Dropout3d", [3, 4, 5, 6], p=0.0), "p", "p 0 zeroes nothing: this dropout does nothing"),
    (layer_graph("InstanceNorm3d", [3, 4, 5, 6], momentum=0.5), "momentum",
     "momentum only updates the running statistics; with track_running_stats false it does nothing"),
])
def test_a_setting_that_does_nothing_is_a_warning(graph, field, message):
    result = validate(graph)
    assert result["ok"] is True
    assert result["warnings"] == [{"node": "layer", "field": field, "message": message}]


def test_settings_that_act_give_no_warning():
    for graph in (layer_graph("ScaleShift", [4], shift=0.5), layer_graph("ConstantPad1d", [5], padding=1, value=2.0),
                  layer_graph("Var", [3, 2], dim=2), layer_graph("Std", [3, 4], dim=[1, 2], correction=11)):
        assert validate(graph)["warnings"] == [], graph["nodes"][1]


@pytest.mark.parametrize(("graph", "field", "message"), [
    (layer_graph("Hardtanh", [4], min_val=1.0, max_val=1.0), "max_val", "Hardtanh max_val 1 must be above min_val 1"),
    (layer_graph("BatchNorm3d", [3, 4, 5, 6], eps=0.0), "eps", "BatchNorm3d eps must be above 0: torch refuses 0 "
     "whenever it normalises by the batch's own statistics (in training)"),
    (layer_graph("AvgPool3d", [1, 5, 2, 2], kernel_size=[1, 3, 3], padding=[0, 1, 1]), "kernel_size",
     "AvgPool3d kernel_size (1, 3, 3) does not fit input [1, 5, 2, 2]: torch's 3-D average pooling needs every size "
     "at least the kernel's, padding aside"),
    (layer_graph("PixelUnshuffle", [2, 6, 5], downscale_factor=2), "downscale_factor",
     "PixelUnshuffle needs height and width divisible by downscale_factor 2, got input [2, 6, 5]"),
    (layer_graph("ReflectionPad2d", [2, 5, 6], padding=[1, 6, 0, 0]), "padding",
     "ReflectionPad2d padding 6 must be smaller than the size it reflects, 6 (input [2, 5, 6])"),
    (layer_graph("ReflectionPad3d", [2, 5, 6, 7], padding=[0, 0, 0, 0, 5, 1]), "padding",
     "ReflectionPad3d padding 5 must be smaller than the size it reflects, 5 (input [2, 5, 6, 7])"),
    (layer_graph("ConstantPad1d", [2, 5], padding=[1, 2, 3]), "padding", "padding must have 2 entries, got 3"),
    (layer_graph("Slice", [12, 3], start=10, end=2), "start",
     "Slice 10:2 of dim 1 is empty for its size 12 (input [12, 3])"),
    (layer_graph("Slice", [12, 3], dim=2, start=5, step=2), "start",
     "Slice 5::2 of dim 2 is empty for its size 3 (input [12, 3])"),
    (layer_graph("Slice", [12, 3], dim=0, start=1), "dim", "Slice cannot work along dim 0: that is the batch dimension"),
    (layer_graph("Slice", [12, 3], step=0), "step", "step must be at least 1, got 0"),
    (layer_graph("Var", [3, 4], dim=[1, 1]), "dim", "Var names a dimension twice in dim [1, 1]"),
    (layer_graph("Normalize", [3, 4], dim=3), "dim",
     "Normalize dim 3 is out of range for input shape [3, 4] (the batch is dim 0)"),
    (layer_graph("EmbeddingBag", [6], "int64", num_embeddings=5, embedding_dim=2, padding_idx=5), "padding_idx",
     "padding_idx must lie within num_embeddings 5, got 5"),
    (layer_graph("Upsample", [3, 4, 5], size=[6, 7], mode="nearest-exact", align_corners=True), "align_corners",
     "Upsample align_corners only applies to the interpolating modes, not nearest-exact"),
    (graph_of("CosineSimilarity", [[3, 4], [3, 4]], dim=3), "dim",
     "CosineSimilarity dim 3 is out of range for input shape [3, 4] (the batch is dim 0)"),
    (graph_of("Einsum", [[3, 4], [4, 5]], equation="ij,jk"), "equation",
     "Einsum equation needs its output after one ->, e.g. 'ij,jk->ik', got 'ij,jk'"),
    (graph_of("Einsum", [[3, 4], [4, 5]], equation="...j,jk->...k"), "equation",
     "Einsum equation cannot use ... (an ellipsis): name every dimension of one sample"),
    (graph_of("Einsum", [[3, 4], [4, 5]], equation="i1,1k->ik"), "equation",
     "Einsum equation takes letters a-z and A-Z for dimensions, commas between inputs and -> before the output, "
     "got 'i1,1k->ik'"),
    (graph_of("Einsum", [[3, 4], [4, 5]], equation="ij,jk,kl->il"), "equation",
     "Einsum equation has 3 inputs (ij, jk, kl) but the node has 2"),
    (graph_of("Einsum", [[3, 4], [4, 5]], equation="bij,bjk->bik"), "equation",
     "Einsum equation names 3 dimensions for input 0 (bij), but one sample of it is [3, 4] (the batch is left "
     "out of the equation)"),
    (graph_of("Einsum", [[3, 4], [5, 6]], equation="ij,jk->ik"), "equation",
     "Einsum letter 'j' stands for sizes 4 and 5 (inputs [3, 4], [5, 6])"),
    (graph_of("Einsum", [[3, 4], [4, 5]], equation="ij,jk->iz"), "equation",
     "Einsum output letter 'z' is in none of the inputs"),
    (graph_of("Einsum", [[3, 4], [4, 5]], equation="ij,jk->ii"), "equation", "Einsum output names 'i' twice"),
    (graph_of("Einsum", [[3, 4], [4, 5]]), "equation", "Einsum needs equation"),
])
def test_bad_settings_name_the_node_and_the_field(graph, field, message):
    assert validate(graph)["errors"] == [{"node": "layer", "field": field, "message": message}]


@pytest.mark.parametrize(("graph", "message"), [
    (graph_of("Reparameterize", [[4], [3]]), "Reparameterize needs mu and logvar of one shape, got [4] and [3]"),
    (layer_graph("EmbeddingBag", [6], num_embeddings=5, embedding_dim=2),
     "EmbeddingBag expects int64 token ids, got float32 (set the Input's dtype to int64)"),
    (layer_graph("EmbeddingBag", [2, 6], "int64", num_embeddings=5, embedding_dim=2),
     "EmbeddingBag expects input of shape [L] (one bag of token ids), got [2, 6]"),
    (layer_graph("MaxPool3d", [2, 7, 6], kernel_size=2), "MaxPool3d expects input of shape [C, D, H, W], got [2, 7, 6]"),
    (layer_graph("InstanceNorm2d", [3, 1, 1]),
     "InstanceNorm2d needs more than one value per channel to normalise over, got input [3, 1, 1]"),
    (layer_graph("InstanceNorm1d", [3], affine=True), "InstanceNorm1d expects input of shape [C, L], got [3]"),
    (layer_graph("Dropout1d", [3, 4, 5]), "Dropout1d expects input of shape [C, L], got [3, 4, 5]"),
    (layer_graph("ZeroPad3d", [5, 6], padding=1), "ZeroPad3d expects input of shape [C, D, H, W] or [D, H, W], got "
                                                  "[5, 6]"),
    (graph_of("Einsum", [[3, 4], [4, 5]], "int64", equation="ij,jk->ik"),
     "Einsum expects float32 input, got int64 (token ids go through an Embedding first)"),
])
def test_inputs_that_do_not_fit_name_the_node(graph, message):
    assert validate(graph)["errors"] == [{"node": "layer", "message": message}]
