"""Uploaded datasets: stored under NETBUILDER_UPLOADS_DIR, validated and described before they are kept."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from builder.models import UploadedDataset
from builder.services.uploads import UploadError, upload_store

KIND_OF_SUFFIX = {".csv": "csv", ".npz": "npz", ".zip": "imagezip"}


def max_dataset_bytes() -> int:
    """NETBUILDER_MAX_DATASET_BYTES: the most memory one dataset may decode to (the engine's default if unset)."""
    return settings.NETBUILDER_MAX_DATASET_BYTES


def upload_limits():
    from builder.engine.training import UploadLimits

    return UploadLimits(max_bytes=settings.NETBUILDER_MAX_UPLOAD_BYTES, max_dataset_bytes=max_dataset_bytes())


def smaller_draw(facts) -> int | None:
    """How many samples of a generated set fit NETBUILDER_CHECK_DECODE_BYTES, when the set is bigger than
    that and its `size` can be chosen; None when it is made whole."""
    budget = settings.NETBUILDER_CHECK_DECODE_BYTES
    if facts.decoded_bytes <= budget or not facts.samples or "size" not in facts.options:
        return None
    return max(16, budget // (facts.decoded_bytes // facts.samples))


def builtin_preview(name: str, options: dict) -> dict:
    """A built-in set's description and first samples. A generated set bigger than
    NETBUILDER_CHECK_DECODE_BYTES is not made in the request: its description is its facts, and the
    samples shown come from a draw of fewer samples with the same options (`preview_of` says how many),
    without class counts or target statistics, which would describe that draw and not the set."""
    from builder.engine.training import describe_dataset, load_dataset

    spec = {"name": name, "options": options}  # as a spec: {"data_dir": ...} is an unknown option, not a keyword
    facts = describe_dataset(spec, data_dir=settings.NETBUILDER_DATA_DIR, max_bytes=max_dataset_bytes())
    size = smaller_draw(facts)
    if size is None:
        return load_dataset(spec, data_dir=settings.NETBUILDER_DATA_DIR, max_bytes=max_dataset_bytes()).preview(8)
    sample = load_dataset({"name": name, "options": {**facts.options, "size": size}}, max_bytes=max_dataset_bytes())
    return {**facts.describe(), "preview": sample.preview(8)["preview"], "preview_of": {"size": size}}


def dataset_upload(
    *, owner: AbstractBaseUser, file: UploadedFile, name: str = "", kind: str | None = None, options: dict | None = None
) -> UploadedDataset:
    """Check an uploaded file (size, kind, contents), then keep it with its description and preview.

    Nothing is stored when the file is refused.
    """
    from builder.engine.training import DatasetError, load_upload

    suffix = Path(file.name or "").suffix.lower()
    kind = kind or KIND_OF_SUFFIX.get(suffix)
    if kind not in KIND_OF_SUFFIX.values():
        raise UploadError(f"Can't tell what {file.name!r} holds: upload a .csv, an .npz or a .zip of image "
                          "folders (or give kind)", field="kind")
    path = upload_store(owner=owner, file=file, folder="datasets", suffix=suffix or f".{kind}")
    try:
        dataset = load_upload(path, kind=kind, options=dict(options or {}), limits=upload_limits())
        preview = json.loads(json.dumps(dataset.preview(8)))  # plain JSON types only
    except DatasetError as e:
        path.unlink(missing_ok=True)
        raise UploadError(str(e), field=getattr(e, "field", None) or "file") from e
    except Exception:
        path.unlink(missing_ok=True)
        raise
    with transaction.atomic():
        return UploadedDataset.objects.create(
            owner=owner, name=name or Path(file.name or "upload").stem, kind=kind, path=str(path),
            size_bytes=file.size, options=dict(options or {}), description=preview,
        )


def dataset_delete(*, dataset: UploadedDataset) -> None:
    path = Path(dataset.path)
    dataset.delete()
    path.unlink(missing_ok=True)
