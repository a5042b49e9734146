"""Uploaded weights files: read safely (tensors only) before they are kept, then used to start runs."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile

from builder import weights
from builder.models import WeightsFile

SUFFIXES = (".pth", ".pt", ".safetensors")


class WeightsUploadError(Exception):
    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def weights_upload(*, owner: AbstractBaseUser, file: UploadedFile, name: str = "") -> tuple[WeightsFile, dict]:
    """Keep an uploaded state dict; returns it with its tensors. Nothing is kept when it can't be read."""
    limit = settings.NETBUILDER_MAX_UPLOAD_BYTES
    if file.size > limit:
        raise WeightsUploadError(f"{file.name} is {file.size / 2**20:.1f} MB; uploads are limited to "
                                 f"{limit / 2**20:.1f} MB (NETBUILDER_MAX_UPLOAD_BYTES)", status=413)
    suffix = Path(file.name or "").suffix.lower()
    if suffix not in SUFFIXES:
        raise WeightsUploadError(f"{file.name!r} is not a weights file: upload a .pth, .pt or .safetensors")
    folder = Path(settings.NETBUILDER_UPLOADS_DIR) / str(owner.pk) / "weights"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}{suffix}"
    with path.open("wb") as out:
        for chunk in file.chunks():
            out.write(chunk)
    try:
        state = weights.read_state_dict(path)
    except weights.WeightsError as e:
        path.unlink(missing_ok=True)
        raise WeightsUploadError(e.message) from e
    record = WeightsFile.objects.create(owner=owner, name=name or file.name, path=str(path), size_bytes=file.size,
                                        tensors=len(state))
    return record, state


def weights_delete(*, record: WeightsFile) -> None:
    path = Path(record.path)
    record.delete()
    path.unlink(missing_ok=True)
