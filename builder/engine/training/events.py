"""The run protocol: every message of a run's stream, its payload and the final one, defined once.

A message is `{"type": ..., "data": ...}`. While it trains, a run emits `metrics` (the points of one
or more steps), `epoch` (one epoch's summary and figures) and `log`, then one final message,
`finished` | `failed` | `stopped`, built from the run's result by `final`; when that lists files still
`pending` (the ONNX export takes seconds), one `files` message follows. The server stores each
message and forwards it as it is; it adds only `snapshot` (what a new watcher has missed) and `status`
(the run's summary, as `GET /api/runs` lists it).

Two more types go from a training process to the worker that started it and are never streamed:
`started` (the device and the model's size) and `resumed` (where a resumed run continues).

    >>> log("Hello")
    {'type': 'log', 'data': {'message': 'Hello'}}
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Literal, NotRequired, TypedDict

if TYPE_CHECKING:
    from .loop import TrainResult

SNAPSHOT = "snapshot"
STATUS = "status"
METRICS = "metrics"
EPOCH = "epoch"
LOG = "log"
FINISHED = "finished"
FAILED = "failed"
STOPPED = "stopped"
FILES = "files"  # after the final message: a file that took longer (ONNX) is ready, or could not be made
# Training process -> worker only.
STARTED = "started"
RESUMED = "resumed"

# The final message type of each final run status.
FINAL_TYPE_OF_STATUS = {"succeeded": FINISHED, "failed": FAILED, "stopped": STOPPED}
FINAL_TYPES = frozenset(FINAL_TYPE_OF_STATUS.values())


class MetricsPoint(TypedDict):
    step: int
    epoch: int
    train_loss: float  # mean over the steps since the previous point
    lr: float
    samples_per_s: float


class MetricsData(TypedDict):
    step: int  # the last point's step
    points: list[MetricsPoint]


class EpochData(TypedDict):
    epoch: int
    epochs: int
    step: int
    train_loss: float
    time_s: float  # the epoch's steps
    samples_per_s: float
    epoch_seconds: float  # the whole epoch: steps, evaluation, figures, checkpoint
    samples_per_second: float
    ended_at: float  # Unix seconds
    val_loss: NotRequired[float]
    val_accuracy: NotRequired[float]
    val_top5: NotRequired[float]
    val_r2: NotRequired[float]
    best_epoch: NotRequired[int]  # runs with validation: the epoch of lowest val loss so far
    norms: NotRequired[dict[str, dict[str, float]]]
    boundary: NotRequired[dict[str, Any]]  # 2-D data: the decision boundary, at a rate a person can watch
    points: NotRequired[dict[str, Any]]  # 2-D data, first epoch: a sample of the data to draw under it
    restored: NotRequired[bool]  # a summary a resumed run restored from its checkpoint
    # per graph node, on a fixed batch (builder.engine.training.health), at a rate a person can watch:
    # act_mean, act_std, dead_fraction, saturated_fraction, grad_norm, update_ratio (None where it doesn't apply)
    health: NotRequired[dict[str, dict[str, float | None]]]
    alerts: NotRequired[list[dict[str, str]]]  # {"node", "kind": dead|saturated|exploding, "message"} starting now
    # builder.engine.training.pictures, at a rate a person can watch: 2-D data, every node with at most 64
    # outputs over the data's square, {node: {"size": S, "range": [lo, hi], "values": [[S*S] per unit]}};
    units: NotRequired[dict[str, dict[str, Any]]]
    # images, a fixed validation sample's feature maps: {"sample": {"index", "label", "prediction", "image"},
    # "nodes": {node: {"channels": [picture, ...], "of": C}}}
    feature_maps: NotRequired[dict[str, Any]]


class LogData(TypedDict):
    message: str


class FinalData(TypedDict):
    status: Literal["succeeded", "failed", "stopped"]
    # the last epoch's summary, the run's totals, a confusion matrix; with validation `best_epoch` and
    # `best_metrics` (that epoch's val_loss, val_accuracy, val_top5, val_r2), and `stopped_early_at` (an epoch)
    metrics: dict[str, Any]
    # the kinds of file written: pth, best_pth, safetensors, model_py, onnx, graph, checkpoint
    files: list[str]
    message: NotRequired[str]  # why it failed or stopped
    node: NotRequired[str]  # a failure inside the model: the graph node it came from
    layer: NotRequired[str]  # ... and that node's layer type
    onnx_error: NotRequired[str]
    pending: NotRequired[list[str]]  # kinds of file still being written: a `files` message follows


class FilesData(TypedDict):
    files: list[str]  # every kind of file the run has now
    onnx_error: NotRequired[str]


# {"type": one of the types above, "data": its payload (the typed dicts above)}
Message = dict[str, Any]


def log(message: str) -> Message:
    return {"type": LOG, "data": {"message": message}}


def metrics(points: list[MetricsPoint]) -> Message:
    return {"type": METRICS, "data": {"step": points[-1]["step"], "points": points}}


def epoch(data: EpochData) -> Message:
    return {"type": EPOCH, "data": data}


def final(
    status: str,
    metrics: dict[str, Any] | None = None,
    *,
    files: Iterable[str] = (),
    message: str | None = None,
    node: str | None = None,
    layer: str | None = None,
    onnx_error: str | None = None,
    pending: Iterable[str] = (),
) -> Message:
    """A run's final message: the one place it is put together."""
    data: dict[str, Any] = {"status": status, "metrics": dict(metrics or {}), "files": sorted(files)}
    if message:
        data["message"] = message
    if node is not None:
        data.update(node=node, layer=layer)
    if onnx_error:
        data["onnx_error"] = onnx_error
    if pending:
        data["pending"] = sorted(pending)
    return {"type": FINAL_TYPE_OF_STATUS[status], "data": data}


def final_of(result: TrainResult, *, files: Iterable[str] = (), onnx_error: str | None = None,
             pending: Iterable[str] = ()) -> Message:
    """The final message of a finished `train` call; a classification run's confusion matrix is
    part of its metrics."""
    metrics = dict(result.metrics)
    if result.confusion is not None:
        metrics.update(confusion=result.confusion, classes=result.classes)
    return final(result.status, metrics, files=files, message=result.error, node=result.node,
                 layer=result.layer, onnx_error=onnx_error, pending=pending)


def files(kinds: Iterable[str], *, onnx_error: str | None = None) -> Message:
    data: dict[str, Any] = {"files": sorted(kinds)}
    if onnx_error:
        data["onnx_error"] = onnx_error
    return {"type": FILES, "data": data}


def started(*, device: str, dataset: dict, params: int) -> Message:
    return {"type": STARTED, "data": {"device": device, "dataset": dataset, "params": params}}


def resumed(*, step: int, history: list[dict], points: list[MetricsPoint]) -> Message:
    """A resumed run continues after `step`; `history` and `points` are what its checkpoint holds of
    the epochs and steps before it (a worker that died may not have stored them all)."""
    return {"type": RESUMED, "data": {"step": step, "history": history, "points": points}}
