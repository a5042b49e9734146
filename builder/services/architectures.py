"""Saved architectures: a name and a list of graph versions, owned by one user."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from builder.models import Architecture, ArchitectureVersion


@transaction.atomic
def architecture_create(*, owner: AbstractBaseUser, name: str, graph: dict) -> Architecture:
    arch = Architecture.objects.create(owner=owner, name=name, version=1)
    ArchitectureVersion.objects.create(architecture=arch, version=1, graph=graph)
    return arch


@transaction.atomic
def architecture_update(*, architecture: Architecture, name: str | None = None, graph: dict | None = None) -> Architecture:
    """Rename and/or store a new version; an unchanged graph keeps the version number."""
    arch = Architecture.objects.select_for_update().get(pk=architecture.pk)
    if name is not None:
        arch.name = name
    if graph is not None:
        current = arch.versions.get(version=arch.version).graph
        if graph != current:
            arch.version += 1
            ArchitectureVersion.objects.create(architecture=arch, version=arch.version, graph=graph)
    arch.save()
    return arch


@transaction.atomic
def architecture_duplicate(*, architecture: Architecture, name: str | None = None) -> Architecture:
    graph = architecture.versions.get(version=architecture.version).graph
    return architecture_create(
        owner=architecture.owner, name=name or f"{architecture.name} (copy)", graph=graph
    )


def architecture_delete(*, architecture: Architecture) -> None:
    architecture.delete()
