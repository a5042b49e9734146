"""The files a user takes home after a run: weights (the last and the best epoch's), model.py, graph.json,
checkpoint and ONNX."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import shutil
import warnings
from collections.abc import Sequence
from pathlib import Path

import torch
from torch import nn

from .checkpoints import FILENAME

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
    input shape (from the graph, or `input_shape` without batch dimension). When ONNX export fails the
    run still has its other files: the reason is returned under "onnx_error" instead of a path.

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
        if input_shape is None:
            inputs = graph_io(graph)["inputs"]
            input_shape = inputs[0]["shape"] if len(inputs) == 1 else None

    if checkpoint_path is not None:
        target = out / FILENAME
        if Path(checkpoint_path).resolve() != target.resolve():
            shutil.copyfile(checkpoint_path, target)
        files["checkpoint"] = str(target)

    if onnx:
        files.update(write_onnx(model, raw_input_shape(preprocessing) or input_shape, out))
    return files


def best_weights(state: dict[str, torch.Tensor], best: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """`state` (an exported model's, the scaling's buffers included) with the network's tensors from `best`."""
    from builder.engine.graph.preprocess import BUFFERS

    scaling = {name for pair in BUFFERS.values() for name in pair}
    assert set(state) - set(best) <= scaling, "the best epoch's weights are the same network's"
    return {k: best.get(k, v) for k, v in state.items()}


def write_onnx(model: nn.Module, input_shape: Sequence[int] | None, out_dir: str | Path, *,
               preprocessing: dict | None = None) -> dict[str, str]:
    """Write model.onnx (the slow one of a run's files): {"onnx": path}, or {"onnx_error": why not}.

    `preprocessing` as for write_artifacts; None when `model` already carries it."""
    input_shape = raw_input_shape(preprocessing) or input_shape
    if input_shape is None:
        return {"onnx_error": "ONNX export needs a model with exactly one input of known shape"}
    if preprocessing:
        from builder.engine.graph.preprocess import attach

        traced = model if isinstance(model, torch.fx.GraphModule) else torch.fx.symbolic_trace(model)
        model = attach(traced, preprocessing)
    path = Path(out_dir) / "model.onnx"
    message = export_onnx(model, list(input_shape), path)
    return {"onnx": str(path)} if message is None else {"onnx_error": message}


def raw_input_shape(preprocessing: dict | None) -> list[int] | None:
    """The sample shape a model exported with `preprocessing` takes, when it resizes its input."""
    resize = (preprocessing or {}).get("resize")
    return list(resize["from"]) if resize else None


def export_onnx(model: nn.Module, input_shape: list[int], path: Path) -> str | None:
    """Export with a dynamic batch dimension; return None, or the reason it can't be exported."""
    try:
        import onnx  # noqa: F401  (torch.onnx needs it installed)
        import onnxscript  # noqa: F401
    except ImportError:
        return "ONNX export needs the onnx and onnxscript packages: pip install onnx onnxscript"
    param = next(model.parameters(), None)
    device = param.device if param is not None else torch.device("cpu")
    was_training = model.training
    model.eval()
    example = torch.zeros(
        2, *input_shape, device=device
    )  # (2, *input_shape): a batch of 2 keeps dim 0 dynamic
    try:
        # The exporter reports progress on stdout and warns freely; the CLI's stdout is for its JSON.
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                model,
                (example,),
                str(path),
                input_names=["input"],
                output_names=["output"],
                dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}},
                dynamo=True,
                external_data=False,  # one self-contained file
                verbose=False,
            )
    except Exception as e:  # the exporter raises many kinds of error; any of them means "no ONNX"
        log.info("ONNX export failed", exc_info=True)
        path.unlink(missing_ok=True)
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        return f"This model can't be exported to ONNX: {first}"
    finally:
        model.train(was_training)
    return None
