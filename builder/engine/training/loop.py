"""The training loop: any nn.Module on any Dataset, reporting through a callback.

The data lives on the training device as tensors; each epoch draws a permutation there and slices
batches out of it, so a step costs what a hand-written loop costs. The loss is summed on the device
and read back only every `log_every` steps, which is also when NaN/inf is caught; a run of fewer than
SHORT_RUN_STEPS steps in all logs every step, so even a one-batch run draws a curve.

Each epoch's wall time runs from the end of the previous epoch (or the start of training) to the end of
this one, evaluation, figures and checkpoint included: the times of all epochs add up to the run's, and
`samples_per_second` and the browser's ETA come from them rather than from the steps alone.

    >>> from torch import nn
    >>> ds = load_dataset("moons")
    >>> model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 2))
    >>> result = train(model, ds, TrainConfig.from_dict({"epochs": 2}, dataset=ds))
    >>> result.status
    'succeeded'
"""

from __future__ import annotations

import contextlib
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from builder.engine.settings import engine_settings

from . import augment, events, finetune, metrics, pictures
from .checkpoints import FILENAME, load_checkpoint, rng_state, save_checkpoint, set_rng_state
from .checks import build_loss, check_compatibility, check_validation, loss_targets, resolve_device
from .config import TrainConfig, default_loss
from .datasets import Dataset
from .errors import ConfigError
from .health import HEALTH_SECONDS, HealthMonitor
from .replay import locate_failure
from .stopping import ValLossWatch, best_metrics

Callback = Callable[[dict], None]
EVAL_BATCH = 1024  # evaluation batches: larger than training ones, memory permitting
SHORT_RUN_STEPS = 200  # below this many steps in all, every step is logged
CHECKPOINT_POINTS = 20_000  # the last metrics points a checkpoint carries (a resumed run restores them)
BOUNDARY_SECONDS = 0.05  # 2-D data: a decision boundary at most this often (and on the first and last epoch)
METRICS_SECONDS = 0.05  # metrics points go out together at most this often (and before each epoch's summary)


@dataclass
class TrainResult:
    status: str  # "succeeded" | "failed" | "stopped"
    metrics: dict[str, Any]
    history: list[dict[str, Any]] = field(default_factory=list)  # one summary per finished epoch
    confusion: list[list[int]] | None = None  # [true][predicted], classification runs that finish
    classes: list[str] | None = None
    error: str | None = None  # the plain message of a failed run
    node: str | None = None  # the graph node a failure inside the model came from, and its layer type
    layer: str | None = None
    checkpoint_path: str | None = None
    steps: int = 0
    epochs: int = 0  # finished epochs
    device: str = "cpu"
    # the model's state_dict (CPU copies) after its best epoch, metrics["best_epoch"]: runs with validation
    best_state: dict[str, torch.Tensor] | None = None


class _NonFiniteLoss(Exception):
    def __init__(self, value: float, step: int) -> None:
        self.value, self.step = value, step


def steps_per_epoch(n_train: int, batch_size: int) -> int:
    """Full batches, plus the remainder unless it is a single sample (BatchNorm can't train on one)."""
    full, rest = divmod(n_train, batch_size)
    return max(1, full + (1 if rest > 1 else 0))


def epoch_permutation(n: int, *, seed: int, epoch: int, device: torch.device) -> torch.Tensor:
    """The order of epoch `epoch`: a function of (seed, epoch) alone, so a resumed run draws the same one."""
    g = torch.Generator().manual_seed(seed * 1_000_003 + epoch)
    return torch.randperm(n, generator=g).to(device)


def build_optimizer(params, config: TrainConfig) -> torch.optim.Optimizer:
    lr, wd = config.lr, config.weight_decay
    if config.optimizer == "sgd":
        return torch.optim.SGD(
            params, lr=lr, momentum=config.momentum, nesterov=config.nesterov, weight_decay=wd
        )
    if config.optimizer == "adam":
        return torch.optim.Adam(params, lr=lr, weight_decay=wd)
    if config.optimizer == "adamw":
        return torch.optim.AdamW(params, lr=lr, weight_decay=wd)
    if config.optimizer == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, momentum=config.momentum, weight_decay=wd)
    raise ConfigError("optimizer", f"Unknown optimizer '{config.optimizer}'")


def build_scheduler(optimizer: torch.optim.Optimizer, config: TrainConfig, steps: int):
    """A scheduler stepped after every batch; `steps` is the steps in one epoch."""
    total = steps * config.epochs
    if config.scheduler == "step":
        return torch.optim.lr_scheduler.StepLR(
            optimizer, step_size=config.step_size * steps, gamma=config.gamma
        )
    if config.scheduler == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=total)
    if config.scheduler == "onecycle":  # each group peaks at its own rate (fine-tuning's lr multipliers)
        max_lr = [group["lr"] for group in optimizer.param_groups]
        return torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=max_lr, total_steps=total)
    return None


def train(
    model: nn.Module,
    dataset: Dataset,
    config: TrainConfig,
    *,
    callback: Callback | None = None,
    should_stop: Callable[[], bool] | None = None,
    checkpoint_dir: str | Path | None = None,
    resume_from: str | Path | None = None,
) -> TrainResult:
    """Train `model` in place and return how it went.

    A bad configuration raises ConfigError before any step runs. Everything that goes wrong once
    training has started (NaN/inf loss, out of memory, a shape error deep in the model) ends the run
    with status "failed" and a plain message instead. `should_stop()` is polled before every step;
    when it answers True the run ends "stopped" with a checkpoint written (given `checkpoint_dir`),
    from which `resume_from` continues to the same result as a run that was never stopped.
    Checkpoints are also written every `checkpoint_seconds` of training (engine settings; at a logged step
    or an epoch's end) and after the last epoch; each carries the run's epoch summaries and metrics
    points so far, and the weights of the best epoch.

    With validation, the weights of the epoch of lowest val loss are kept (`best_state`; `best_epoch` and
    `best_metrics` in the metrics). `config.early_stopping` ends the run "succeeded" after that many
    epochs without a fall of the val loss of more than `min_delta` (`stopped_early_at` in the metrics).

    `callback` gets the run's messages (builder.engine.training.events), the final one last.
    """
    emit: Callback = callback if callback is not None else (lambda event: None)
    device = resolve_device(config.device)
    loss_name = config.loss or default_loss(dataset.task)
    net = augment.wrap(model, config, dataset)  # resize, normalise, augment batches; `model` when none is set
    out_shape = check_compatibility(net, dataset, config)  # before anything moves or changes
    check_validation(dataset, config)
    classify = dataset.task == "classification"
    split = dataset.split(config.val_fraction, config.seed)

    # Precision: autocast on CUDA only; fp16 also needs a GradScaler.
    amp_dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(config.precision)
    if amp_dtype is not None and device.type != "cuda":
        emit(
            events.log(f"Mixed precision ({config.precision}) runs on CUDA only; training in fp32 on {device.type}")
        )
        amp_dtype = None
    autocast = torch.autocast("cuda", dtype=amp_dtype) if amp_dtype is not None else contextlib.nullcontext()
    scaler = torch.amp.GradScaler("cuda") if amp_dtype == torch.float16 else None

    # The whole dataset lives on the device.
    try:
        x_train = split.x_train.to(device)  # (N, *input_shape)
        y_train = loss_targets(split.y_train, dataset=dataset, loss=loss_name, outputs=out_shape[-1]).to(
            device
        )
        x_val = split.x_val.to(device)
        y_val = loss_targets(split.y_val, dataset=dataset, loss=loss_name, outputs=out_shape[-1]).to(device)
        labels_val = split.y_val.to(device) if classify else None
    except torch.OutOfMemoryError as e:
        size = (dataset.x.numel() * dataset.x.element_size()) / 2**20
        raise ConfigError("device", f"The dataset ({size:,.0f} MB) doesn't fit in {device} memory") from e
    n_train, n_val = x_train.shape[0], x_val.shape[0]

    net.to(device)  # the model, and the transforms' statistics
    loss_fn = build_loss(loss_name)
    optimizer = build_optimizer(finetune.param_groups(model, config.lr), config)  # frozen parameters left out
    per_epoch = steps_per_epoch(n_train, config.batch_size)
    scheduler = build_scheduler(optimizer, config, per_epoch)
    step_model: Callable[[torch.Tensor], torch.Tensor] = net
    if config.compile:
        step_model = torch.compile(net)
        emit(events.log("torch.compile is on: the first steps are slow while the model compiles"))

    torch.manual_seed(config.seed)  # dropout and every other random op of the model
    start_epoch, start_batch, step = 0, 0, 0
    history: list[dict[str, Any]] = []
    points: deque[events.MetricsPoint] = deque(maxlen=CHECKPOINT_POINTS)  # the last points, for checkpoints
    epoch_loss = torch.zeros((), device=device)  # sum of loss × batch size over this epoch
    epoch_seen = 0
    watch = ValLossWatch(patience=config.early_stopping, min_delta=config.min_delta)
    best_state: dict[str, torch.Tensor] | None = None  # the weights of watch.best_epoch
    stopped_early_at: int | None = None
    if resume_from is not None:
        ckpt = load_checkpoint(resume_from)
        try:
            model.load_state_dict(ckpt["model"])
        except RuntimeError as e:
            raise ConfigError("resume_from", f"The checkpoint doesn't fit this model: {e}") from e
        if ckpt.get("optimizer") is not None:  # a continued run may start its optimizer fresh (continuation)
            optimizer.load_state_dict(ckpt["optimizer"])
        if scheduler is not None and ckpt.get("scheduler") is not None:
            scheduler.load_state_dict(ckpt["scheduler"])
        if scaler is not None and ckpt.get("scaler") is not None:
            scaler.load_state_dict(ckpt["scaler"])
        start_epoch, start_batch, step = ckpt["epoch"], ckpt["batch"], ckpt["step"]
        epoch_loss = ckpt["epoch_loss"].to(device)
        epoch_seen = ckpt["epoch_seen"]
        history = list(ckpt.get("history", []))
        points.extend(ckpt.get("points", []))
        watch = ValLossWatch.replay(history, patience=config.early_stopping, min_delta=config.min_delta)
        # A continued run's patience counts from its own first epoch (its best is still the lineage's).
        watch.mark_epoch = max(watch.mark_epoch, ckpt.get("continued_at", 0))
        best_state = ckpt.get("best_state")
        set_rng_state(ckpt["rng"])
        emit(events.log(f"Resumed from {Path(resume_from).name} at epoch {start_epoch + 1}, step {step}"))

    ckpt_path = Path(checkpoint_dir) / FILENAME if checkpoint_dir is not None else None
    written: str | None = str(resume_from) if resume_from is not None else None

    last_checkpoint = time.perf_counter()
    checkpoint_seconds = engine_settings().checkpoint_seconds

    def checkpoint(epoch: int, batch: int) -> None:
        nonlocal written, last_checkpoint
        if ckpt_path is None:
            return
        save_checkpoint(
            ckpt_path,
            {
                "model": model.state_dict(),
                "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict() if scheduler is not None else None,
                "scaler": scaler.state_dict() if scaler is not None else None,
                "epoch": epoch,  # the epoch to run next (or to continue)
                "batch": batch,  # the batch of that epoch to run next
                "step": step,
                "epoch_loss": epoch_loss.detach().cpu(),
                "epoch_seen": epoch_seen,
                "rng": rng_state(),
                "history": history,
                "points": list(points),
                "best_state": best_state,
                "config": config.to_dict(),
                "dataset": dataset.name,
            },
        )
        written = str(ckpt_path)
        last_checkpoint = time.perf_counter()

    two_d = dataset.is_2d
    if two_d:
        x_range, y_range = metrics.data_range(dataset.x)
    batch_size = config.batch_size
    log_every = 1 if per_epoch * config.epochs < SHORT_RUN_STEPS else config.log_every
    run_start = epoch_mark = time.perf_counter()  # epoch_mark: where the epoch now running began
    status, error = "succeeded", None
    node: str | None = None
    layer: str | None = None
    last_eval: metrics.Evaluation | None = None
    last_boundary = last_health = -math.inf
    monitor: HealthMonitor | None = None
    if config.health:
        try:
            monitor = HealthMonitor.for_model(model, net, x_train, y_train, loss_fn)
        except Exception:  # the model fails on its data: the first step reports it, naming the node
            monitor = None
    units: pictures.UnitPictures | None = None
    maps: pictures.FeatureMaps | None = None
    if config.units:
        units = pictures.UnitPictures.for_model(model, x_range, y_range, device=device) if two_d else None
        maps = pictures.FeatureMaps.for_model(model, net, x_val, split.y_val, classify=classify)
    pictures_every, last_pictures = pictures.every_epochs(config.epochs), -math.inf
    unsent: list[events.MetricsPoint] = []  # points made since the last metrics message
    last_sent = -math.inf

    # The calls into the model, named so that a failure can replay the one that failed (see `replay`).
    def forward_batch() -> torch.Tensor:
        with autocast:
            return net(xb)

    def evaluate() -> metrics.Evaluation:
        return metrics.evaluate(
            net,
            x_val,
            y_val,
            labels_val,
            loss_fn,
            batch_size=max(batch_size, EVAL_BATCH),
            autocast=autocast,
            regression=dataset.task == "regression",
        )

    def boundary() -> dict:
        with autocast:
            return metrics.decision_boundary(model, x_range, y_range, device=device)

    replay: Callable[[], Any] = forward_batch  # the call running now: set per phase, never per step

    try:
        for epoch in range(start_epoch, config.epochs):
            replay = forward_batch
            net.train()
            finetune.hold_frozen_batchnorm(model)
            perm = epoch_permutation(n_train, seed=config.seed, epoch=epoch, device=device)
            first_batch = start_batch if epoch == start_epoch else 0
            if first_batch == 0:
                epoch_loss.zero_()
                epoch_seen = 0
            epoch_start = window_start = time.perf_counter()
            window_loss, window_seen = float(epoch_loss), epoch_seen
            seen_before = epoch_seen  # samples of this epoch run before a resume
            for batch in range(first_batch, per_epoch):
                if should_stop is not None and should_stop():
                    status = "stopped"
                    checkpoint(epoch, batch)
                    break
                idx = perm[batch * batch_size : (batch + 1) * batch_size]
                xb, yb = x_train[idx], y_train[idx]  # (B, *input_shape), (B,), (B, L) or (B, k)
                with autocast:
                    out = step_model(xb)  # (B, k), or (B, L, C): a class per position
                    loss = loss_fn(out, yb)
                optimizer.zero_grad(set_to_none=True)
                if scaler is not None:
                    scaler.scale(loss).backward()
                    if config.grad_clip is not None:
                        scaler.unscale_(optimizer)
                        nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
                    scaler.step(optimizer)
                    scaler.update()
                else:
                    loss.backward()
                    if config.grad_clip is not None:
                        nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
                    optimizer.step()
                lr = optimizer.param_groups[0]["lr"]  # the rate this step used
                if scheduler is not None:
                    scheduler.step()
                epoch_loss.add_(loss.detach(), alpha=xb.shape[0])  # stays on the device: no sync
                epoch_seen += xb.shape[0]
                step += 1

                if step % log_every == 0:
                    total = float(epoch_loss)  # the one sync every log_every steps
                    if not math.isfinite(total):
                        raise _NonFiniteLoss(total, step)
                    now = time.perf_counter()
                    point: events.MetricsPoint = {
                        "step": step,
                        "epoch": epoch + 1,
                        "train_loss": (total - window_loss) / max(1, epoch_seen - window_seen),
                        "lr": lr,
                        "samples_per_s": (epoch_seen - window_seen) / max(now - window_start, 1e-9),
                    }
                    points.append(point)
                    unsent.append(point)
                    if now - last_sent >= METRICS_SECONDS:
                        emit(events.metrics(unsent))
                        unsent, last_sent = [], now
                    window_loss, window_seen, window_start = total, epoch_seen, now
                    if now - last_checkpoint >= checkpoint_seconds and batch + 1 < per_epoch:
                        checkpoint(epoch, batch + 1)  # a long epoch: resume mid-way
            if status == "stopped":
                break

            train_loss = float(epoch_loss) / max(1, epoch_seen)
            if not math.isfinite(train_loss):
                raise _NonFiniteLoss(train_loss, step)
            elapsed = time.perf_counter() - epoch_start
            data: dict[str, Any] = {
                "epoch": epoch + 1,
                "epochs": config.epochs,
                "step": step,
                "train_loss": train_loss,
                "time_s": elapsed,
                "samples_per_s": (epoch_seen - seen_before) / max(elapsed, 1e-9),
            }
            if n_val:
                replay = evaluate
                last_eval = evaluate()
                data["val_loss"] = last_eval.loss
                if last_eval.accuracy is not None:
                    data["val_accuracy"] = last_eval.accuracy
                if last_eval.top5 is not None:
                    data["val_top5"] = last_eval.top5
                if last_eval.r2 is not None:
                    data["val_r2"] = last_eval.r2
                if watch.update(epoch + 1, last_eval.loss):  # cheap for these models: a copy off the device
                    best_state = {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}
            early = bool(n_val) and epoch + 1 < config.epochs and watch.should_stop(epoch + 1)
            last = epoch + 1 == config.epochs or early  # the last epoch's figures and checkpoint
            summary = dict(data)
            if watch.best_epoch is not None:
                data["best_epoch"] = watch.best_epoch
            data["norms"] = metrics.layer_norms(model)
            alerts: list[dict[str, str]] = []
            if monitor is not None and (epoch == start_epoch or last
                                        or time.perf_counter() - last_health >= HEALTH_SECONDS):
                try:
                    data["health"], alerts = monitor.measure(epoch + 1)
                except Exception as e:  # a measure that fails must not fail the run
                    monitor = None
                    emit(events.log(f"Training health is not measured for this model: {e}"))
                last_health = time.perf_counter()
                if alerts:
                    data["alerts"] = alerts
            if two_d and (last or epoch == start_epoch or time.perf_counter() - last_boundary >= BOUNDARY_SECONDS):
                replay = boundary
                data["boundary"] = boundary()
                last_boundary = time.perf_counter()
                if epoch == start_epoch:
                    data["points"] = metrics.sample_points(dataset.x, dataset.y, seed=config.seed)
            if (units or maps) and (last or epoch == start_epoch or (
                    (epoch + 1) % pictures_every == 0 and time.perf_counter() - last_pictures >= pictures.PICTURES_SECONDS)):
                try:
                    if units is not None:
                        data["units"] = units.measure()
                    if maps is not None:
                        data["feature_maps"] = maps.measure()
                except Exception as e:  # pictures that fail must not fail the run
                    units = maps = None
                    emit(events.log(f"Unit pictures are not drawn for this model: {e}"))
                last_pictures = time.perf_counter()
            history.append(summary)
            if last or time.perf_counter() - last_checkpoint >= checkpoint_seconds:
                checkpoint(epoch + 1, 0)
            now = time.perf_counter()
            wall = {
                "epoch_seconds": now - epoch_mark,  # the whole epoch: steps, evaluation, figures, checkpoint
                "samples_per_second": (epoch_seen - seen_before) / max(now - epoch_mark, 1e-9),
                "ended_at": time.time(),  # Unix seconds: how far into the next epoch the run is, for an ETA
            }
            epoch_mark = now
            summary.update(wall)  # after the checkpoint: a resumed run's history lacks this epoch's times
            data.update(wall)
            if unsent:  # the epoch's last points come before its summary
                emit(events.metrics(unsent))
                unsent, last_sent = [], now
            emit(events.epoch(data))  # type: ignore[arg-type]
            for alert in alerts:
                emit(events.log(alert["message"]))
            if early:
                stopped_early_at = epoch + 1
                emit(events.log(watch.message(epoch + 1)))
                break
    except _NonFiniteLoss as e:
        status = "failed"
        error = (
            f"The loss became {'NaN' if math.isnan(e.value) else 'infinite'} by step {e.step}; "
            "try a lower learning rate or gradient clipping"
        )
    except torch.OutOfMemoryError:
        status = "failed"
        error = (
            f"Out of memory on {device} at batch size {batch_size}; "
            "try a smaller batch size or a smaller model"
        )
        if device.type == "cuda":
            torch.cuda.empty_cache()
    except (RuntimeError, ValueError, IndexError) as e:
        status = "failed"
        # Error path only: replay the failing call node by node to name the node it failed in.
        place = f"at step {step + 1}" if replay is forward_batch else f"in evaluation after step {step}"
        located = locate_failure(model, replay)
        if located is not None:
            error, node, layer = located.at(place), located.node, located.layer
        else:
            error = f"Training failed {place}: {e}"

    final: dict[str, Any] = dict(history[-1]) if history else {"epochs": config.epochs}
    final.pop("step", None)
    final.update({"epoch": len(history), "steps": step, "time_s": time.perf_counter() - run_start})
    if status == "stopped" and epoch_seen:
        final["train_loss"] = float(epoch_loss) / epoch_seen  # the epoch the stop cut short
    if watch.best_epoch is not None:
        final["best_epoch"] = watch.best_epoch
        final["best_metrics"] = best_metrics(next(s for s in history if s["epoch"] == watch.best_epoch))
    if stopped_early_at is not None:
        final["stopped_early_at"] = stopped_early_at
    result = TrainResult(
        status=status,
        metrics=final,
        history=history,
        error=error,
        node=node,
        layer=layer,
        checkpoint_path=written,
        steps=step,
        epochs=len(history),
        device=str(device),
        best_state=best_state if watch.best_epoch is not None else None,
    )
    if (
        status == "succeeded"
        and labels_val is not None
        and last_eval is not None
        and last_eval.predictions is not None
    ):
        result.confusion = metrics.confusion_matrix(
            labels_val, last_eval.predictions, dataset.num_classes or 0
        )
        result.classes = list(dataset.classes or [])
    if unsent:  # a run stopped or failed mid-epoch: its last points before its final message
        emit(events.metrics(unsent))
    emit(events.final_of(result, files=["checkpoint"] if written else ()))
    return result

