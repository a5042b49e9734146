"""Pretrained models and imports over HTTP: torchvision backbones, expanding them, graph and weights files.

Thin: every endpoint checks its input and calls `builder.engine.graph` or `builder.engine.weights`.
"""

from __future__ import annotations

import json

from django.conf import settings
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from builder import selectors
from builder.api.errors import ApiError, error_responses
from builder.api.graphs import require_graph_document
from builder.api.schemas import (
    ExpandIn,
    Graph,
    Id,
    ImportedGraph,
    TorchvisionArch,
    WeightsCheck,
    WeightsFileOut,
)
from builder.engine import graph as compiler
from builder.engine import weights
from builder.services import weights as weights_services
from builder.services.uploads import UploadError

router = Router(tags=["models"])


def _graph_error(e: compiler.GraphError) -> ApiError:
    return ApiError(400, str(e), e.errors)


@router.get("/torchvision", auth=None, response=list[TorchvisionArch])
def torchvision_list(request):
    """Architectures a TorchvisionModel node takes, with counts, statistics and whether their weights file is here."""
    from builder.engine.graph.pretrained import list_archs

    return list_archs()


@router.post("/torchvision/{arch}/graph", response={200: Graph, **error_responses(400, 401, 403, 404, 422)})
def torchvision_graph(request, arch: str, num_classes: int | None = None, image_size: int = 224):
    """The whole architecture as an editable graph (query: `num_classes` replaces the head, `image_size`)."""
    if num_classes is not None and not 1 <= num_classes <= 1 << 20:
        raise ApiError(422, "num_classes must be at least 1", [{"field": "num_classes", "message": "at least 1"}])
    if not 32 <= image_size <= 1024:
        raise ApiError(422, "image_size must be from 32 to 1024", [{"field": "image_size", "message": "32 to 1024"}])
    try:
        return compiler.torchvision_graph(arch, num_classes, image_size=image_size)
    except compiler.GraphError as e:
        raise ApiError(404 if "unknown architecture" in e.errors[0]["message"] else 400, str(e), e.errors) from e


@router.post("/graphs/expand", response={200: Graph, **error_responses(400, 401, 403, 413, 422)})
def graph_expand(request, payload: ExpandIn):
    require_graph_document(payload.graph)
    try:
        return compiler.expand_node(payload.graph, payload.node)
    except compiler.GraphError as e:
        raise _graph_error(e) from e


MAX_GRAPH_DEPTH = 64  # a graph document nests a few levels (nodes, params, shapes); more is no graph


def _deeper_than(value: object, limit: int) -> bool:
    """Whether lists and objects nest more than `limit` deep (walked without recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return True
            stack.extend((v, depth + 1) for v in (item.values() if isinstance(item, dict) else item))
    return False


@router.post("/graphs/import", response={200: ImportedGraph, **error_responses(400, 401, 403, 413, 422)})
def graph_import(request, file: File[UploadedFile] = None):
    """A graph JSON file (multipart `file`) or a JSON body: the document and its validation, per-node errors included."""
    limit = settings.NETBUILDER_MAX_GRAPH_BYTES
    if file is not None:
        if file.size is not None and file.size > limit:
            raise ApiError(413, f"{file.name} is over the {limit:,}-byte limit for graphs (NETBUILDER_MAX_GRAPH_BYTES)", [{"field": "file",
                                                                                            "message": "too large"}])
        raw = file.read(limit + 1)
    elif request.content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        raise ApiError(400, "No graph file: send it as the multipart field 'file', or the JSON as the body",
                       [{"field": "file", "message": "missing"}])
    else:
        raw = request.body
    try:
        document = json.loads(raw)
        too_deep = _deeper_than(document, MAX_GRAPH_DEPTH)
    except RecursionError:
        too_deep = True
    except (ValueError, UnicodeDecodeError) as e:
        raise ApiError(422, f"Not JSON: {e}", [{"field": "file", "message": str(e)}]) from e
    if too_deep:
        raise ApiError(422, f"The graph is nested too deeply: more than {MAX_GRAPH_DEPTH} levels of lists and objects",
                       [{"field": "file", "message": "nested too deeply"}])
    require_graph_document(document)
    return {"graph": document, "validation": compiler.validate(document)}


@router.post("/weights/check", response={200: WeightsCheck, **error_responses(400, 401, 403, 413, 422)})
def weights_check(request, file: File[UploadedFile], graph: Form[str]):
    """What loading an uploaded .pth/.safetensors into the graph would do: matched, missing, unexpected, mis-shaped."""
    try:
        document = json.loads(graph)
    except ValueError as e:
        raise ApiError(422, f"graph: not JSON: {e}", [{"field": "graph", "message": str(e)}]) from e
    require_graph_document(document)
    limit = settings.NETBUILDER_MAX_UPLOAD_BYTES
    if file.size is not None and file.size > limit:
        raise ApiError(413, f"{file.name} is over the {limit:,}-byte upload limit (NETBUILDER_MAX_UPLOAD_BYTES)", [{"field": "file",
                                                                                      "message": "too large"}])
    try:
        state = weights.read_state_dict(file.read(), file.name)
        report = weights.match_state_dict(document, state)
    except weights.WeightsError as e:
        raise ApiError(422, e.message, [{"field": "file", "message": e.message}]) from e
    except compiler.GraphError as e:
        raise _graph_error(e) from e
    return {"file": file.name, "tensors": len(state), **report}


@router.post("/weights", response={201: WeightsFileOut, **error_responses(400, 401, 403, 413, 422)})
def weights_upload(request, file: File[UploadedFile], graph: Form[str | None] = None, name: Form[str] = ""):
    """Keep an uploaded state dict to start runs from (`init_weights`); with `graph`, also its match report."""
    document = None
    if graph:
        try:
            document = json.loads(graph)
        except ValueError as e:
            raise ApiError(422, f"graph: not JSON: {e}", [{"field": "graph", "message": str(e)}]) from e
        require_graph_document(document)
    try:
        record, state = weights_services.weights_upload(owner=request.user, file=file, name=name)
    except UploadError as e:
        raise ApiError(e.status, str(e), [{"field": "file", "message": str(e)}]) from e
    body = selectors.weights_summary(record)
    if document is not None:
        try:
            body["report"] = weights.match_state_dict(document, state)
        except compiler.GraphError as e:
            raise _graph_error(e) from e
    return Status(201, body)


@router.get("/weights", response={200: list[WeightsFileOut], **error_responses(401)})
def weights_list(request):
    return [selectors.weights_summary(r) for r in selectors.weights_list(owner=request.user)]


@router.delete("/weights/{int:weights_id}", response={204: None, **error_responses(401, 403, 404, 422)})
def weights_delete(request, weights_id: Id):
    weights_services.weights_delete(record=selectors.weights_get(owner=request.user, weights_id=weights_id))
    return Status(204, None)
