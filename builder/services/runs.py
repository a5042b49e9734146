"""Training runs: submit, claim, heartbeat, finish, stop, requeue, delete. The database is the queue."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from builder.engine.training import events
from builder.models import (
    ACTIVE_STATUSES,
    Architecture,
    RunEvent,
    RunStatus,
    TrainingRun,
    UploadedDataset,
    WeightsFile,
)
from builder.runs import stream
from builder.selectors import claimable

log = logging.getLogger("builder.runs")

# A run requeued after its worker died more often than this ends failed instead.
MAX_ATTEMPTS = 3


class RunError(Exception):
    """A request about runs that can't be honoured; `status` is the HTTP status it maps to."""

    def __init__(self, message: str, *, status: int = 400, errors: list[dict] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.errors = errors or []


@dataclass(frozen=True)
class DatasetRef:
    """What a run trains on: a built-in dataset with options, or a user's upload."""

    name: str
    options: dict
    upload: UploadedDataset | None = None

    @property
    def key(self) -> str:
        return f"upload:{self.upload.pk}" if self.upload else self.name


def wake_workers(run_id: int) -> None:
    """Wake the training workers after the transaction commits (they also poll the queue)."""
    layer = get_channel_layer()
    if layer is None:
        return

    def send() -> None:
        try:
            async_to_sync(layer.send)(stream.TRAINING_CHANNEL, {"type": "training.wake", "run": run_id})
        except Exception:  # the database is the source of truth; workers also poll it
            log.warning("waking the training workers failed", exc_info=True)

    transaction.on_commit(send)


def _publish(group: str, message: dict) -> None:
    """Send a stream message the server made to a group, after the commit that stores what it says."""
    layer = get_channel_layer()
    transaction.on_commit(lambda: async_to_sync(stream.publish)(layer, group, message))


def run_publish(run_id: int, message: dict) -> None:
    _publish(stream.run_group(run_id), message)


def broadcast_status(run: TrainingRun, positions: dict[int, int] | None = None) -> None:
    """A run's `status` message to its watchers and its owner's run list: its data is exactly the
    summary `GET /api/runs` lists, so a client replaces the row it has (`positions` as run_summary takes)."""
    from builder import selectors

    message = {"type": events.STATUS, "data": selectors.run_summary(run, positions)}
    run_publish(run.pk, message)
    _publish(stream.user_runs_group(run.owner_id), message)


def resolve_dataset(*, owner: AbstractBaseUser, dataset: str | int, options: dict | None = None) -> DatasetRef:
    """A built-in dataset name, or an upload's id (`upload:ID`, or the id itself) owned by `owner`."""
    from builder.engine.training import list_datasets

    options = dict(options or {})
    text = str(dataset)
    upload_id = text.removeprefix("upload:")
    if upload_id.isascii() and upload_id.isdigit():
        pk = int(upload_id)  # past 64 bits it names no row (and the database can't take it)
        upload = UploadedDataset.objects.filter(owner=owner, pk=pk).first() if pk < 2**63 else None
        if upload is None:
            raise RunError(f"No dataset {text}", status=404, errors=[{"field": "dataset", "message": "not found"}])
        return DatasetRef(name=upload.name, options=options, upload=upload)
    names = [d["name"] for d in list_datasets(data_dir=settings.NETBUILDER_DATA_DIR)]
    if text not in names:
        raise RunError(
            f"Unknown dataset '{text}'; choose one of {', '.join(names)} or an upload's id",
            errors=[{"field": "dataset", "message": "unknown dataset"}],
        )
    return DatasetRef(name=text, options=options)


def load_dataset_ref(ref: DatasetRef):
    """Load the dataset a run names, to check a submission against it."""
    from builder.engine.training import load_dataset, load_upload
    from builder.services.datasets import max_dataset_bytes, upload_limits

    if ref.upload is not None:
        return load_upload(Path(ref.upload.path), kind=ref.upload.kind, options=dict(ref.upload.options),
                           limits=upload_limits())
    # the options as a spec, not keywords: an option named like a keyword ("data_dir") is then refused by name
    spec = {"name": ref.name, "options": ref.options}
    return load_dataset(spec, data_dir=settings.NETBUILDER_DATA_DIR, max_bytes=max_dataset_bytes())


def dataset_facts(ref: DatasetRef):
    """What the run's dataset is without decoding it (an upload's stored description, or a built-in's
    spec and options), or None when an old upload's description lacks it. Refuses what loading would."""
    from builder.engine.training import DatasetFacts, describe_dataset
    from builder.services.datasets import max_dataset_bytes

    if ref.upload is not None:
        try:
            return DatasetFacts.of_description(ref.upload.description)
        except (KeyError, TypeError, ValueError):
            return None
    spec = {"name": ref.name, "options": ref.options}
    return describe_dataset(spec, data_dir=settings.NETBUILDER_DATA_DIR, max_bytes=max_dataset_bytes())


def dataset_to_check(ref: DatasetRef):
    """What a submission is checked against: the data itself when decoding it is cheap, else its facts
    (over NETBUILDER_CHECK_DECODE_BYTES): then no request decodes big data, and the run's own process loads
    and checks it before the first step, a problem there being the run's failure."""
    facts = dataset_facts(ref)
    if facts is not None and facts.decoded_bytes > settings.NETBUILDER_CHECK_DECODE_BYTES:
        return facts
    return load_dataset_ref(ref)


def _check_limits(*, owner: AbstractBaseUser, config: dict) -> None:
    # A sweep's runs count against NETBUILDER_MAX_SWEEP_RUNS instead (builder.services.sweeps).
    active = TrainingRun.objects.filter(owner=owner, status__in=ACTIVE_STATUSES, sweep__isnull=True).count()
    limit = settings.NETBUILDER_MAX_ACTIVE_RUNS
    if active >= limit:
        raise RunError(
            f"You already have {active} queued or running runs; the limit is {limit} "
            "(NETBUILDER_MAX_ACTIVE_RUNS). Wait for one to finish or stop one.",
            status=429,
        )
    # epochs: TrainConfig enforces NETBUILDER_MAX_EPOCHS (the engine settings' max_epochs), the number
    # GET /api/training/options advertises


@contextlib.contextmanager
def engine_errors() -> Iterator[None]:
    """The engine's refusals of a run (or a probe) as RunError: the graph's errors, or the config field,
    the dataset option, the Input or Output node at fault, each named in `errors`."""
    from builder.engine.graph import GraphError
    from builder.engine.training import ConfigError, DatasetError, RunPlanError

    try:
        yield
    except GraphError as e:
        raise RunError(f"The graph has {len(e.errors)} error(s): {e.errors[0]['message']}", errors=e.errors) from e
    except (ConfigError, DatasetError) as e:
        where = "dataset_options" if isinstance(e, DatasetError) else "config"
        field = f"{where}.{e.field}" if e.field else where
        raise RunError(f"{field}: {e.message}", errors=[{"field": field, "message": e.message}]) from e
    except RunPlanError as e:
        raise RunError(e.message, errors=[e.to_dict()] if e.node or e.field else None) from e


def run_check(
    *, owner: AbstractBaseUser, graph: dict, dataset: DatasetRef, config: dict, init_weights: WeightsFile | None = None,
    data=None, active_limit: bool = True,
) -> dict:
    """Everything that must hold before a run is queued; returns what the run will be:
    `{"config", "dataset", "input", "output", "loss"}` (the normalised config, the dataset's description,
    the graph's Input and Output with their shapes, and the loss class the run trains with).

    Raises RunError listing the graph's errors, the configuration field at fault, or the mismatch of
    model, loss and dataset in plain words. `data`: the dataset (or its facts, `dataset_to_check`) when the
    caller has it already; `active_limit`: False for a sweep's runs, which have a limit of their own.
    """
    from builder.engine.training import plan_run

    if active_limit:
        _check_limits(owner=owner, config=config)
    with engine_errors():
        plan = plan_run(graph, data if data is not None else (lambda: dataset_to_check(dataset)), config)
    if init_weights is not None:
        check_init_weights(graph=graph, record=init_weights)
    return plan.describe()


def check_init_weights(*, graph: dict, record: WeightsFile) -> None:
    """Weights a run starts from must fit its graph key by key and shape by shape."""
    from builder.engine import weights

    try:
        report = weights.match_state_dict(graph, weights.read_state_dict(record.path))
    except weights.WeightsError as e:
        raise RunError(f"init_weights: {e.message}", errors=[{"field": "init_weights", "message": e.message}]) from e
    if not report["ok"]:
        message = weights.summary(report)
        raise RunError(message, errors=[{"field": "init_weights", "message": message, "report": report}])


def run_submit(
    *,
    owner: AbstractBaseUser,
    graph: dict,
    dataset: DatasetRef,
    config: dict,
    architecture: Architecture | None = None,
    architecture_version: int | None = None,
    name: str = "",
    init_weights: WeightsFile | None = None,
) -> TrainingRun:
    """Check and queue a run, then wake the workers (they also poll, so a lost wake-up loses nothing).

    The check (which may load the dataset) holds no transaction: only the insert touches the database.
    """
    normalised = run_check(owner=owner, graph=graph, dataset=dataset, config=config, init_weights=init_weights)["config"]
    run = TrainingRun.objects.create(
        owner=owner,
        architecture=architecture,
        architecture_version=architecture_version,
        name=name or graph.get("name", ""),
        graph=graph,
        dataset=dataset.key,
        dataset_options=dataset.options,
        config=normalised,
        init_weights=init_weights,
    )
    wake_workers(run.pk)
    broadcast_status(run)
    return run


def run_claim(*, worker: str) -> TrainingRun | None:
    """Atomically take the first claimable run (`claimable`) for `worker`, or None when there is none."""
    now = timezone.now()
    with transaction.atomic():
        queued = claimable()
        if connection.vendor == "postgresql":
            run = queued.select_for_update(skip_locked=True).first()
            if run is None:
                return None
            TrainingRun.objects.filter(pk=run.pk).update(
                status=RunStatus.RUNNING, worker=worker, started_at=run.started_at or now,
                heartbeat_at=now, attempts=F("attempts") + 1,
            )
        else:
            # SQLite: a conditional UPDATE is atomic; whoever changes the row first owns it.
            while True:
                run = queued.first()
                if run is None:
                    return None
                claimed = claimable().filter(pk=run.pk).update(  # still claimable: not taken, held or stopped
                    status=RunStatus.RUNNING, worker=worker, started_at=run.started_at or now,
                    heartbeat_at=now, attempts=F("attempts") + 1,
                )
                if claimed:
                    break
        run = TrainingRun.objects.get(pk=run.pk)
        broadcast_status(run)
    broadcast_queue()  # after the claim's transaction: it holds the row no longer than it must
    return run


def broadcast_queue(*, limit: int = 200) -> None:
    """Every queued run's place has moved: a status message for each of the first `limit` claimable runs,
    their places read from the one query that lists them."""
    runs = list(claimable()[:limit])
    positions = {run.pk: place for place, run in enumerate(runs, start=1)}
    for run in runs:
        broadcast_status(run, positions)


def _queued(run: TrainingRun, action: str) -> TrainingRun:
    run = TrainingRun.objects.select_for_update().get(pk=run.pk)
    if run.status != RunStatus.QUEUED:
        raise RunError(f"Only a queued run can be {action}; run {run.pk} is {run.status}", status=409,
                       errors=[{"field": "status", "message": f"run is {run.status}"}])
    return run


def run_hold(*, run: TrainingRun) -> TrainingRun:
    """Keep a queued run in the queue without letting a worker take it, until it is released."""
    with transaction.atomic():
        run = _queued(run, "held")
        run.held = True
        run.save(update_fields=["held"])
    broadcast_status(run)
    broadcast_queue()
    return run


def run_release(*, run: TrainingRun) -> TrainingRun:
    """Let workers take a held run again (at its place: priority, then age)."""
    with transaction.atomic():
        run = _queued(run, "released")
        run.held = False
        run.save(update_fields=["held"])
    wake_workers(run.pk)
    broadcast_status(run)
    broadcast_queue()
    return run


def run_set_priority(*, run: TrainingRun, priority: int) -> TrainingRun:
    """Move a queued run: workers take higher priorities first, then the oldest."""
    with transaction.atomic():
        run = _queued(run, "reprioritised")
        run.priority = priority
        run.save(update_fields=["priority"])
    broadcast_status(run)
    broadcast_queue()
    return run


def run_heartbeat(
    *, run_id: int, worker: str, step: int, epoch: int, trained_seconds: float | None = None
) -> bool:
    """Record that `worker` still runs `run_id` (and its training time over all attempts so far);
    returns whether the run should stop.

    True when a stop was asked for, and when the run is no longer this worker's (deleted, or
    recovered by another worker after a stall).
    """
    mine = TrainingRun.objects.filter(pk=run_id, worker=worker, status=RunStatus.RUNNING)
    fields: dict = {"heartbeat_at": timezone.now(), "step": step, "epoch": epoch}
    if trained_seconds is not None:
        fields["trained_seconds"] = trained_seconds
    if not mine.update(**fields):
        return True
    return mine.filter(stop_requested=True).exists()


def run_stop_requested(*, run_id: int, worker: str) -> bool:
    """Should this worker stop this run? (Read only; see `run_heartbeat`.)"""
    state = TrainingRun.objects.filter(pk=run_id).values_list("worker", "status", "stop_requested").first()
    return state is None or state[0] != worker or state[1] != RunStatus.RUNNING or state[2]


def run_started(*, run_id: int, worker: str, device: str) -> None:
    """The run's process is up and knows its device."""
    mine = TrainingRun.objects.filter(pk=run_id, worker=worker, status=RunStatus.RUNNING)
    if mine.update(device=device, heartbeat_at=timezone.now()):
        broadcast_status(mine.get())


@transaction.atomic
def run_events_resume(*, run_id: int, step: int, history: list[dict], points: list[dict]) -> None:
    """A run resumes from its checkpoint at `step`: drop the stored metrics and epoch summaries after it
    (the run sends them again; logs stay, they tell what happened) and restore, from the checkpoint's
    `history` and `points`, the epoch summaries and metrics points up to it that a dead worker never
    stored."""
    RunEvent.objects.filter(run_id=run_id, step__gt=step, type__in=(events.METRICS, events.EPOCH)).delete()
    stored = {e["epoch"] for e in RunEvent.objects.filter(run_id=run_id, type=events.EPOCH).values_list("data", flat=True)}
    last_stored = RunEvent.objects.filter(run_id=run_id, type=events.METRICS).aggregate(last=Max("step"))["last"] or 0
    missing = [p for p in points if last_stored < p["step"] <= step]
    restored = [{**events.metrics(missing), "step": missing[-1]["step"]}] if missing else []
    restored += [
        {"type": events.EPOCH, "step": summary.get("step", step), "data": {**summary, "restored": True}}
        for summary in history if summary["epoch"] not in stored
    ]
    run_events_append(run_id=run_id, events=sorted(restored, key=lambda e: e["step"]))  # points before epochs


def run_events_append(*, run_id: int, events: list[dict]) -> None:
    """Store stream messages in one write."""
    if events:
        RunEvent.objects.bulk_create(
            RunEvent(run_id=run_id, type=e["type"], step=int(e.get("step", 0)), data=e["data"]) for e in events
        )


@transaction.atomic
def run_finish(
    *,
    run_id: int,
    worker: str,
    status: str,
    metrics: dict | None = None,
    files: dict | None = None,
    error: str = "",
    traceback: str = "",
    checkpoint: str = "",
    final_event: dict | None = None,
    step: int | None = None,
    epoch: int | None = None,
) -> TrainingRun | None:
    """End a run this worker owns with its final status (and store its final stream message);
    None if it is no longer this worker's."""
    run = TrainingRun.objects.select_for_update().filter(pk=run_id, worker=worker, status=RunStatus.RUNNING).first()
    if run is None:
        return None
    run.status = status
    run.finished_at = timezone.now()
    run.final_metrics = metrics or {}
    run.files = files or {}
    run.error = error
    run.error_traceback = traceback
    run.checkpoint = checkpoint or run.checkpoint
    run.step = run.step if step is None else step
    run.epoch = run.epoch if epoch is None else epoch
    run.save()
    if final_event is not None:
        run_events_append(run_id=run.pk, events=[final_event])
    broadcast_status(run)
    return run


@transaction.atomic
def run_files_add(*, run_id: int, files: dict, event: dict) -> bool:
    """Files a run wrote after its final message (and the `files` message saying so); False if the run
    is gone."""
    run = TrainingRun.objects.select_for_update().filter(pk=run_id).first()
    if run is None:
        return False
    run.files = {**run.files, **files}
    run.save(update_fields=["files"])
    run_events_append(run_id=run_id, events=[event])
    return True


@transaction.atomic
def run_requeue(
    *, run_id: int, worker: str | None, checkpoint: str = "", reason: str = "", trained_seconds: float | None = None
) -> TrainingRun | None:
    """Put a running run back in the queue to resume from `checkpoint` (SIGTERM, or a dead worker)."""
    runs = TrainingRun.objects.select_for_update().filter(pk=run_id, status=RunStatus.RUNNING)
    if worker is not None:
        runs = runs.filter(worker=worker)
    run = runs.first()
    if run is None:
        return None
    run.status = RunStatus.QUEUED
    run.worker = ""
    run.checkpoint = checkpoint or run.checkpoint
    if trained_seconds is not None:
        run.trained_seconds = trained_seconds
    run.save()
    if reason:
        RunEvent.objects.create(run=run, type=events.LOG, step=run.step, data={"message": reason})
    broadcast_status(run)
    wake_workers(run.pk)
    return run


def runs_recover_stale(*, stale_seconds: int | None = None) -> list[int]:
    """Runs whose worker stopped heartbeating: requeue to resume from a checkpoint, or fail.

    Returns the ids it recovered.
    """
    stale_seconds = stale_seconds if stale_seconds is not None else settings.NETBUILDER_STALE_SECONDS
    cutoff = timezone.now() - timedelta(seconds=stale_seconds)
    stale = TrainingRun.objects.filter(status=RunStatus.RUNNING).filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True)
    )
    recovered = []
    for run in stale:
        worker = run.worker
        checkpoint = run_checkpoint_path(run.pk)
        if checkpoint.exists() and run.attempts < MAX_ATTEMPTS and not run.stop_requested:
            done = run_requeue(
                run_id=run.pk, worker=worker, checkpoint=str(checkpoint),
                reason=f"Worker {worker} stopped answering; resuming from the last checkpoint",
            )
        else:
            why = "a stop was asked for" if run.stop_requested else (
                "no checkpoint to resume from" if not checkpoint.exists() else f"{run.attempts} attempts")
            error = f"The worker running this run ({worker}) stopped answering ({why})."
            final = events.final(RunStatus.FAILED, message=error)
            done = run_finish(run_id=run.pk, worker=worker, status=RunStatus.FAILED, error=error,
                              final_event={**final, "step": run.step})
            if done is not None:
                run_publish(run.pk, final)
        if done is not None:
            recovered.append(run.pk)
    return recovered


@transaction.atomic
def run_stop(*, run: TrainingRun) -> TrainingRun:
    """Ask a run to stop: a queued run stops at once, a running one within one training step."""
    run = TrainingRun.objects.select_for_update().get(pk=run.pk)
    if run.status == RunStatus.QUEUED:
        run.status = RunStatus.STOPPED
        run.finished_at = timezone.now()
        run.stop_requested = True
        run.save()
        final = events.final(RunStatus.STOPPED, message="Stopped before it started")
        RunEvent.objects.create(run=run, type=final["type"], step=run.step, data=final["data"])
        broadcast_status(run)
        run_publish(run.pk, final)
        transaction.on_commit(broadcast_queue)
    elif run.status == RunStatus.RUNNING:
        run.stop_requested = True
        run.save(update_fields=["stop_requested"])
    return run


def run_file(run: TrainingRun, rel: str, filename: str) -> Path:
    """The run's file at `rel` under NETBUILDER_RUNS_DIR; RunError 404 when it isn't there (or points outside)."""
    runs_dir = Path(settings.NETBUILDER_RUNS_DIR).resolve()
    path = (runs_dir / rel).resolve()
    if runs_dir not in path.parents or not path.is_file():
        raise RunError(f"Run {run.pk}'s {filename} is missing on this server", status=404)
    return path


def run_weights_file(run: TrainingRun) -> Path:
    """The model.pth a run trained: 409 while it is still to be written, 404 when the run ended without one."""
    rel = run.files.get("pth")
    if rel is None:
        if run.status in (RunStatus.QUEUED, RunStatus.RUNNING):
            raise RunError(f"Run {run.pk} has no saved weights yet: they are written when it ends "
                           f"(status {run.status})", status=409, errors=[{"field": "run", "message": "no weights yet"}])
        raise RunError(f"Run {run.pk} has no saved weights (status {run.status})", status=404)
    return run_file(run, rel, "model.pth")


def run_files_dir(run_id: int) -> Path:
    """Where a run's files live; shared storage when workers run on several machines."""
    return Path(settings.NETBUILDER_RUNS_DIR) / str(run_id)


def run_checkpoint_path(run_id: int) -> Path:
    """The checkpoint the training process rewrites each epoch (and on stop)."""
    from builder.engine.training.checkpoints import FILENAME

    return run_files_dir(run_id) / "checkpoints" / FILENAME


def run_continue_path(run_id: int) -> Path:
    """A continued run's copy of its parent's checkpoint, taken when it was queued (the parent may go)."""
    return run_files_dir(run_id) / "checkpoints" / "parent.pt"


def run_continue(*, run: TrainingRun, epochs: int, config: dict | None = None) -> TrainingRun:
    """Queue a new run that trains `epochs` more epochs from `run`'s last checkpoint, with `config`'s
    options changed (training.continuation says what carries over)."""
    if run.status in (RunStatus.QUEUED, RunStatus.RUNNING):
        raise RunError(f"Run {run.pk} is {run.status}; a run can be continued once it has ended", status=409,
                       errors=[{"field": "run", "message": f"run is {run.status}"}])
    source = run_checkpoint_path(run.pk)
    if not source.is_file():
        raise RunError(f"Run {run.pk} has no checkpoint to continue from", status=409,
                       errors=[{"field": "run", "message": "no checkpoint"}])
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise RunError(f"epochs: the epochs to train on must be a whole number of at least 1, got {epochs!r}",
                       errors=[{"field": "epochs", "message": "at least 1"}])
    changes = dict(config or {})
    if "epochs" in changes:
        raise RunError('config.epochs: give the epochs to train on as "epochs", beside "config"',
                       errors=[{"field": "config.epochs", "message": "use epochs"}])
    merged = {**run.config, **changes, "epochs": run.epoch + epochs}
    dataset = resolve_dataset(owner=run.owner, dataset=run.dataset, options=run.dataset_options)
    normalised = run_check(owner=run.owner, graph=run.graph, dataset=dataset, config=merged)["config"]
    with transaction.atomic():  # no worker sees the run before its starting checkpoint is in place
        child = TrainingRun.objects.create(
            owner=run.owner, architecture=run.architecture, architecture_version=run.architecture_version,
            name=run.name, graph=run.graph, dataset=run.dataset, dataset_options=run.dataset_options,
            config=normalised, parent=run, priority=run.priority, step=run.step, epoch=run.epoch,
        )
        target = run_continue_path(child.pk)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source, target)  # the parent's file never changes again: share it
        except OSError:
            shutil.copyfile(source, target)
    wake_workers(child.pk)
    broadcast_status(child)
    return child


def run_delete(*, run: TrainingRun) -> None:
    """Delete a run and its files; a running run is asked to stop first (its worker finds it gone)."""
    if run.status == RunStatus.RUNNING:
        run_stop(run=run)
    run_id = run.pk
    run.delete()
    shutil.rmtree(run_files_dir(run_id), ignore_errors=True)
