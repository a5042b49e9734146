"""Errors of the training engine; each carries the field, row, column or file it is about."""

from __future__ import annotations


class TrainingError(Exception):
    """Base of every error the training engine raises on purpose."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def to_dict(self) -> dict:
        """The error as an API error item: {"message", "field"?}."""
        out: dict = {"message": self.message}
        if self.field is not None:
            out["field"] = self.field
        return out


class ConfigError(TrainingError):
    """A training option is invalid, or doesn't fit the model or the dataset."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, field=field)

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class DatasetError(TrainingError):
    """A dataset can't be loaded: unknown name, missing files, or a broken upload."""

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        row: int | None = None,
        column: str | None = None,
        file: str | None = None,
    ) -> None:
        super().__init__(message, field=field)
        self.row = row
        self.column = column
        self.file = file

    def to_dict(self) -> dict:
        out = super().to_dict()
        for key in ("row", "column", "file"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out


class RunPlanError(TrainingError):
    """The graph and the dataset don't fit each other: the node at fault and what is wrong there."""

    def __init__(self, message: str, *, node: str | None = None, field: str | None = None,
                 at_node: str | None = None) -> None:
        super().__init__(message, field=field)
        self.node = node
        self.at_node = at_node  # the message as shown on the node itself, when shorter

    def to_dict(self) -> dict:
        out = super().to_dict()
        if self.node is not None:
            out["node"] = self.node
            out["message"] = self.at_node or self.message
        return out


class ModelRuntimeError(TrainingError):
    """The model raised while it ran: the graph node the error came from, and that node's layer type."""

    def __init__(self, message: str, *, node: str, layer: str | None = None) -> None:
        super().__init__(message)
        self.node = node
        self.layer = layer

    def at(self, place: str) -> str:
        """The run's message: "Node 'fc2' (Linear) failed <place>: <what torch said>"."""
        layer = f" ({self.layer})" if self.layer else ""
        return f"Node {self.node!r}{layer} failed {place}: {self.message}"

    def __str__(self) -> str:
        return self.at("at run time")

    def to_dict(self) -> dict:
        out = super().to_dict()
        out["node"] = self.node
        if self.layer is not None:
            out["layer"] = self.layer
        return out
