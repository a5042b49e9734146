"""The graph package's one error type, and the per-node error it collects."""

from __future__ import annotations

from typing import Any


def node_error(node: str | None, message: str, field: str | None = None) -> dict[str, Any]:
    """One entry of ``GraphError.errors``: the node it is about (None for the whole graph), where known the field."""
    error: dict[str, Any] = {"node": node, "message": message}
    if field is not None:
        error["field"] = field
    return error


class GraphError(Exception):
    """A graph that cannot be built, with every problem found, each naming its node.

    ``errors`` is a list of ``{"node": str | None, "field"?: str, "message": str}``, the shape
    the API and ``manage.py graph check`` answer with.
    """

    def __init__(self, errors: list[dict[str, Any]]):
        assert errors, "a GraphError needs at least one error"
        self.errors = errors
        super().__init__(self._describe())

    def _describe(self) -> str:
        lines = [f"Graph has {len(self.errors)} error{'s' if len(self.errors) != 1 else ''}:"]
        for error in self.errors:
            place = "graph" if error["node"] is None else f"node {error['node']!r}"
            if "field" in error:
                place += f" ({error['field']})"
            lines.append(f"  {place}: {error['message']}")
        return "\n".join(lines)


class NodeError(GraphError):
    """A problem with one node, raised by a layer's rules before they know the node's id.

    The graph walk catches it and places it with :meth:`at`.
    """

    def __init__(self, message: str, field: str | None = None):
        self.message = message
        self.field = field
        super().__init__([node_error(None, message, field)])

    def at(self, node: str) -> dict[str, Any]:
        return node_error(node, self.message, self.field)
