"""Uploaded weights files: read safely (tensors only) before they are kept, then used to start runs."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile

from builder.engine import weights
from builder.models import WeightsFile
from builder.services.uploads import UploadError, upload_store

SUFFIXES = (".pth", ".pt", ".safetensors")


def weights_upload(*, owner: AbstractBaseUser, file: UploadedFile, name: str = "") -> tuple[WeightsFile, dict]:
    """Keep an uploaded state dict; returns it with its tensors. Nothing is kept when it can't be read."""
    suffix = Path(file.name or "").suffix.lower()
    if suffix not in SUFFIXES:
        raise UploadError(f"{file.name!r} is not a weights file: upload a .pth, .pt or .safetensors")
    path = upload_store(owner=owner, file=file, folder="weights", suffix=suffix)
    try:
        state = weights.read_state_dict(path, file.name)  # messages name the user's file, not the stored one
    except weights.WeightsError as e:
        path.unlink(missing_ok=True)
        raise UploadError(e.message, status=422) from e  # as /api/weights/check answers the same file
    record = WeightsFile.objects.create(owner=owner, name=name or file.name, path=str(path), size_bytes=file.size,
                                        tensors=len(state))
    return record, state


def weights_delete(*, record: WeightsFile) -> None:
    path = Path(record.path)
    record.delete()
    path.unlink(missing_ok=True)
