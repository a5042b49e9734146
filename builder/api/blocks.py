"""The block library: list, save (checked by the compiler) and delete the blocks a user reuses across
architectures."""

from __future__ import annotations

from ninja import Router, Status

from builder import selectors
from builder.api.errors import ApiError, error_responses
from builder.api.schemas import Id, LibraryBlockIn, LibraryBlockOut
from builder.services import blocks as services

router = Router(tags=["blocks"])


@router.get("", response={200: list[LibraryBlockOut], **error_responses(401)})
def library_block_list(request):
    return [selectors.library_block_out(b) for b in selectors.library_block_list(owner=request.user)]


@router.post("", response={201: LibraryBlockOut, **error_responses(400, 401, 403, 413, 422)})
def library_block_create(request, payload: LibraryBlockIn):
    try:
        block = services.library_block_create(owner=request.user, name=payload.name, block=payload.block,
                                              uses=payload.uses, input_shapes=payload.input_shapes)
    except services.LibraryBlockError as e:
        raise ApiError(400, e.message, e.errors) from e
    return Status(201, selectors.library_block_out(block))


@router.delete("/{int:block_id}", response={204: None, **error_responses(401, 403, 404, 422)})
def library_block_delete(request, block_id: Id):
    services.library_block_delete(block=selectors.library_block_get(owner=request.user, block_id=block_id))
    return Status(204, None)
