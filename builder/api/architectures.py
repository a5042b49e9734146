"""Saved architectures: create, list, get, update (a new version), duplicate, delete."""

from __future__ import annotations

from ninja import Router, Status

from builder import selectors
from builder.api.errors import error_responses
from builder.api.graphs import require_graph_document
from builder.api.schemas import (
    ArchitectureIn,
    ArchitectureOut,
    ArchitecturePatch,
    ArchitectureSummary,
    ArchitectureVersionOut,
    DuplicateIn,
    Id,
)
from builder.models import Architecture
from builder.services import architectures as services

router = Router(tags=["architectures"])


def _out(arch: Architecture) -> dict:
    return {
        "id": arch.pk,
        "name": arch.name,
        "version": arch.version,
        "created_at": arch.created_at,
        "updated_at": arch.updated_at,
        "graph": selectors.architecture_version_get(architecture=arch).graph,
        "versions": [{"version": v.version, "created_at": v.created_at} for v in arch.versions.all()],
    }


@router.get("", response={200: list[ArchitectureSummary], **error_responses(401)})
def architecture_list(request):
    return selectors.architecture_list(owner=request.user)


@router.post("", response={201: ArchitectureOut, **error_responses(400, 401, 403, 413, 422)})
def architecture_create(request, payload: ArchitectureIn):
    require_graph_document(payload.graph)
    arch = services.architecture_create(owner=request.user, name=payload.name, graph=payload.graph)
    return Status(201, _out(arch))


@router.get("/{int:architecture_id}", response={200: ArchitectureOut, **error_responses(401, 404, 422)})
def architecture_get(request, architecture_id: Id):
    return _out(selectors.architecture_get(owner=request.user, architecture_id=architecture_id))


@router.put(
    "/{int:architecture_id}", response={200: ArchitectureOut, **error_responses(400, 401, 403, 404, 413, 422)}
)
def architecture_update(request, architecture_id: Id, payload: ArchitecturePatch):
    arch = selectors.architecture_get(owner=request.user, architecture_id=architecture_id)
    if payload.graph is not None:
        require_graph_document(payload.graph)
    arch = services.architecture_update(architecture=arch, name=payload.name, graph=payload.graph)
    return _out(arch)


@router.get(
    "/{int:architecture_id}/versions/{int:version}",
    response={200: ArchitectureVersionOut, **error_responses(401, 404, 422)},
)
def architecture_version(request, architecture_id: Id, version: Id):
    arch = selectors.architecture_get(owner=request.user, architecture_id=architecture_id)
    v = selectors.architecture_version_get(architecture=arch, version=version)
    return {"id": arch.pk, "name": arch.name, "version": v.version, "graph": v.graph, "created_at": v.created_at}


@router.post(
    "/{int:architecture_id}/duplicate",
    response={201: ArchitectureOut, **error_responses(400, 401, 403, 404, 413, 422)},
)
def architecture_duplicate(request, architecture_id: Id, payload: DuplicateIn | None = None):
    arch = selectors.architecture_get(owner=request.user, architecture_id=architecture_id)
    copy = services.architecture_duplicate(architecture=arch, name=payload.name if payload else None)
    return Status(201, _out(copy))


@router.delete("/{int:architecture_id}", response={204: None, **error_responses(401, 403, 404, 422)})
def architecture_delete(request, architecture_id: Id):
    arch = selectors.architecture_get(owner=request.user, architecture_id=architecture_id)
    services.architecture_delete(architecture=arch)
    return Status(204, None)
