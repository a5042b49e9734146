"""Datasets: the built-in ones, and uploads (CSV, .npz, zip of image folders) with their previews."""

from __future__ import annotations

import json

from django.conf import settings
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from builder import selectors
from builder.api.errors import ApiError, error_responses
from builder.api.schemas import DatasetList, DatasetPreview, Id, UploadedDatasetOut
from builder.services import datasets as services
from builder.services.uploads import UploadError

router = Router(tags=["datasets"])


@router.get("", response={200: DatasetList, **error_responses(401)})
def dataset_list(request):
    from builder.engine.training import UPLOAD_OPTIONS, list_datasets

    return {
        "builtin": list_datasets(data_dir=settings.NETBUILDER_DATA_DIR),
        "uploads": [selectors.dataset_summary(d) for d in selectors.dataset_list(owner=request.user)],
        "max_upload_bytes": settings.NETBUILDER_MAX_UPLOAD_BYTES,
        "max_dataset_bytes": services.max_dataset_bytes(),
        "upload_options": {kind: [o.as_json() for o in options] for kind, options in UPLOAD_OPTIONS.items()},
    }


@router.get("/builtin/{name}/preview", response={200: DatasetPreview, **error_responses(401, 404, 422)})
def builtin_preview(request, name: str, options: str = "{}"):
    from builder.engine.training import DatasetError

    try:
        parsed = json.loads(options)
        if not isinstance(parsed, dict):
            raise ValueError("options must be a JSON object")
    except ValueError as e:
        raise ApiError(422, f"options: {e}", [{"field": "options", "message": str(e)}]) from e
    try:
        return services.builtin_preview(name, parsed)
    except DatasetError as e:
        field = getattr(e, "field", None) or "name"
        raise ApiError(404 if field == "dataset" else 422, str(e), [{"field": field, "message": str(e)}]) from e


@router.post("/uploads", response={201: UploadedDatasetOut, **error_responses(400, 401, 403, 413, 422)})
def dataset_upload(
    request,
    file: File[UploadedFile],
    name: Form[str] = "",
    kind: Form[str | None] = None,
    options: Form[str] = "{}",
):
    try:
        parsed = json.loads(options or "{}")
        if not isinstance(parsed, dict):
            raise ValueError("options must be a JSON object")
    except ValueError as e:
        raise ApiError(422, f"options: {e}", [{"field": "options", "message": str(e)}]) from e
    try:
        dataset = services.dataset_upload(owner=request.user, file=file, name=name, kind=kind, options=parsed)
    except UploadError as e:
        raise ApiError(e.status, str(e), [{"field": e.field or "file", "message": str(e)}]) from e
    return Status(201, {**selectors.dataset_summary(dataset), "preview": dataset.description})


@router.get("/uploads/{int:dataset_id}", response={200: UploadedDatasetOut, **error_responses(401, 404, 422)})
def dataset_get(request, dataset_id: Id):
    dataset = selectors.dataset_get(owner=request.user, dataset_id=dataset_id)
    return {**selectors.dataset_summary(dataset), "preview": dataset.description}


@router.delete("/uploads/{int:dataset_id}", response={204: None, **error_responses(401, 403, 404, 422)})
def dataset_delete(request, dataset_id: Id):
    services.dataset_delete(dataset=selectors.dataset_get(owner=request.user, dataset_id=dataset_id))
    return Status(204, None)
