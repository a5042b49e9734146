"""Reads: every query the web layers make, always scoped to the requesting user."""

from __future__ import annotations

import json

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from builder.models import (
    Architecture,
    ArchitectureVersion,
    LibraryBlock,
    RunStatus,
    Sweep,
    TrainingRun,
    UploadedDataset,
    WeightsFile,
)


def architecture_list(*, owner: AbstractBaseUser) -> QuerySet[Architecture]:
    return Architecture.objects.filter(owner=owner)


def architecture_get(*, owner: AbstractBaseUser, architecture_id: int) -> Architecture:
    """The owner's architecture; 404 for a missing id and for another user's alike."""
    arch = Architecture.objects.filter(owner=owner, pk=architecture_id).first()
    if arch is None:
        raise Http404(f"No architecture {architecture_id}")
    return arch


def architecture_version_get(*, architecture: Architecture, version: int | None = None) -> ArchitectureVersion:
    v = architecture.versions.filter(version=version or architecture.version).first()
    if v is None:
        raise Http404(f"Architecture {architecture.pk} has no version {version}")
    return v


def run_list(
    *, owner: AbstractBaseUser, status: str | None = None, architecture_id: int | None = None
) -> QuerySet[TrainingRun]:
    runs = TrainingRun.objects.filter(owner=owner)
    if status:
        runs = runs.filter(status=status)
    if architecture_id:
        runs = runs.filter(architecture_id=architecture_id)
    return runs


# The order workers claim queued runs in: highest priority first, then the oldest.
CLAIM_ORDER = ("-priority", "created_at", "id")


def claimable() -> QuerySet[TrainingRun]:
    """The queued runs a worker may take (not held, no stop asked for), in the order it takes them."""
    return TrainingRun.objects.filter(status=RunStatus.QUEUED, stop_requested=False, held=False).order_by(*CLAIM_ORDER)


def queue_position(run: TrainingRun) -> int | None:
    """1 for the run a worker takes next, 2 for the one after...; None for a run that isn't claimable."""
    if run.status != RunStatus.QUEUED or run.held or run.stop_requested:
        return None
    ahead = claimable().filter(
        Q(priority__gt=run.priority)
        | Q(priority=run.priority, created_at__lt=run.created_at)
        | Q(priority=run.priority, created_at=run.created_at, id__lt=run.pk))
    return ahead.count() + 1


def queue_positions() -> dict[int, int]:
    """Every claimable run's place in the queue (as `queue_position` gives it) by run id, in one query."""
    return {pk: place for place, pk in enumerate(claimable().values_list("id", flat=True), start=1)}


def run_get(*, owner: AbstractBaseUser, run_id: int) -> TrainingRun:
    """The owner's run; 404 for a missing id and for another user's alike."""
    run = TrainingRun.objects.filter(owner=owner, pk=run_id).first()
    if run is None:
        raise Http404(f"No run {run_id}")
    return run


def run_summary(run: TrainingRun, positions: dict[int, int] | None = None) -> dict:
    """The JSON shape of a run in lists, status messages and snapshots. `positions` (`queue_positions()`)
    spares a list of runs a count per queued run; without it the run's place is counted."""
    duration = None
    if run.started_at:
        end = run.finished_at or timezone.now()
        duration = round((end - run.started_at).total_seconds(), 3)
    return {
        "id": run.pk,
        "name": run.name,
        "status": run.status,
        "dataset": run.dataset,
        "architecture": run.architecture_id,
        "architecture_version": run.architecture_version,
        "worker": run.worker,
        "device": run.device,
        "step": run.step,
        "epoch": run.epoch,
        "error": run.error,
        "final_metrics": {k: v for k, v in run.final_metrics.items() if k not in ("confusion", "classes")},
        "best_epoch": run.final_metrics.get("best_epoch"),
        "best_metrics": run.final_metrics.get("best_metrics"),
        "created_at": run.created_at.isoformat(),
        "started_at": run.started_at.isoformat() if run.started_at else None,
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "duration_s": duration,
        "priority": run.priority,
        "held": run.held,
        "queue_position": queue_position(run) if positions is None else positions.get(run.pk),
        "parent": run.parent_id,
        "sweep": run.sweep_id,
    }


def run_detail(run: TrainingRun) -> dict:
    return {
        **run_summary(run),
        "graph": run.graph,
        "dataset_options": run.dataset_options,
        "config": run.config,
        "final_metrics": run.final_metrics,
        "files": sorted(k for k in run.files if k != "onnx_error"),
        "onnx_error": run.files.get("onnx_error"),
        "traceback": run.error_traceback,  # the owner's eyes only: selectors are always owner-scoped
        "stop_requested": run.stop_requested,
    }


def run_events(*, run: TrainingRun, after: int | None = None) -> list[dict]:
    """The stored stream messages of a run, in order; `after`: only steps after that one."""
    events = run.events.all()
    if after is not None:
        # Points after STEP; other messages at STEP too (an epoch summary shares its step with the
        # metrics before it, and a client that has those may not have it yet).
        events = events.filter(Q(step__gt=after) | (Q(step=after) & ~Q(type="metrics")))
    out = []
    for e in events.order_by("id").values("type", "step", "data"):
        data = e["data"]
        if e["type"] == "metrics" and after is not None:
            data = {**data, "points": [p for p in data.get("points", []) if p.get("step", 0) > after]}
        out.append({"type": e["type"], "data": data})
    return out


def sweep_list(*, owner: AbstractBaseUser) -> QuerySet[Sweep]:
    return Sweep.objects.filter(owner=owner)


def sweep_get(*, owner: AbstractBaseUser, sweep_id: int) -> Sweep:
    """The owner's sweep; 404 for a missing id and for another user's alike."""
    sweep = Sweep.objects.filter(owner=owner, pk=sweep_id).first()
    if sweep is None:
        raise Http404(f"No sweep {sweep_id}")
    return sweep


def sweep_status(sweep: Sweep) -> str:
    """running while any run runs (queued while none has started), else how its runs ended: succeeded
    when all did, stopped when any was stopped, failed otherwise."""
    statuses = set(sweep.runs.values_list("status", flat=True))
    for active in (RunStatus.RUNNING, RunStatus.QUEUED):
        if active in statuses:
            return active
    if statuses <= {RunStatus.SUCCEEDED}:
        return RunStatus.SUCCEEDED
    return RunStatus.STOPPED if RunStatus.STOPPED in statuses else RunStatus.FAILED


def sweep_summary(sweep: Sweep) -> dict:
    return {"id": sweep.pk, "name": sweep.name, "status": sweep_status(sweep), "options": sweep.options,
            "runs": list(sweep.runs.order_by("id").values_list("id", flat=True)),
            "created_at": sweep.created_at.isoformat()}


def sweep_detail(sweep: Sweep) -> dict:
    """The sweep with each run's summary, its config, its graph's size (parameters, FLOPs) and its design's name."""
    from builder.engine.graph import validate

    sizes: dict[str, dict] = {}  # a sweep trains one or a few designs: measure each once

    def size(graph: dict) -> dict:
        key = json.dumps(graph, sort_keys=True)
        if key not in sizes:
            report = validate(graph)
            sizes[key] = {"params": report["params"], "flops": report["flops"]}
        return sizes[key]

    runs = [{**run_summary(r), "config": r.config, **size(r.graph),
             "architecture_name": r.architecture.name if r.architecture is not None else None}
            for r in sweep.runs.select_related("architecture").order_by("id")]
    return {**sweep_summary(sweep), "request": sweep.request, "runs": runs}


def run_pictures(*, run: TrainingRun) -> dict:
    """What the run last showed of its insides: the latest stored `units`, `feature_maps` and `health`."""
    def latest(*keys: str) -> dict | None:
        found = Q()
        for key in keys:
            found |= Q(data__has_key=key)
        return run.events.filter(found, type="epoch").order_by("-id").values_list("data", flat=True).first()

    drawn, measured = latest("units", "feature_maps"), latest("health")
    epoch = (drawn or measured or {}).get("epoch")
    return {"run": run.pk, "epoch": epoch, "units": (drawn or {}).get("units"),
            "feature_maps": (drawn or {}).get("feature_maps"), "health": (measured or {}).get("health")}


def run_snapshot(*, run: TrainingRun, after: int | None = None) -> dict:
    """What a watcher gets first: the run's state and every stored message (after `after`)."""
    return {"run": run_detail(run), "events": run_events(run=run, after=after)}


def dataset_list(*, owner: AbstractBaseUser) -> QuerySet[UploadedDataset]:
    return UploadedDataset.objects.filter(owner=owner)


def dataset_get(*, owner: AbstractBaseUser, dataset_id: int) -> UploadedDataset:
    """The owner's upload; 404 for a missing id and for another user's alike."""
    dataset = UploadedDataset.objects.filter(owner=owner, pk=dataset_id).first()
    if dataset is None:
        raise Http404(f"No dataset {dataset_id}")
    return dataset


def dataset_summary(dataset: UploadedDataset) -> dict:
    description = dataset.description
    return {
        "id": dataset.pk,
        "key": f"upload:{dataset.pk}",
        "name": dataset.name,
        "kind": dataset.kind,
        "size_bytes": dataset.size_bytes,
        "options": dataset.options,
        "task": description.get("task"),
        "input_shape": description.get("input_shape"),
        "dtype": description.get("dtype", "float32"),  # descriptions stored before int64 inputs were float32
        "samples": description.get("samples"),
        "classes": description.get("classes"),
        "target_size": description.get("target_size"),
        "created_at": dataset.created_at.isoformat(),
    }


def weights_get(*, owner: AbstractBaseUser, weights_id: int) -> WeightsFile:
    """The owner's weights file; 404 for a missing id and for another user's alike."""
    record = WeightsFile.objects.filter(owner=owner, pk=weights_id).first()
    if record is None:
        raise Http404(f"No weights file {weights_id}")
    return record


def weights_list(*, owner: AbstractBaseUser) -> QuerySet[WeightsFile]:
    return WeightsFile.objects.filter(owner=owner)


def weights_summary(record: WeightsFile) -> dict:
    return {"id": record.pk, "name": record.name, "size_bytes": record.size_bytes, "tensors": record.tensors,
            "created_at": record.created_at.isoformat()}


def library_block_list(*, owner: AbstractBaseUser) -> QuerySet[LibraryBlock]:
    return LibraryBlock.objects.filter(owner=owner)


def library_block_get(*, owner: AbstractBaseUser, block_id: int) -> LibraryBlock:
    """The owner's library block; 404 for a missing id and for another user's alike."""
    block = LibraryBlock.objects.filter(owner=owner, pk=block_id).first()
    if block is None:
        raise Http404(f"No library block {block_id}")
    return block


def library_block_out(block: LibraryBlock) -> dict:
    return {"id": block.pk, "name": block.name, "block": block.definition, "uses": block.uses,
            "input_shapes": block.input_shapes, "created_at": block.created_at}
