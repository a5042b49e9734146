"""The compiler over HTTP: the layer catalog, templates, validate on every edit, and export."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from ninja import Body, Router

from builder import selectors
from builder.api.errors import ApiError, error_responses
from builder.api.schemas import (
    Catalog,
    ExportIn,
    GraphOut,
    MakeBlockIn,
    ProbeIn,
    ProbeOut,
    Template,
    UngroupIn,
    ValidationResult,
    file_answer,
)
from builder.engine import graph as compiler

router = Router(tags=["graphs"])


def require_graph_document(graph: Any) -> None:
    """Refuse what is not a `netbuilder.graph/1` document at all (a 422 naming the format)."""
    if not isinstance(graph, dict) or graph.get("format") != "netbuilder.graph/1":
        raise ApiError(
            422,
            "Not a graph: expected an object with \"format\": \"netbuilder.graph/1\"",
            [{"field": "format", "message": "must be \"netbuilder.graph/1\""}],
        )


@router.get("/layers", auth=None, response=Catalog)
def layer_catalog(request):
    return compiler.catalog_json()


@router.get("/templates", auth=None, response=list[Template])
def template_list(request):
    return compiler.list_templates()


@router.post("/graphs/validate", response={200: ValidationResult, **error_responses(400, 401, 403, 413, 422)})
def graph_validate(request, graph: Body[dict[str, Any]]):
    require_graph_document(graph)
    return compiler.validate(graph)


@router.post("/graphs/make-block", response={200: GraphOut, **error_responses(400, 401, 403, 413, 422)})
def graph_make_block(request, payload: MakeBlockIn):
    """The graph with `nodes` turned into block `name`, used once by a Block node in their place."""
    from builder.engine.graph.blocks import BlockEditError, make_block

    require_graph_document(payload.graph)
    try:
        return {"graph": make_block(payload.graph, payload.nodes, payload.name)}
    except BlockEditError as e:
        raise ApiError(400, e.message, [{"field": e.field, "message": e.message}]) from e


@router.post("/graphs/ungroup", response={200: GraphOut, **error_responses(400, 401, 403, 413, 422)})
def graph_ungroup(request, payload: UngroupIn):
    """The graph with Block node `node` written out as its copies' layers."""
    from builder.engine.graph.blocks import BlockEditError, ungroup

    require_graph_document(payload.graph)
    try:
        return {"graph": ungroup(payload.graph, payload.node)}
    except BlockEditError as e:
        raise ApiError(400, e.message, [{"field": e.field, "message": e.message}]) from e
    except compiler.GraphError as e:
        raise ApiError(400, f"The graph has {len(e.errors)} error(s): {e.errors[0]['message']}", e.errors) from e


@router.post("/graphs/probe", response={200: ProbeOut, **error_responses(400, 401, 403, 404, 409, 413, 422)})
def graph_probe(request, payload: ProbeIn):
    """One dataset sample through the graph: every node's output shape, statistics and a preview, with
    fresh weights or (`run`) the weights a run of the user's trained."""
    from builder.services import probe, runs

    require_graph_document(payload.graph)
    run = selectors.run_get(owner=request.user, run_id=payload.run) if payload.run is not None else None
    try:
        dataset = runs.resolve_dataset(owner=request.user, dataset=payload.dataset, options=payload.dataset_options)
        return probe.graph_probe(graph=payload.graph, dataset=dataset, sample=payload.sample, run=run)
    except runs.RunError as e:
        raise ApiError(e.status, str(e), e.errors) from e


@router.post(
    "/graphs/export",
    response=error_responses(400, 401, 403, 413, 422),
    openapi_extra=file_answer("text/x-python"),
)
def graph_export(request, payload: ExportIn):
    require_graph_document(payload.graph)
    try:
        source = compiler.export_python(payload.graph)
    except compiler.GraphError as e:
        raise ApiError(400, str(e), e.errors) from e
    response = HttpResponse(source, content_type="text/x-python; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="model.py"'
    return response
