"""Files users upload (datasets, weights): the size limit, and where they are kept."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile


class UploadError(Exception):
    """An upload that can't be kept; `field` names what is wrong, `status` is the HTTP status."""

    def __init__(self, message: str, *, status: int = 400, field: str | None = "file") -> None:
        super().__init__(message)
        self.status = status
        self.field = field


def upload_store(*, owner: AbstractBaseUser, file: UploadedFile, folder: str, suffix: str) -> Path:
    """Check the size limit, then write the file under the owner's uploads folder; returns its path."""
    limit = settings.NETBUILDER_MAX_UPLOAD_BYTES
    if file.size > limit:
        raise UploadError(f"{file.name} is {file.size / 2**20:.1f} MB; uploads are limited to "
                          f"{limit / 2**20:.1f} MB (NETBUILDER_MAX_UPLOAD_BYTES)", status=413)
    target = Path(settings.NETBUILDER_UPLOADS_DIR) / str(owner.pk) / folder
    target.mkdir(parents=True, exist_ok=True)
    path = target / f"{uuid.uuid4().hex}{suffix}"
    with path.open("wb") as out:
        for chunk in file.chunks():
            out.write(chunk)
    return path
