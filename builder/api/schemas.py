"""Request and response schemas of the JSON API (pydantic, through django-ninja)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from ninja import Schema
from pydantic import Field


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
    architecture: int | None = None
    architecture_version: int | None = None
    dataset: str | int
    dataset_options: dict[str, Any] = Field(default_factory=dict)
    config: dict[str, Any] = Field(default_factory=dict)
    name: str = Field(default="", max_length=200)
    init_weights: int | None = Field(default=None, description="id of an uploaded weights file to start from")
