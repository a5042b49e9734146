"""Sweeps: many runs from one request, with one check for them all (builder.services.sweeps)."""

from __future__ import annotations

from ninja import Router, Status

from builder import selectors
from builder.api.errors import ApiError, error_responses
from builder.api.graphs import require_graph_document
from builder.api.schemas import Id, SweepDetail, SweepIn, SweepPlanOut, SweepSummary
from builder.services import runs as run_services
from builder.services import sweeps as services

router = Router(tags=["sweeps"])


def _designs(request, payload: SweepIn) -> list[services.Design]:
    given = [k for k in ("graph", "architecture", "architectures") if getattr(payload, k) is not None]
    if len(given) != 1:
        raise ApiError(422, 'Give one of "graph", "architecture" or "architectures"',
                       [{"field": "graph", "message": "one of graph, architecture, architectures"}])
    if payload.graph is not None:
        require_graph_document(payload.graph)
        return [services.Design(payload.graph)]
    ids = [payload.architecture] if payload.architecture is not None else payload.architectures or []
    if not ids:
        raise ApiError(422, "architectures: give at least one architecture id",
                       [{"field": "architectures", "message": "empty"}])
    designs = []
    for architecture_id in dict.fromkeys(ids):
        architecture = selectors.architecture_get(owner=request.user, architecture_id=architecture_id)
        version = selectors.architecture_version_get(architecture=architecture)
        designs.append(services.Design(version.graph, architecture, version.version))
    return designs


SWEEP_ERRORS = error_responses(400, 401, 403, 404, 413, 422, 429)


def _sweep_parts(request, payload: SweepIn) -> dict:
    try:
        dataset = run_services.resolve_dataset(owner=request.user, dataset=payload.dataset,
                                               options=payload.dataset_options)
    except run_services.RunError as e:
        raise ApiError(e.status, str(e), e.errors) from e
    return {"owner": request.user, "designs": _designs(request, payload), "dataset": dataset,
            "config": payload.config, "grid": payload.grid, "random": payload.random}


@router.post("/check", response={200: SweepPlanOut, **SWEEP_ERRORS})
def sweep_check(request, payload: SweepIn):
    """What `POST /api/sweeps` would queue, checked the same way, without queueing anything."""
    parts = _sweep_parts(request, payload)
    try:
        return services.sweep_check(**parts).describe()
    except run_services.RunError as e:
        raise ApiError(e.status, str(e), e.errors) from e


@router.post("", response={201: SweepSummary, **SWEEP_ERRORS})
def sweep_create(request, payload: SweepIn):
    """Queue one run per combination of `grid` (or sample of `random`) and design, all checked first."""
    parts = _sweep_parts(request, payload)
    try:
        sweep = services.sweep_submit(**parts, name=payload.name)
    except run_services.RunError as e:
        raise ApiError(e.status, str(e), e.errors) from e
    return Status(201, selectors.sweep_summary(sweep))


@router.get("", response={200: list[SweepSummary], **error_responses(401)})
def sweep_list(request):
    return [selectors.sweep_summary(s) for s in selectors.sweep_list(owner=request.user)[:200]]


@router.get("/{int:sweep_id}", response={200: SweepDetail, **error_responses(401, 404, 422)})
def sweep_get(request, sweep_id: Id):
    return selectors.sweep_detail(selectors.sweep_get(owner=request.user, sweep_id=sweep_id))


@router.post("/{int:sweep_id}/stop", response={200: SweepSummary, **error_responses(401, 403, 404, 422)})
def sweep_stop(request, sweep_id: Id):
    """Stop every queued and running run of the sweep."""
    sweep = services.sweep_stop(sweep=selectors.sweep_get(owner=request.user, sweep_id=sweep_id))
    return selectors.sweep_summary(sweep)


@router.delete("/{int:sweep_id}", response={204: None, **error_responses(401, 403, 404, 422)})
def sweep_delete(request, sweep_id: Id):
    services.sweep_delete(sweep=selectors.sweep_get(owner=request.user, sweep_id=sweep_id))
    return Status(204, None)
