"""``TorchvisionModel``: a torchvision classification network as one node, random or pretrained.

Pretrained weights are read from a local folder laid out as torchvision's cache, never downloaded:
``<weights dir>/hub/checkpoints/<file>``, where the weights dir is the engine settings' ``weights_dir``
(the server's ``NETBUILDER_WEIGHTS_DIR``, else ``TORCH_HOME`` so an existing torch cache works as it is,
else ``<NETBUILDER_VAR_DIR>/weights``; see ``builder.engine.settings``), and ``<file>`` is
the basename of the weights' published URL (``resnet18-f37072fd.pth``). A missing file is a node
error naming both.

The head is the network's last ``nn.Linear`` (``fc`` of a ResNet, ``classifier.1`` of MobileNetV2,
``heads.head`` of ViT, ...): ``head: "replace"`` swaps it for a fresh ``Linear(in_features,
num_classes)``, ``"drop"`` for an ``Identity`` so the node hands on its features. State-dict keys are
``<node id>.<torchvision key>`` (``backbone.layer1.0.conv1.weight``), so torchvision's files load as
they are.

Validation builds nothing per call: what a shape rule needs (parameter count, head, published FLOPs)
is read once per architecture from a model built on the meta device, and cached.

    >>> from builder.engine.graph import validate
    >>> graph = {"format": "netbuilder.graph/1", "nodes": [
    ...     {"id": "x", "type": "Input", "params": {"shape": [3, 64, 64]}},
    ...     {"id": "net", "type": "TorchvisionModel", "params": {"arch": "resnet18", "head": "replace",
    ...                                                          "num_classes": 2}},
    ...     {"id": "y", "type": "Output"}],
    ...     "edges": [{"source": "x", "target": "net"}, {"source": "net", "target": "y"}]}
    >>> result = validate(graph)
    >>> result["ok"], result["output_shapes"], result["params"]
    (True, [[2]], 11177538)
"""

from __future__ import annotations

import functools
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from builder.engine.settings import engine_settings

from ..options import Option
from .catalog import Layer, Value, register
from .errors import NodeError

ARCHS = (
    "resnet18", "resnet34", "resnet50", "mobilenet_v2", "mobilenet_v3_small", "efficientnet_b0", "vgg11",
    "vit_b_16", "convnext_tiny",
)
MIN_SIZE = 32  # every architecture here halves its input five times
FIXED_SIZE = {"vit_b_16": 224}  # ViT's position embeddings fix its input size
_REFERENCE_SIZE = 224  # torchvision's published FLOPs are for 224×224 inputs


def weights_dir() -> Path:
    """The engine settings' ``weights_dir`` (``NETBUILDER_WEIGHTS_DIR``; read on every call)."""
    return Path(engine_settings().weights_dir)


def weights_path(arch: str) -> Path:
    """Where the default pretrained weights of ``arch`` are read from, as in torchvision's cache."""
    return weights_dir() / "hub" / "checkpoints" / arch_info(arch).weights_file


@dataclass(frozen=True)
class ArchInfo:
    """What validation needs to know of an architecture, read once from torchvision."""

    arch: str
    params: int
    head: str  # module path of the last Linear
    head_in: int
    head_out: int
    head_bias: bool
    gflops: float  # torchvision's published figure (multiply-accumulates, in billions) at 224×224
    weights_file: str
    mean: tuple[float, ...]
    std: tuple[float, ...]
    resize: int
    crop: int


@functools.cache
def arch_info(arch: str) -> ArchInfo:
    """Parameter count, head and metadata of ``arch``, from a model built on the meta device (no memory, no init)."""
    from torchvision.models import get_model, get_model_weights

    with torch.device("meta"):
        model = get_model(arch)
    head, linear = [(name, m) for name, m in model.named_modules() if isinstance(m, nn.Linear)][-1]
    weights = get_model_weights(arch).DEFAULT
    transforms = weights.transforms()
    return ArchInfo(
        arch=arch, params=sum(p.numel() for p in model.parameters()), head=head,
        head_in=linear.in_features, head_out=linear.out_features, head_bias=linear.bias is not None,
        gflops=float(weights.meta["_ops"]), weights_file=weights.url.rsplit("/", 1)[-1],
        mean=tuple(transforms.mean), std=tuple(transforms.std),
        resize=int(transforms.resize_size[0]), crop=int(transforms.crop_size[0]),
    )


def _head_params(info: ArchInfo, out: int) -> int:
    return info.head_in * out + (out if info.head_bias else 0)


def new_head_params(p: dict[str, Any]) -> int:
    """Parameters of a replaced head: fresh, so they train even when the node is frozen."""
    return _head_params(arch_info(p["arch"]), p["num_classes"]) if p["head"] == "replace" else 0


def _count(p: dict[str, Any]) -> int:
    info = arch_info(p["arch"])
    if p["head"] == "keep":
        return info.params
    return info.params - _head_params(info, info.head_out) + new_head_params(p)


def _out_features(p: dict[str, Any]) -> int:
    info = arch_info(p["arch"])
    return {"keep": info.head_out, "replace": p["num_classes"], "drop": info.head_in}[p["head"]]


def _infer(t: str, p: dict[str, Any], xs: list[Value]) -> list[Value]:
    (x,) = xs
    if x.dtype != "float32":
        raise NodeError(f"{t} expects float32 images, got {x.dtype}")
    if len(x.shape) != 3 or x.shape[0] != 3:
        raise NodeError(f"{t} expects RGB images of shape [3, H, W], got [{', '.join(map(str, x.shape))}]")
    arch, (_, h, w) = p["arch"], x.shape
    fixed = FIXED_SIZE.get(arch)
    if fixed is not None and (h, w) != (fixed, fixed):
        raise NodeError(f"{arch} takes images of exactly {fixed}×{fixed}, got {h}×{w}", "arch")
    if min(h, w) < MIN_SIZE:
        raise NodeError(f"{arch} needs images of at least {MIN_SIZE}×{MIN_SIZE}, got {h}×{w}", "arch")
    if p["head"] == "replace" and p["num_classes"] is None:
        raise NodeError(f"{t} with head 'replace' needs num_classes", "num_classes")
    if p["head"] != "replace" and p["num_classes"] is not None:
        raise NodeError(f"num_classes only applies with head 'replace' (head is {p['head']!r})", "num_classes")
    return [Value((_out_features(p),))]


def _flops(p: dict[str, Any], xs: list[Value], ys: list[Value]) -> int:
    """torchvision's published figure, scaled from 224×224 to the input's area, with the head's share adjusted."""
    info = arch_info(p["arch"])
    _, h, w = xs[0].shape
    head = 2 * info.head_in * info.head_out
    body = 2e9 * info.gflops - head
    return round(body * h * w / _REFERENCE_SIZE**2) + 2 * info.head_in * ys[0].shape[0] * (p["head"] != "drop")


def _check(p: dict[str, Any]) -> list[NodeError]:
    if p["weights"] != "default":
        return []
    path = weights_path(p["arch"])
    if path.is_file():
        return []
    return [NodeError(f"{p['arch']} weights not found: place {path.name} in {path.parent.absolute()}/ "
                      "(weights are never downloaded; set NETBUILDER_WEIGHTS_DIR or TORCH_HOME to use another folder)",
                      "weights")]


def build_backbone(arch: str, *, weights: str = "none", head: str = "keep", num_classes: int | None = None) -> nn.Module:
    """The torchvision model a TorchvisionModel node compiles to: pretrained weights loaded, head swapped.

    Raises:
        NodeError: the weights file is missing or does not hold this architecture's weights.
    """
    from torchvision.models import get_model

    model = get_model(arch, weights=None)
    if weights == "default":
        problems = _check({"arch": arch, "weights": weights})
        if problems:
            raise problems[0]
        path = weights_path(arch)
        try:
            model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
        except pickle.UnpicklingError as e:  # torch's own message advises weights_only=False
            why = ("it holds Python objects, not only tensors, and was refused without running any of it"
                   if "GLOBAL" in str(e) else "it is not a PyTorch weights file")
            raise NodeError(f"{path} does not hold {arch}'s weights: {why}", "weights") from e
        except (RuntimeError, OSError, ValueError, EOFError) as e:
            raise NodeError(f"{path} does not hold {arch}'s weights: {str(e).splitlines()[0]}", "weights") from e
    info = arch_info(arch)
    if head != "keep":
        parent, _, name = info.head.rpartition(".")
        new: nn.Module = nn.Identity()
        if head == "replace":
            assert num_classes is not None, "the shape rule requires num_classes for a new head"
            new = nn.Linear(info.head_in, num_classes, bias=info.head_bias)
        setattr(model.get_submodule(parent), name, new)
    return model


def list_archs() -> list[dict[str, Any]]:
    """Every architecture a TorchvisionModel node takes, JSON-ready: counts, head, weights file and statistics."""
    from .expand import expand_problem

    out = []
    for arch in ARCHS:
        info = arch_info(arch)
        path = weights_path(arch)
        problem = expand_problem(arch)
        out.append({
            "arch": arch, "params": info.params, "gflops": info.gflops,
            "head": {"module": info.head, "in_features": info.head_in, "out_features": info.head_out},
            "weights": {"file": info.weights_file, "path": str(path.absolute()), "available": path.is_file()},
            "transforms": {"mean": list(info.mean), "std": list(info.std), "resize": info.resize, "crop": info.crop},
            "input": {"min_size": MIN_SIZE, "fixed_size": FIXED_SIZE.get(arch)},
            "expandable": problem is None, "expand_problem": problem,
        })
    return out


def head_prefix(p: dict[str, Any]) -> str | None:
    """The state-dict prefix of a replaced head inside the node (``fc.``), or None when the head is kept."""
    return arch_info(p["arch"]).head + "." if p["head"] == "replace" else None


register(Layer(
    type="TorchvisionModel", category="Pretrained",
    doc="A torchvision image classifier (ResNet, MobileNet, EfficientNet, VGG, ViT, ConvNeXt), random or "
        "pretrained; replace its head for your classes, or drop it to use the features.",
    params=(
        Option("arch", "choice", "Architecture.", default="resnet18", choices=ARCHS),
        Option("weights", "choice", "none: random initialisation; default: torchvision's pretrained weights, read "
                                   "from the weights folder.", default="none", choices=("none", "default")),
        Option("head", "choice", "keep the ImageNet classifier, replace it with one for num_classes, or drop it "
                                "to output features.", default="keep", choices=("keep", "replace", "drop")),
        Option("num_classes", "int", "Classes of the replaced head.", nullable=True, min=1, max=1 << 20),
    ),
    infer=_infer, count_params=_count, count_fresh=new_head_params, flops=_flops, check=_check,
    make=lambda p: build_backbone(p["arch"], weights=p["weights"], head=p["head"], num_classes=p["num_classes"]),
))
