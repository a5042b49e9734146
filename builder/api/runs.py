"""Training runs over HTTP: submit, list, read, metrics, stop, delete, download."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, HttpResponse
from ninja import Query, Router, Status

from builder import selectors
from builder.api.errors import ApiError
from builder.api.graphs import require_graph_document
from builder.api.schemas import RunIn
from builder.models import RunStatus
from builder.services import runs as services

router = Router(tags=["runs"])

DOWNLOADS = {
    "pth": ("pth", "model.pth", "application/octet-stream"),
    "safetensors": ("safetensors", "model.safetensors", "application/octet-stream"),
    "checkpoint": ("checkpoint", "checkpoint.pt", "application/octet-stream"),
    "py": ("model_py", "model.py", "text/x-python"),
    "onnx": ("onnx", "model.onnx", "application/octet-stream"),
    "graph": ("graph", "graph.json", "application/json"),
}
FILE_KINDS = {kind for kind, _, _ in DOWNLOADS.values()}


def _run_error(e: services.RunError) -> ApiError:
    return ApiError(e.status, str(e), e.errors)


@router.post("", response={201: dict})
def run_create(request, payload: RunIn):
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
        init_weights = None
        if payload.init_weights is not None:
            init_weights = selectors.weights_get(owner=request.user, weights_id=payload.init_weights)
        run = services.run_submit(
            owner=request.user, graph=graph, dataset=dataset, config=payload.config,
            architecture=architecture, architecture_version=version, name=payload.name, init_weights=init_weights,
        )
    except services.RunError as e:
        raise _run_error(e) from e
    return Status(201, selectors.run_detail(run))


@router.get("", response=list[dict])
def run_list(request, status: str | None = None, architecture: int | None = None):
    if status and status not in RunStatus.values:
        raise ApiError(422, f"Unknown status '{status}'; use one of {', '.join(RunStatus.values)}",
                       [{"field": "status", "message": "unknown status"}])
    runs = selectors.run_list(owner=request.user, status=status, architecture_id=architecture)
    return [selectors.run_summary(r) for r in runs[:500]]


@router.get("/{int:run_id}", response=dict)
def run_get(request, run_id: int):
    return selectors.run_detail(selectors.run_get(owner=request.user, run_id=run_id))


@router.get("/{int:run_id}/metrics", response=dict)
def run_metrics(request, run_id: int, after: int | None = Query(None, ge=0)):
    run = selectors.run_get(owner=request.user, run_id=run_id)
    return {"id": run.pk, "status": run.status, "events": selectors.run_events(run=run, after=after)}


@router.post("/{int:run_id}/stop", response=dict)
def run_stop(request, run_id: int):
    run = selectors.run_get(owner=request.user, run_id=run_id)
    if run.status not in (RunStatus.QUEUED, RunStatus.RUNNING):
        raise ApiError(409, f"Run {run_id} has already ended ({run.status})")
    return selectors.run_detail(services.run_stop(run=run))


@router.delete("/{int:run_id}", response={204: None})
def run_delete(request, run_id: int):
    services.run_delete(run=selectors.run_get(owner=request.user, run_id=run_id))
    return Status(204, None)


@router.get("/{int:run_id}/download")
def run_download(request, run_id: int, format: str = "pth"):
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
    path = (runs_dir / rel).resolve()
    if runs_dir.resolve() not in path.parents or not path.is_file():
        raise ApiError(404, f"Run {run_id}'s {filename} is missing on this server")
    return FileResponse(path.open("rb"), as_attachment=True, filename=filename, content_type=content_type)


