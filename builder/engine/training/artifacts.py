"""The files a user takes home after a run: weights (the last and the best epoch's), model.py, graph.json,
checkpoint and ONNX."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import re
import shutil
import warnings
from collections.abc import Sequence
from pathlib import Path

import torch
from torch import nn

from .checkpoints import FILENAME
from .datasets import DTYPES

log = logging.getLogger(__name__)
BEST_FILENAME = "model-best.pth"


def write_artifacts(
    model: nn.Module,
    graph: dict | None,
    out_dir: str | Path,
    *,
    checkpoint_path: str | Path | None = None,
    onnx: bool = True,
    input_shape: Sequence[int] | None = None,
    preprocessing: dict | None = None,
    best_state: dict[str, torch.Tensor] | None = None,
) -> dict[str, str]:
    """Write model.pth, model.safetensors, model.py, graph.json, checkpoint.pt and model.onnx into `out_dir`,
    and model-best.pth given `best_state` (the run's `TrainResult.best_state`).

    Returns kind -> path for each file written. model.py and graph.json need the graph; ONNX needs the
    inputs: the graph's (or the compiled graph's own), each named after its Input node and in its dtype,
    or `input_shape` (without batch dimension) for one float32 input. When ONNX export fails the run still
    has its other files: the reason is returned under "onnx_error" instead of a path.

    `preprocessing` is the training data's scaling (`export_preprocessing(dataset, config)`): every file
    then takes raw inputs and answers in the target's units, the statistics held as the buffers
    `input_mean`, `input_std`, `target_mean`, `target_std` (see builder.engine.graph.preprocess). `model`
    itself is left as it is; the checkpoint, for resuming, holds the network alone. model-best.pth is
    model.pth with the network's tensors of the best epoch: the same keys, buffers and scaling.
    """
    if preprocessing:
        from builder.engine.graph.preprocess import attach

        traced = model if isinstance(model, torch.fx.GraphModule) else torch.fx.symbolic_trace(model)
        model = attach(traced, preprocessing)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, str] = {}
    signature: dict | None = None  # the graph's inputs and outputs, which name model.onnx's
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}

    torch.save(state, out / "model.pth")
    files["pth"] = str(out / "model.pth")
    if best_state is not None:
        torch.save(best_weights(state, best_state), out / BEST_FILENAME)
        files["best_pth"] = str(out / BEST_FILENAME)

    from safetensors.torch import save_file

    # safetensors refuses tensors that share memory (tied weights): give each its own copy.
    save_file({k: v.contiguous().clone() for k, v in state.items()}, str(out / "model.safetensors"))
    files["safetensors"] = str(out / "model.safetensors")

    if graph is not None:
        from builder.engine.graph import export_python, graph_io

        (out / "model.py").write_text(export_python(graph, preprocessing=preprocessing), encoding="utf-8")
        files["model_py"] = str(out / "model.py")
        (out / "graph.json").write_text(json.dumps(graph, indent=2) + "\n", encoding="utf-8")
        files["graph"] = str(out / "graph.json")
        signature = graph_io(graph)

    if checkpoint_path is not None:
        target = out / FILENAME
        if Path(checkpoint_path).resolve() != target.resolve():
            shutil.copyfile(checkpoint_path, target)
        files["checkpoint"] = str(target)

    if onnx:
        files.update(write_onnx(model, raw_input_shape(preprocessing) or input_shape, out, signature=signature))
    return files


def best_weights(state: dict[str, torch.Tensor], best: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """`state` (an exported model's, the scaling's buffers included) with the network's tensors from `best`."""
    from builder.engine.graph.preprocess import BUFFERS

    scaling = {name for pair in BUFFERS.values() for name in pair}
    assert set(state) - set(best) <= scaling, "the best epoch's weights are the same network's"
    return {k: best.get(k, v) for k, v in state.items()}


def write_onnx(model: nn.Module, input_shape: Sequence[int] | None, out_dir: str | Path, *,
               preprocessing: dict | None = None, signature: dict | None = None) -> dict[str, str]:
    """Write model.onnx (the slow one of a run's files): {"onnx": path}, or {"onnx_error": why not}.

    Its inputs and outputs are named after the graph's Input and Output nodes, each with its dtype and a
    dynamic batch: from `signature` (`graph_io(graph)`), else the compiled graph's own `meta["inputs"]` and
    `meta["outputs"]`; a module that has neither takes one float32 `input` of `input_shape` and gives one
    `output`. `input_shape` (without the batch) overrides the shape of a model's one input.
    `preprocessing` as for write_artifacts; None when `model` already carries it."""
    input_shape = raw_input_shape(preprocessing) or input_shape
    names = onnx_io(model, input_shape, signature)
    if names is None:
        return {"onnx_error": "ONNX export needs the model's inputs: a compiled graph, its graph, or an input shape"}
    if preprocessing:
        from builder.engine.graph.preprocess import attach

        traced = model if isinstance(model, torch.fx.GraphModule) else torch.fx.symbolic_trace(model)
        model = attach(traced, preprocessing)
    path = Path(out_dir) / "model.onnx"
    message = export_onnx(model, *names, path)
    return {"onnx": str(path)} if message is None else {"onnx_error": message}


def onnx_io(model: nn.Module, input_shape: Sequence[int] | None,
            signature: dict | None = None) -> tuple[list[dict], list[str]] | None:
    """The inputs ({"node", "shape", "dtype"} per sample) and output names model.onnx gets, or None when unknown."""
    meta = getattr(model, "meta", None) if isinstance(model, torch.fx.GraphModule) else None
    if signature is None and meta and "inputs" in meta:
        signature = {"inputs": meta["inputs"], "outputs": meta["outputs"]}
    if signature is None:
        if input_shape is None:
            return None
        return [{"node": "input", "shape": list(input_shape), "dtype": "float32"}], ["output"]
    inputs = [dict(i) for i in signature["inputs"]]
    if input_shape is not None and len(inputs) == 1:
        inputs[0]["shape"] = list(input_shape)  # the raw images a model that resizes them takes
    return inputs, [o["node"] for o in signature["outputs"]]


def raw_input_shape(preprocessing: dict | None) -> list[int] | None:
    """The sample shape a model exported with `preprocessing` takes, when it resizes its input."""
    resize = (preprocessing or {}).get("resize")
    return list(resize["from"]) if resize else None


_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")  # terminal colours in torch's messages
_TRANSLATING = re.compile(r"Error when translating node %(\w+)")
_MAX_MESSAGE = 2000  # characters of the exporter's own words kept in onnx_error


def example_inputs(inputs: list[dict], device: torch.device) -> tuple[torch.Tensor, ...]:
    """A batch of 2 per input (dim 0 stays dynamic), in its dtype: zeros, a token id every Embedding has."""
    return tuple(torch.zeros(2, *i["shape"], dtype=DTYPES[i["dtype"]], device=device) for i in inputs)


def export_onnx(model: nn.Module, inputs: list[dict], outputs: list[str], path: Path) -> str | None:
    """Export with inputs and outputs named so and a dynamic batch; return None, or the reason it can't be.

    The reason is plain text: it names the graph node and the operation the exporter has no ONNX for when
    it can tell, then the exporter's own message, without its terminal colours.
    """
    refusals = model.meta.get("onnx_refusals") if isinstance(model, torch.fx.GraphModule) else None
    if refusals:  # nodes the compiler knows torch would export wrong (an LSTM's projection)
        return "This model can't be exported to ONNX: " + "; ".join(refusals)
    try:
        import onnx  # noqa: F401  (torch.onnx needs it installed)
        import onnxscript  # noqa: F401
    except ImportError:
        return "ONNX export needs the onnx and onnxscript packages: pip install onnx onnxscript"
    param = next(model.parameters(), None)
    device = param.device if param is not None else torch.device("cpu")
    was_training = model.training
    model.eval()
    args = example_inputs(inputs, device)
    names = [i["node"] for i in inputs]
    try:
        # The exporter reports progress on stdout and warns freely; the CLI's stdout is for its JSON.
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                model,
                args,
                str(path),
                input_names=names,
                output_names=outputs,
                dynamic_axes={name: {0: "batch"} for name in [*names, *outputs]},
                dynamo=True,
                external_data=False,  # one self-contained file
                verbose=False,
            )
    except Exception as e:  # the exporter raises many kinds of error; any of them means "no ONNX"
        log.info("ONNX export failed", exc_info=True)
        path.unlink(missing_ok=True)
        return "This model can't be exported to ONNX: " + onnx_refusal(e, model, args)
    finally:
        model.train(was_training)
    return None


def onnx_refusal(error: BaseException, model: nn.Module, args: tuple[torch.Tensor, ...]) -> str:
    """What the exporter refused, in plain words: the graph node and its operation where it names one."""
    chain: list[str] = []
    seen: BaseException | None = error
    while seen is not None and len(chain) < 10:
        text = _ANSI.sub("", str(seen)).strip()
        if text and text not in chain:
            chain.append(text)
        seen = seen.__cause__ or seen.__context__
    if not chain:
        return type(error).__name__
    failing = next((m.group(1) for text in chain if (m := _TRANSLATING.search(text))), None)
    # The innermost message says what is missing; the outer ones are torch's generic advice around it.
    detail = chain[-1]
    if len(detail) > _MAX_MESSAGE:
        detail = detail[:_MAX_MESSAGE].rstrip() + " …"
    place = _exported_node(model, args, failing) if failing else None
    if place is None:
        return detail
    node, layer, op = place
    return f"node '{node}' ({layer}) uses {op}, which torch's ONNX exporter has no ONNX operator for: {detail}"


def _exported_node(model: nn.Module, args: tuple[torch.Tensor, ...], name: str) -> tuple[str, str, str] | None:
    """(graph node id, layer type, operation) of the exported program's node `name`, exported again to see it
    (this runs only when the export has failed)."""
    if not isinstance(model, torch.fx.GraphModule):
        return None
    from builder.engine.graph.compile import node_layers

    layers = node_layers(model)
    try:
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            program = torch.export.export(model, args, strict=False)
    except Exception:  # it exported this far once; if it can't again, the message stays torch's alone
        log.info("re-export to locate an ONNX failure failed", exc_info=True)
        return None
    found = next((n for n in program.graph.nodes if n.name == name), None)
    if found is None:  # the exporter names what its decompositions made (adaptive_max_pool1d → ..._pool2d)
        try:
            from torch.onnx._internal.exporter._decomp import create_onnx_friendly_decomposition_table

            program = program.run_decompositions(create_onnx_friendly_decomposition_table(set()))
        except Exception:  # a private torch API; without it the message stays torch's alone
            log.info("decomposing to locate an ONNX failure failed", exc_info=True)
            return None
        found = next((n for n in program.graph.nodes if n.name == name), None)
    if found is None:
        return None
    sources = list(found.meta.get("from_node") or [])
    while sources:  # the fx node of the compiled graph it came from: named after the graph node
        source = sources.pop(0)
        if source.name in layers:
            op = str(found.target).removesuffix(".default")
            return source.name, layers[source.name], op
        sources.extend(getattr(source, "from_node", None) or [])
    return None
