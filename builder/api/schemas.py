"""Request and response schemas of the JSON API (pydantic, through django-ninja)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import Field

MAX_ID = 2**63 - 1  # ids are 64-bit: a larger number could never name a row, and the database can't take it
Id = Annotated[int, Field(ge=0, le=MAX_ID)]  # an id in a path, a query or a body: bounded, so it answers 422


class Me(Schema):
    id: int
    username: str


class ArchitectureIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    graph: dict[str, Any]


class ArchitecturePatch(Schema):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    graph: dict[str, Any] | None = None


class DuplicateIn(Schema):
    name: str | None = Field(default=None, min_length=1, max_length=200)


class VersionOut(Schema):
    version: int
    created_at: datetime


class ArchitectureSummary(Schema):
    id: int
    name: str
    version: int
    created_at: datetime
    updated_at: datetime


class ArchitectureOut(ArchitectureSummary):
    graph: dict[str, Any]
    versions: list[VersionOut]


class ArchitectureVersionOut(Schema):
    id: int
    name: str
    version: int
    graph: dict[str, Any]
    created_at: datetime


class ExportIn(Schema):
    graph: dict[str, Any]
    format: Literal["py", "json"] = "py"


class RunIn(Schema):
    graph: dict[str, Any] | None = None
    architecture: Id | None = None
    architecture_version: Id | None = None
    dataset: str | int
    dataset_options: dict[str, Any] = Field(default_factory=dict)
    config: dict[str, Any] = Field(default_factory=dict)
    name: str = Field(default="", max_length=200)
    init_weights: Id | None = Field(default=None, description="id of an uploaded weights file to start from")


class HistogramOut(Schema):
    edges: list[float] = Field(description="33 bin edges, lowest first")
    counts: list[int] = Field(description="32 counts of finite elements")


class TensorOut(Schema):
    name: str = Field(description="state-dict key, e.g. 'linear.weight'")
    node: str = Field(description="id of the graph node whose layer holds the tensor")
    shape: list[int]
    dtype: str
    numel: int
    nonfinite: int = Field(description="elements that are NaN or infinite (left out of the statistics)")
    mean: float | None
    std: float | None = Field(description="population standard deviation")
    min: float | None
    max: float | None
    histogram: HistogramOut
    values: Any = Field(
        default=None, description="the values as nested lists, for tensors of at most 4,096 elements"
    )


class RunWeightsOut(Schema):
    id: int
    status: str
    tensors: list[TensorOut] = Field(description="every parameter and buffer of the trained model, in order")
