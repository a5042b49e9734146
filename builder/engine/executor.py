"""One run, executed in its own process: compile the graph, load the data, train, write the files.

Plain Python over the compiler and the engine; it knows nothing of Django. It talks to the worker
that started it through a pipe (one dict per message) and two events: `stop` (the user asked) and
`suspend` (the worker is shutting down: checkpoint and hand the run back).
"""

from __future__ import annotations

import os
import signal
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class RunSpec:
    """Everything the training process needs, as plain data (it crosses a process boundary)."""

    run_id: int
    graph: dict
    dataset: str  # a built-in dataset name (ignored for uploads)
    dataset_options: dict
    config: dict
    out_dir: str
    checkpoint_dir: str
    data_dir: str
    upload: dict | None = None  # {"path", "kind", "options", "max_bytes"} for an uploaded dataset
    resume_from: str | None = None
    continue_from: str | None = None  # a parent run's checkpoint this run continues from (not on resume)
    parent: int | None = None  # ... and that run's id, for the log
    init_weights: str | None = None  # a weights file loaded before the first step (not on resume)
    cuda_device: int | None = None
    engine: Any = None  # the EngineSettings in force where the run was queued (limits and folders)
    extra: dict[str, Any] = field(default_factory=dict)


def _load_dataset(spec: RunSpec):
    from builder.engine.training import UploadLimits, load_dataset, load_upload

    if spec.upload is not None:
        return load_upload(
            Path(spec.upload["path"]), kind=spec.upload["kind"], options=dict(spec.upload["options"]),
            limits=UploadLimits(max_bytes=spec.upload["max_bytes"]),
        )
    return load_dataset(spec.dataset, data_dir=spec.data_dir, **spec.dataset_options)


def execute(spec: RunSpec, conn, stop, suspend) -> None:
    """Process entry point: set the process up, run, and send the result through `conn`."""
    # The worker decides when this process ends: Ctrl-C or SIGTERM to the process group reach the
    # worker, which sets `suspend` so that this run checkpoints and is requeued.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _die_with_parent()
    if spec.engine is not None:  # a new process starts from the defaults: use the server's limits
        from builder.engine.settings import install_engine_settings

        install_engine_settings(spec.engine)
    if spec.cuda_device is not None:
        os.environ["CUDA_VISIBLE_DEVICES"] = str(spec.cuda_device)
    parent = os.getppid()

    def send(message: dict) -> None:
        try:
            conn.send(message)
        except (BrokenPipeError, OSError):
            os._exit(1)  # the worker is gone; its run will be recovered from the last checkpoint

    deferred: list[Callable[[], dict]] = []
    send(run(spec, send, stop=lambda: stop.is_set() or os.getppid() != parent, suspend=suspend.is_set,
             deferred=deferred))
    for job in deferred:  # the run has ended for its watchers; its slower files follow
        send(job())
    conn.close()


def run(spec: RunSpec, send: Callable[[dict], None], *, stop: Callable[[], bool],
        suspend: Callable[[], bool], deferred: list[Callable[[], dict]] | None = None) -> dict:
    """Train one run, sending its messages; returns its final message (builder.engine.training.events).

    The final message carries one more key for the worker alone, `outcome`: the files' paths, the
    checkpoint, a traceback, and whether the run was suspended (`suspend()`: the worker is leaving and
    will requeue it) rather than stopped (`stop()`: the user asked). Given `deferred`, the ONNX export
    (seconds, where the rest takes milliseconds) is left out: the final message lists it as pending and
    `deferred` gets the job that writes it and returns the `files` message that follows.
    """
    try:
        return _train(spec, send, stop, suspend, deferred)
    except Exception as e:  # a run-time error of this run: reported to the worker, never a crash
        from builder.engine.training import events

        node = getattr(e, "node", None)  # a RunPlanError: the data the process loaded doesn't fit this node
        return {**events.final("failed", message=_plain(e), node=node, layer=_layer_of(spec.graph, node)),
                "outcome": _outcome(traceback=traceback.format_exc())}


def _continued(spec: RunSpec, config, send: Callable[[dict], None]) -> str:
    """The checkpoint this run resumes from when it continues its parent's (see training.continuation)."""
    from builder.engine.training import events
    from builder.engine.training.checkpoints import load_checkpoint, save_checkpoint
    from builder.engine.training.continuation import continuation

    assert spec.continue_from is not None
    state, notes = continuation(load_checkpoint(spec.continue_from), config)
    path = save_checkpoint(Path(spec.checkpoint_dir) / "continued.pt", state)
    parent = f"run {spec.parent}" if spec.parent is not None else "its parent run"
    send(events.log(f"Continuing {parent} from epoch {state['epoch'] + 1}, step {state['step']}"
                    + (f"; {'; '.join(notes)}" if notes else "")))
    return str(path)


def _layer_of(graph: Any, node: str | None) -> str | None:
    nodes = graph.get("nodes") if isinstance(graph, dict) else None
    found = next((n for n in nodes or [] if isinstance(n, dict) and n.get("id") == node), None) if node else None
    return found.get("type") if found else None


def _outcome(*, files: dict | None = None, checkpoint: str | None = None, traceback: str = "",
             suspended: bool = False, steps: int | None = None, epochs: int | None = None) -> dict:
    return {"files": files or {}, "checkpoint": checkpoint or "", "traceback": traceback,
            "suspended": suspended, "steps": steps, "epochs": epochs}


def _plain(e: BaseException) -> str:
    return getattr(e, "message", None) or str(e) or type(e).__name__


def _die_with_parent() -> None:
    """Linux: end this process when its parent dies (even by SIGKILL), so no run trains twice.

    The parent is the worker's fork server, which ends when the worker does."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL)
    except OSError:
        pass  # elsewhere the parent-pid check in should_stop does the same, one step later


def _train(spec: RunSpec, send, stop, suspend, deferred: list | None) -> dict:
    import torch

    from builder.engine.training import (
        Dataset,
        events,
        export_preprocessing,
        plan_run,
        resolve_device,
        train,
        write_artifacts,
        write_onnx,
    )

    plan = plan_run(spec.graph, lambda: _load_dataset(spec), spec.config)  # as the submit checked it
    dataset, config = plan.dataset, plan.config
    assert isinstance(dataset, Dataset), "the training process checks the data itself, not its facts"
    torch.manual_seed(config.seed)  # the same seed gives the same initial weights
    model = plan.compile()
    resume_from = spec.resume_from
    if spec.continue_from and not resume_from:
        resume_from = _continued(spec, config, send)
    if spec.init_weights and not resume_from:
        from builder.engine.weights import load_into

        report = load_into(model, spec.init_weights)
        send(events.log(f"Started from uploaded weights: {len(report['matched'])} tensors"))
    device = resolve_device(config.device)
    params = sum(p.numel() for p in model.parameters())
    send(events.started(device=str(device), dataset=dataset.describe(), params=params))
    send(events.log(f"Training on {device}: {params:,} parameters"))

    if spec.resume_from:
        from builder.engine.training.checkpoints import load_checkpoint

        checkpoint = load_checkpoint(spec.resume_from)
        # The worker that died may not have stored all it was sent before: the checkpoint has it.
        send(events.resumed(step=int(checkpoint["step"]), history=list(checkpoint.get("history", [])),
                            points=list(checkpoint.get("points", []))))
    def forward(message: dict) -> None:
        if message["type"] not in events.FINAL_TYPES:  # the final message goes last, with the files
            send(message)

    result = train(
        model, dataset, config,
        callback=forward,
        should_stop=lambda: stop() or suspend(),
        checkpoint_dir=spec.checkpoint_dir,
        resume_from=resume_from,
    )
    suspended = result.status == "stopped" and suspend() and not stop()
    files: dict = {}
    pending: list[str] = []
    if result.status in ("succeeded", "stopped") and not suspended:
        model.to("cpu")
        out, preprocessing = Path(spec.out_dir), export_preprocessing(dataset, config)  # raw inputs in, target units out
        files = write_artifacts(model, spec.graph, out, checkpoint_path=result.checkpoint_path,
                                preprocessing=preprocessing, onnx=deferred is None, best_state=result.best_state)
        if deferred is not None:
            pending.append("onnx")
            kinds = set(files)

            def export() -> dict:
                made = write_onnx(model, plan.input["shape"], out, preprocessing=preprocessing)
                error = made.pop("onnx_error", None)
                return {**events.files(kinds | set(made), onnx_error=error), "outcome": {"files": made}}

            deferred.append(export)
    onnx_error = files.pop("onnx_error", None)
    outcome = _outcome(files=files, checkpoint=result.checkpoint_path, suspended=suspended,
                       steps=result.steps, epochs=result.epochs)
    return {**events.final_of(result, files=files, onnx_error=onnx_error, pending=pending), "outcome": outcome}
