"""The data pipeline's scaling, carried by the model a user takes home.

A dataset whose features are standardised (or whose image channels are normalised) and whose regression
target is standardised trains the network on scaled numbers. The exported model takes RAW inputs and
answers in the target's own units: it scales its input first and unscales its output last, with the
statistics held as buffers, so they travel in the state dict (model.pth, model.safetensors) and ONNX.

The scaling is plain data, the same for the GraphModule (:func:`attach`) and ``model.py``
(:func:`source_lines`)::

    {"resize": {"from": [C, h, w], "to": [H, W]},                        # x -> x resized (bilinear) to H × W
     "input": {"mean": [...], "std": [...], "shape": [F] | [C, 1, 1]},   # x -> (x - mean) / std
     "target": {"mean": [...], "std": [...]},                             # y -> y * std + mean
     "tokens": {"unit": "char" | "word", "vocab": [...], "length": L,    # texts -> token ids, by tokenize()
                "pad_id": 0, "unk_id": 1}}

Any part may be missing. `resize` is the training's `resize` option: the exported model takes the
dataset's images (`from`, e.g. Digits' 1 × 8 × 8) and resizes them to its Input's size itself. The buffers are named ``input_mean``, ``input_std``, ``target_mean`` and
``target_std``. Token ids are what forward() takes; ``tokens`` is the vocabulary text was read with, which
``model.py`` holds with a ``tokenize(texts)`` beside the class (:func:`tokenizer_lines`, the source of
:func:`encode_texts` itself):

    >>> import torch
    >>> gm = torch.fx.symbolic_trace(torch.nn.Identity())
    >>> net = attach(gm, {"input": {"mean": [1.0], "std": [2.0]}, "target": {"mean": [10.0], "std": [3.0]}})
    >>> net(torch.tensor([[5.0]])), sorted(net.state_dict())
    (tensor([[16.]]), ['input_mean', 'input_std', 'target_mean', 'target_std'])
"""

from __future__ import annotations

import copy
import inspect
import operator

import torch

BUFFERS = {"input": ("input_mean", "input_std"), "target": ("target_mean", "target_std")}


def buffers(preprocessing: dict | None) -> dict[str, torch.Tensor]:
    """The scaling's buffers by name, float32, shaped to broadcast over a batch."""
    out: dict[str, torch.Tensor] = {}
    for part, (mean_name, std_name) in BUFFERS.items():
        spec = (preprocessing or {}).get(part)
        if not spec:
            continue
        shape = list(spec.get("shape") or [len(spec["mean"])])
        out[mean_name] = torch.tensor(spec["mean"], dtype=torch.float32).reshape(shape)
        out[std_name] = torch.tensor(spec["std"], dtype=torch.float32).reshape(shape)
        assert bool((out[std_name] > 0).all()), f"{part} std must be above 0"
    return out


def attach(gm: torch.fx.GraphModule, preprocessing: dict | None) -> torch.fx.GraphModule:
    """A GraphModule sharing `gm`'s layers that scales its one input and unscales its one output.

    `gm` itself is left as it is; without any scaling it is returned unchanged.
    """
    tensors = buffers(preprocessing)
    resize = (preprocessing or {}).get("resize")
    if not tensors and not resize:
        return gm
    graph = copy.deepcopy(gm.graph)
    net = torch.fx.GraphModule(gm, graph, class_name=type(gm).__name__)
    net.meta.update(gm.meta)
    for name, tensor in tensors.items():
        assert not hasattr(gm, name), f"the model already has an attribute {name}"
        net.register_buffer(name, tensor.to(_device(gm)))
    if "input_mean" in tensors:
        (x,) = [n for n in graph.nodes if n.op == "placeholder"]  # a dataset feeds one input
        with graph.inserting_after(x):
            mean = graph.get_attr("input_mean")
        with graph.inserting_after(mean):
            std = graph.get_attr("input_std")
        with graph.inserting_after(std):
            centred = graph.call_function(operator.sub, (x, mean))
        with graph.inserting_after(centred):
            scaled = graph.call_function(operator.truediv, (centred, std))
        x.replace_all_uses_with(scaled, delete_user_cb=lambda user: user is not centred)
    if resize:  # first: the scaling comes after it, as in training
        (x,) = [n for n in graph.nodes if n.op == "placeholder"]
        with graph.inserting_after(x):
            resized = graph.call_function(torch.nn.functional.interpolate, (x,), {
                "size": tuple(resize["to"]), "mode": "bilinear", "align_corners": False})
        x.replace_all_uses_with(resized, delete_user_cb=lambda user: user is not resized)
    if "target_mean" in tensors:
        output = next(n for n in graph.nodes if n.op == "output")
        (y,) = output.args
        assert isinstance(y, torch.fx.Node), "a regression model trained on one target has one output"
        with graph.inserting_before(output):
            mean, std = graph.get_attr("target_mean"), graph.get_attr("target_std")
            unscaled = graph.call_function(operator.add, (graph.call_function(operator.mul, (y, std)), mean))
        output.args = (unscaled,)
    graph.lint()
    net.recompile()
    net.train(gm.training)
    return net


def source_lines(preprocessing: dict | None, input_name: str) -> tuple[list[str], list[str], str | None]:
    """``model.py``'s share: (``__init__`` lines, lines opening ``forward``, the template of its return).

    The return template holds ``{}`` where the network's output goes, or is None without a target scaling.
    """
    tensors = buffers(preprocessing)
    init: list[str] = []
    if tensors:
        init.append("        # The training data's scaling: forward() takes raw inputs and answers in the target's units.")
    for name, tensor in tensors.items():
        values = repr(tensor.flatten().tolist())
        reshape = f".reshape({', '.join(map(str, tensor.shape))})" if tensor.dim() > 1 else ""
        init.append(f'        self.register_buffer("{name}", torch.tensor({values}){reshape})')
    forward = []
    resize = (preprocessing or {}).get("resize")
    if resize:
        size = ", ".join(map(str, resize["to"]))
        forward.append(f"        {input_name} = nn.functional.interpolate({input_name}, size=({size}), mode=\"bilinear\", "
                       "align_corners=False)  # resized as in training")
    if "input_mean" in tensors:
        forward.append(f"        {input_name} = ({input_name} - self.input_mean) / self.input_std  # scaled as in training")
    unscale = "{} * self.target_std + self.target_mean" if "target_mean" in tensors else None
    return init, forward, unscale


def _device(module: torch.nn.Module) -> torch.device:
    tensor = next(iter([*module.parameters(), *module.buffers()]), None)
    return tensor.device if tensor is not None else torch.device("cpu")


def split_text(text: str, unit: str) -> list[str]:
    """A text's tokens: its characters (unit "char") or its words between whitespace ("word")."""
    return list(text) if unit == "char" else text.split()


def encode_texts(texts: list[str], unit: str, vocab: list[str], length: int | None, pad_id: int | None,
                 unk_id: int | None) -> torch.Tensor:
    """Token ids of `texts`, int64 (len(texts), length): their tokens (`split_text`) looked up in `vocab`, an unknown one as `unk_id` (left out when None), each text cut or padded
    with `pad_id` to `length` (None: its own length, the texts then of one length)."""
    index = {token: i for i, token in enumerate(vocab)}
    rows = []
    for text in texts:
        ids = [index.get(piece, unk_id) for piece in split_text(text, unit)]
        ids = [i for i in ids if i is not None]
        if length is not None:
            ids = ids[:length]
            if len(ids) < length:
                if pad_id is None:
                    raise ValueError(f"a text of {len(ids)} tokens needs {length}, and there is no padding")
                ids += [pad_id] * (length - len(ids))
        rows.append(ids)
    lengths = sorted({len(ids) for ids in rows})
    if len(lengths) > 1:
        raise ValueError(f"the texts have {lengths[0]} to {lengths[-1]} tokens, and without padding they must have one "
                         "length")
    return torch.tensor(rows, dtype=torch.int64)


def tokenizer_lines(preprocessing: dict | None) -> list[str]:
    """``model.py``'s module-level share for token inputs: the vocabulary, :func:`encode_texts` and ``tokenize()``."""
    spec = (preprocessing or {}).get("tokens")
    if not spec:
        return []
    return [
        "# The training data's tokenizer: tokenize(texts) gives the token ids forward() takes.",
        f"TOKENIZER = {spec!r}",
        "",
        "",
        *inspect.getsource(split_text).rstrip().splitlines(),
        "",
        "",
        *inspect.getsource(encode_texts).rstrip().splitlines(),
        "",
        "",
        "def tokenize(texts):",
        '    """Token ids (len(texts), length) of a list of texts, read as the training data was."""',
        "    return encode_texts(texts, **TOKENIZER)",
        "",
        "",
    ]
