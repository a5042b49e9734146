"""Training runs over HTTP: submit, list, read, metrics, stop, delete, download."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import get_args

from django.conf import settings
from django.http import FileResponse, HttpResponse
from ninja import Query, Router, Status

from builder import selectors
from builder.api.errors import ApiError, error_responses
from builder.api.graphs import require_graph_document
from builder.api.schemas import (
    MAX_ID,
    FileKind,
    Id,
    RunContinueIn,
    RunDetail,
    RunIn,
    RunMetrics,
    RunPatchIn,
    RunPictures,
    RunPlan,
    RunSummary,
    RunWeightsOut,
    file_answer,
)
from builder.engine.training.errors import TrainingError
from builder.engine.training.inspect import load_state, state_stats
from builder.models import RunStatus
from builder.services import runs as services

router = Router(tags=["runs"])

DOWNLOADS = {
    "pth": ("pth", "model.pth", "application/octet-stream"),
    "best_pth": ("best_pth", "model-best.pth", "application/octet-stream"),  # the best epoch's weights
    "safetensors": ("safetensors", "model.safetensors", "application/octet-stream"),
    "checkpoint": ("checkpoint", "checkpoint.pt", "application/octet-stream"),
    "py": ("model_py", "model.py", "text/x-python"),
    "onnx": ("onnx", "model.onnx", "application/octet-stream"),
    "graph": ("graph", "graph.json", "application/json"),
}
FILE_KINDS = set(get_args(FileKind))
assert FILE_KINDS == {kind for kind, _, _ in DOWNLOADS.values()}, "a file kind without a download"
SUBMIT_ERRORS = error_responses(400, 401, 403, 404, 413, 422, 429)


def _run_error(e: services.RunError) -> ApiError:
    return ApiError(e.status, str(e), e.errors)


def _submission(request, payload: RunIn) -> dict:
    """The parts of a run request, resolved for `request.user` (404 for another user's ids)."""
    architecture = None
    version = None
    if payload.architecture is not None:
        architecture = selectors.architecture_get(owner=request.user, architecture_id=payload.architecture)
        v = selectors.architecture_version_get(architecture=architecture, version=payload.architecture_version)
        graph, version = v.graph, v.version
    elif payload.graph is not None:
        graph = payload.graph
    else:
        raise ApiError(422, "Give either \"graph\" or \"architecture\"",
                       [{"field": "graph", "message": "graph or architecture is required"}])
    require_graph_document(graph)
    try:
        dataset = services.resolve_dataset(owner=request.user, dataset=payload.dataset,
                                           options=payload.dataset_options)
    except services.RunError as e:
        raise _run_error(e) from e
    init_weights = None
    if payload.init_weights is not None:
        init_weights = selectors.weights_get(owner=request.user, weights_id=payload.init_weights)
    return {"graph": graph, "architecture": architecture, "architecture_version": version, "dataset": dataset,
            "init_weights": init_weights}


@router.post("/check", response={200: RunPlan, **SUBMIT_ERRORS})
def run_check(request, payload: RunIn):
    """What `POST /api/runs` would queue, checked the same way, without queueing anything."""
    parts = _submission(request, payload)
    try:
        return services.run_check(owner=request.user, graph=parts["graph"], dataset=parts["dataset"], config=payload.config,
                                  init_weights=parts["init_weights"])
    except services.RunError as e:
        raise _run_error(e) from e


@router.post("", response={201: RunDetail, **SUBMIT_ERRORS})
def run_create(request, payload: RunIn):
    parts = _submission(request, payload)
    try:
        run = services.run_submit(owner=request.user, config=payload.config, name=payload.name, **parts)
    except services.RunError as e:
        raise _run_error(e) from e
    return Status(201, selectors.run_detail(run))


@router.get("", response={200: list[RunSummary], **error_responses(401, 422)})
def run_list(request, status: str | None = None, architecture: Id | None = None):
    if status and status not in RunStatus.values:
        raise ApiError(422, f"Unknown status '{status}'; use one of {', '.join(RunStatus.values)}",
                       [{"field": "status", "message": "unknown status"}])
    runs = selectors.run_list(owner=request.user, status=status, architecture_id=architecture)
    positions = selectors.queue_positions()
    return [selectors.run_summary(r, positions) for r in runs[:500]]


@router.get("/{int:run_id}", response={200: RunDetail, **error_responses(401, 404, 422)})
def run_get(request, run_id: Id):
    return selectors.run_detail(selectors.run_get(owner=request.user, run_id=run_id))


@router.get("/{int:run_id}/metrics", response={200: RunMetrics, **error_responses(401, 404, 422)})
def run_metrics(request, run_id: Id, after: int | None = Query(None, ge=0, le=MAX_ID)):
    run = selectors.run_get(owner=request.user, run_id=run_id)
    return {"id": run.pk, "status": run.status, "events": selectors.run_events(run=run, after=after)}


@router.get("/{int:run_id}/pictures", response={200: RunPictures, **error_responses(401, 404, 422)})
def run_pictures(request, run_id: Id):
    """The run's latest pictures of its insides (epoch messages' `units`, `feature_maps`) and `health`."""
    return selectors.run_pictures(run=selectors.run_get(owner=request.user, run_id=run_id))


@router.post("/{int:run_id}/stop", response={200: RunDetail, **error_responses(401, 403, 404, 409, 422)})
def run_stop(request, run_id: Id):
    run = selectors.run_get(owner=request.user, run_id=run_id)
    if run.status not in (RunStatus.QUEUED, RunStatus.RUNNING):
        raise ApiError(409, f"Run {run_id} has already ended ({run.status})")
    return selectors.run_detail(services.run_stop(run=run))


@router.post("/{int:run_id}/continue", response={201: RunDetail, **SUBMIT_ERRORS, **error_responses(409)})
def run_continue(request, run_id: Id, payload: RunContinueIn):
    """A new run that trains `epochs` more epochs from this run's last checkpoint (`"parent"`: this run)."""
    run = selectors.run_get(owner=request.user, run_id=run_id)
    try:
        child = services.run_continue(run=run, epochs=payload.epochs, config=payload.config)
    except services.RunError as e:
        raise _run_error(e) from e
    return Status(201, selectors.run_detail(child))


@router.post("/{int:run_id}/hold", response={200: RunDetail, **error_responses(401, 403, 404, 409, 422)})
def run_hold(request, run_id: Id):
    """Keep a queued run from being taken by a worker until it is released."""
    return _queue_change(services.run_hold, request, run_id)


@router.post("/{int:run_id}/release", response={200: RunDetail, **error_responses(401, 403, 404, 409, 422)})
def run_release(request, run_id: Id):
    return _queue_change(services.run_release, request, run_id)


@router.patch("/{int:run_id}", response={200: RunDetail, **error_responses(400, 401, 403, 404, 409, 422)})
def run_patch(request, run_id: Id, payload: RunPatchIn):
    """A queued run's `priority`: workers take higher priorities first, then the oldest."""
    return _queue_change(services.run_set_priority, request, run_id, priority=payload.priority)


def _queue_change(change, request, run_id: int, **kwargs) -> dict:
    run = selectors.run_get(owner=request.user, run_id=run_id)
    try:
        return selectors.run_detail(change(run=run, **kwargs))
    except services.RunError as e:
        raise _run_error(e) from e


@router.delete("/{int:run_id}", response={204: None, **error_responses(401, 403, 404, 422)})
def run_delete(request, run_id: Id):
    services.run_delete(run=selectors.run_get(owner=request.user, run_id=run_id))
    return Status(204, None)


@router.get(
    "/{int:run_id}/download",
    response=error_responses(401, 404, 422),
    openapi_extra=file_answer(*sorted({t for _, _, t in DOWNLOADS.values()} | {"application/zip"})),
)
def run_download(request, run_id: Id, format: str = "pth"):
    run = selectors.run_get(owner=request.user, run_id=run_id)
    runs_dir = Path(settings.NETBUILDER_RUNS_DIR)
    if format == "zip":
        if not run.files:
            raise ApiError(404, f"Run {run_id} has no files yet (status {run.status})")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for key, rel in run.files.items():
                if key in FILE_KINDS and (runs_dir / rel).is_file():
                    archive.write(runs_dir / rel, arcname=Path(rel).name)
        response = HttpResponse(buffer.getvalue(), content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="run-{run_id}.zip"'
        return response
    if format not in DOWNLOADS:
        raise ApiError(422, f"Unknown format '{format}'; use one of {', '.join([*DOWNLOADS, 'zip'])}",
                       [{"field": "format", "message": "unknown format"}])
    key, filename, content_type = DOWNLOADS[format]
    rel = run.files.get(key)
    if rel is None:
        why = run.files.get("onnx_error") if format == "onnx" else None
        detail = f"Run {run_id} has no {filename}" + (f": {why}" if why else f" (status {run.status})")
        raise ApiError(404, detail)
    path = _stored_file(run, rel, filename)
    return FileResponse(path.open("rb"), as_attachment=True, filename=filename, content_type=content_type)


def _stored_file(run, rel: str, filename: str) -> Path:
    try:
        return services.run_file(run, rel, filename)
    except services.RunError as e:
        raise _run_error(e) from e


@router.get("/{int:run_id}/weights", response={200: RunWeightsOut, **error_responses(401, 404, 409, 422)})
def run_weights(request, run_id: Id):
    """Every parameter and buffer of the trained model: statistics, a histogram, the values of small ones."""
    run = selectors.run_get(owner=request.user, run_id=run_id)
    try:
        path = services.run_weights_file(run)
    except services.RunError as e:
        raise _run_error(e) from e
    try:
        tensors = state_stats(load_state(path))
    except TrainingError as e:
        raise ApiError(409, f"Run {run_id}'s {e}") from e
    return {"id": run.pk, "status": run.status, "tensors": tensors}
