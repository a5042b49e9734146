"""The block library: blocks a user saved to reuse in other architectures, each checked by the compiler
in isolation before it is kept."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from builder.engine import graph as compiler
from builder.models import LibraryBlock

USE = "use"  # the Block node of the graph a library block is checked in


class LibraryBlockError(ValueError):
    """A block the library refuses: `errors` name the inner node and field, as validate's do."""

    def __init__(self, message: str, errors: list[dict[str, Any]]) -> None:
        super().__init__(message)
        self.message, self.errors = message, errors


def isolation_graph(*, name: str, block: dict[str, Any], uses: dict[str, Any],
                    input_shapes: list[list[int]]) -> dict[str, Any]:
    """A graph that uses block `name` once, its parameters at their defaults, fed Inputs of `input_shapes`,
    each of its outputs an Output: what the block must compile in to be kept."""
    inputs = [{"id": f"x{k}", "type": "Input", "params": {"shape": shape}} for k, shape in enumerate(input_shapes)]
    nodes = block.get("nodes")  # checked by validate below; here only counted
    outputs = [n for n in nodes if isinstance(n, dict) and n.get("type") == "Output"] if isinstance(nodes, list) else []
    ys = [{"id": f"y{k}", "type": "Output"} for k in range(len(outputs))]
    return {
        "format": "netbuilder.graph/1", "name": name, "blocks": {**uses, name: block},
        "nodes": [*inputs, {"id": USE, "type": "Block", "params": {"block": name, "repeat": 1}}, *ys],
        "edges": [*({"source": x["id"], "target": USE, "port": k} for k, x in enumerate(inputs)),
                  *({"source": USE, "source_port": k, "target": y["id"]} for k, y in enumerate(ys))],
    }


def _inside(error: dict[str, Any]) -> dict[str, Any]:
    """An error of the isolation graph as the block's own: on its inner node (`c1`, not `use/1/c1`)."""
    path = error.get("path")
    prefix = f"{USE}/1/"
    if error.get("node") == USE and isinstance(path, str) and path.startswith(prefix):
        message = error["message"].removeprefix(f"{path}: ")
        inner = path.removeprefix(prefix)
        return {**error, "node": inner.split("/")[0], "path": inner, "message": message}
    return error


def library_block_check(*, name: str, block: dict[str, Any], uses: dict[str, Any],
                        input_shapes: list[list[int]]) -> None:
    """Raise LibraryBlockError unless block `name` compiles on its own with its parameters' defaults."""
    if not name[:1].isupper() or not name.isidentifier():
        message = f"A block's name is a class name (Residual, DenseLayer), got {name!r}"
        raise LibraryBlockError(message, [{"field": "name", "message": message}])
    nodes = block.get("nodes")
    takes = sum(isinstance(n, dict) and n.get("type") == "Input" for n in nodes) if isinstance(nodes, list) else 0
    if isinstance(nodes, list) and takes != len(input_shapes):
        message = (f"Block {name!r} takes {takes} input{'' if takes == 1 else 's'}: give as many input_shapes, "
                   f"got {len(input_shapes)}")
        raise LibraryBlockError(message, [{"field": "input_shapes", "message": message}])
    result = compiler.validate(isolation_graph(name=name, block=block, uses=uses, input_shapes=input_shapes))
    if not result["ok"]:
        errors = [_inside(e) for e in result["errors"]]
        first = errors[0]
        where = f"{first['node']}: " if first.get("node") else ""
        field = f"{first['field']}: " if first.get("field") else ""
        raise LibraryBlockError(f"Block {name!r} does not compile: {where}{field}{first['message']}", errors)


@transaction.atomic
def library_block_create(*, owner: AbstractBaseUser, name: str, block: dict[str, Any], uses: dict[str, Any],
                         input_shapes: list[list[int]]) -> LibraryBlock:
    """Keep block `name` (and the blocks it uses) in `owner`'s library, once the compiler accepts it."""
    library_block_check(name=name, block=block, uses=uses, input_shapes=input_shapes)
    return LibraryBlock.objects.create(owner=owner, name=name, definition=block, uses=uses,
                                       input_shapes=input_shapes)


def library_block_delete(*, block: LibraryBlock) -> None:
    block.delete()
