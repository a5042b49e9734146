"""Datasets uploaded by a user: a CSV table, an .npz of x and y, or a zip of an ImageFolder tree.

Every check names the line, column or file at fault and the limit it broke, and runs before any
tensor is built. Images are decoded straight from the zip in memory: nothing is extracted to disk.
"""

from __future__ import annotations

import csv
import io
import math
import stat
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import torch

from builder.engine.options import Option

from ..errors import DatasetError
from .base import STANDARDIZE, Dataset, Task, check_decoded_size, check_options, max_dataset_bytes
from .tabular import standardize
from .text import MAX_LENGTH, UNITS, build_tokenizer, encode_texts

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"}
MAX_AUTO_CLASSES = 20  # a numeric target with at most this many distinct integers is taken as class labels


@dataclass(frozen=True)
class UploadLimits:
    max_bytes: int = 50 * 2**20  # the uploaded file itself
    max_expanded_bytes: int = 200 * 2**20  # a zip (or .npz) after decompression
    max_rows: int = 1_000_000  # rows, samples or images
    max_files: int = 100_000  # members of a zip
    # the float32 tensors it decodes to (NETBUILDER_MAX_DATASET_BYTES)
    max_dataset_bytes: int = field(default_factory=max_dataset_bytes)


# What reading a zip member raises when the zip lies (bad CRC, wrong size) or uses a method zipfile lacks.
_ZIP_READ_ERRORS = (zipfile.BadZipFile, NotImplementedError, EOFError, zlib.error)


def _mb(n: int) -> str:
    return f"{n / 2**20:.1f} MB"


def load_upload(
    path: str | Path,
    *,
    kind: str,
    options: dict | None = None,
    limits: UploadLimits | None = None,
) -> Dataset:
    """Parse and validate an uploaded file into a Dataset; raise DatasetError naming what is wrong."""
    path = Path(path)
    options = dict(options or {})
    limits = limits or UploadLimits()
    loaders = {"csv": _load_csv, "npz": _load_npz, "imagezip": _load_imagezip}
    if kind not in loaders:
        raise DatasetError(f"Unknown upload kind '{kind}'; use csv, npz or imagezip", field="kind")
    if not path.is_file():
        raise DatasetError(f"Uploaded file {path.name} is missing", file=path.name)
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise DatasetError(
            f"{path.name} is {_mb(size)}; uploads are limited to {_mb(limits.max_bytes)}", file=path.name
        )
    return loaders[kind](path, options, limits)


_TASK = Option("task", "choice", "What the target is; auto: class labels when they are text or few integers, "
               "else values to regress", default="auto", choices=("auto", "classification", "regression"))
# The options each kind of upload takes (GET /api/datasets publishes them as "upload_options").
UPLOAD_OPTIONS: dict[str, tuple[Option, ...]] = {
    "csv": (
        Option("target", "string", "The column to predict; empty: the last one", nullable=True),
        _TASK,
        Option("delimiter", "string", "The character between cells (not a quote or a line break)", default=","),
        STANDARDIZE,
        Option("text", "string", "A column of text read as token ids (for an Embedding) instead of numeric "
               "features; empty: every column but the target is a number", nullable=True),
        Option("tokens", "choice", "How a text column is cut: into characters, or words between spaces",
               default="char", choices=UNITS),
        Option("length", "int", "Tokens per text: longer texts are cut, shorter ones padded; empty: the longest "
               "training text's", nullable=True, min=1, max=MAX_LENGTH),
    ),
    "npz": (
        _TASK,
        Option("classes", "strings", "Class names, one per label; empty: the labels themselves", nullable=True),
        Option("dtype", "choice", "What x holds; auto: int32/int64 arrays are token ids (int64, for an "
               "Embedding), any other numbers float32 features", default="auto", choices=("auto", "float32", "int64")),
    ),
    "imagezip": (
        Option("size", "int", "Images are resized to size × size pixels", default=32, min=4, max=256),
        Option("channels", "choice", "Colour images, or one grey channel", default="rgb",
               choices=("rgb", "grayscale")),
    ),
}


def _options(kind: str, options: dict) -> dict[str, Any]:
    return check_options(UPLOAD_OPTIONS[kind], options, f"A {kind} upload")


# --- CSV -------------------------------------------------------------------------------------------


def _load_csv(path: Path, options: dict, limits: UploadLimits) -> Dataset:
    opts = _options("csv", options)
    task = opts["task"]
    delimiter = opts["delimiter"]
    if len(delimiter) != 1 or delimiter in '"\r\n':
        raise DatasetError(f"delimiter must be one character (not a quote or a line break), got {delimiter!r}",
                           field="delimiter")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise DatasetError(f"{path.name} is not UTF-8 text (byte {e.start})", file=path.name) from e
    reader = _csv_lines(csv.reader(io.StringIO(text), delimiter=delimiter), path.name)
    header = next(reader, (0, None))[1]
    if not header or not any(h.strip() for h in header):
        raise DatasetError(f"{path.name} is empty; the first line must name the columns", file=path.name)
    header = [h.strip() for h in header]
    if len(header) < 2:
        raise DatasetError(
            f"{path.name} has one column; it needs at least one feature and a target", file=path.name
        )

    target = opts["target"] if opts["target"] is not None else header[-1]
    if target not in header:
        raise DatasetError(
            f"No column '{target}'; the columns are {', '.join(header)}", field="target", column=str(target)
        )
    t = header.index(target)
    if opts["text"] is not None:
        return _load_text_csv(path, reader, header, t, opts, limits)
    features = [h for i, h in enumerate(header) if i != t]

    rows: list[list[float]] = []
    targets: list[str] = []
    for line, cells in reader:
        if not cells or all(not c.strip() for c in cells):
            continue
        if len(rows) >= limits.max_rows:
            raise DatasetError(
                f"{path.name} has more than {limits.max_rows:,} rows, the limit", file=path.name, row=line
            )
        if len(cells) != len(header):
            raise DatasetError(f"Line {line} has {len(cells)} cells; the header has {len(header)}", row=line)
        check_decoded_size(
            (len(rows) + 1) * len(features) * 4,
            f"{path.name} at line {line} ({len(features)} features)",
            limit=limits.max_dataset_bytes,
            file=path.name,
        )
        row = []
        for i, cell in enumerate(cells):
            if i == t:
                if not cell.strip():
                    raise DatasetError(
                        f"Line {line}, column '{target}': the target is empty", row=line, column=target
                    )
                targets.append(cell.strip())
                continue
            row.append(_number(cell, line, header[i]))
        rows.append(row)
    if len(rows) < 2:
        raise DatasetError(f"{path.name} has {len(rows)} data row(s); it needs at least 2", file=path.name)

    x = np.asarray(rows, dtype=np.float64)  # (N, features)
    info: dict = {"feature_names": features, "target": target}
    if opts["standardize"]:  # the exported model takes raw features all the same (training/preprocessing.py)
        x, info["standardized"] = standardize(x)
    y, classes, task = _targets(targets, task, target)
    return Dataset(
        name=f"upload:{path.name}",
        title=path.name,
        task=task,
        x=torch.from_numpy(x.astype(np.float32)),
        y=y,
        classes=classes,
        description=f"{len(rows)} rows, {len(features)} {'standardised' if opts['standardize'] else 'raw'} "
        f"features, target '{target}'.",
        options={"target": target, "task": opts["task"], "standardize": opts["standardize"]},
        info=info,
    )


def _csv_lines(reader, name: str):
    """(line number, cells) for each record of a csv.reader, its errors (a cell over the field limit,
    a NUL byte, a stray quote) as a DatasetError naming the line."""
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            line = reader.line_num
            why = str(e)
            if "field larger than field limit" in why:
                why = f"a cell is over {csv.field_size_limit():,} characters, the limit"
            raise DatasetError(f"Line {line}: {why}", file=name, row=line) from e
        yield reader.line_num, cells


TEXT_VAL_FRACTION = 0.2  # a text upload's validation share, held out before its vocabulary is built
TEXT_SPLIT_SEED = 0


def _load_text_csv(path: Path, reader, header: list[str], t: int, opts: dict, limits: UploadLimits) -> Dataset:
    """A CSV of a text column and a target: token ids (N, length), the vocabulary built from the training split.

    The split is made here, once (a fixed share and seed), so the vocabulary never sees a validation text.
    Other columns are not read; the description says which.
    """
    column, target = opts["text"], header[t]
    if column not in header:
        raise DatasetError(f"No column '{column}' for text; the columns are {', '.join(header)}", field="text",
                           column=str(column))
    if column == target:
        raise DatasetError(f"Column '{column}' can't be both the text and the target", field="text", column=column)
    c = header.index(column)
    texts: list[str] = []
    targets: list[str] = []
    for line, cells in reader:
        if not cells or all(not cell.strip() for cell in cells):
            continue
        if len(texts) >= limits.max_rows:
            raise DatasetError(f"{path.name} has more than {limits.max_rows:,} rows, the limit", file=path.name,
                               row=line)
        if len(cells) != len(header):
            raise DatasetError(f"Line {line} has {len(cells)} cells; the header has {len(header)}", row=line)
        if not cells[t].strip():
            raise DatasetError(f"Line {line}, column '{target}': the target is empty", row=line, column=target)
        texts.append(cells[c])
        targets.append(cells[t].strip())
    if len(texts) < 2:
        raise DatasetError(f"{path.name} has {len(texts)} data row(s); it needs at least 2", file=path.name)
    y, classes, task = _targets(targets, opts["task"], target)
    n_val = max(1, round(len(texts) * TEXT_VAL_FRACTION))
    perm = torch.randperm(len(texts), generator=torch.Generator().manual_seed(TEXT_SPLIT_SEED))
    val, train = perm[:n_val], perm[n_val:]
    tokenizer = build_tokenizer([texts[i] for i in train.tolist()], unit=opts["tokens"], length=opts["length"])
    assert tokenizer.length is not None
    check_decoded_size(len(texts) * tokenizer.length * 8, f"{path.name} ({len(texts)} texts of {tokenizer.length} "
                       "tokens)", limit=limits.max_dataset_bytes, file=path.name, field="length")
    x = encode_texts(texts, **tokenizer.spec())  # (N, length)
    unused = [h for i, h in enumerate(header) if i not in (c, t)]
    unit = "characters" if tokenizer.unit == "char" else "words"
    return Dataset(
        name=f"upload:{path.name}",
        title=path.name,
        task=task,
        x=x[train], y=y[train], x_val=x[val], y_val=y[val],
        classes=classes,
        description=f"{len(texts)} texts of column '{column}' as {tokenizer.length} token ids ({unit}, a vocabulary "
        f"of {len(tokenizer.vocab)} from the {len(train)} training texts), target '{target}'"
        + (f"; columns not read: {', '.join(unused)}" if unused else "") + ".",
        options={"target": target, "task": opts["task"], "text": column, "tokens": tokenizer.unit,
                 "length": opts["length"]},
        info={"text": column, "target": target, "vocab_size": len(tokenizer.vocab), "tokenizer": tokenizer.spec()},
    )


def _number(cell: str, line: int, column: str) -> float:
    text = cell.strip()
    if not text:
        raise DatasetError(f"Line {line}, column '{column}': the cell is empty", row=line, column=column)
    try:
        value = float(text)
    except ValueError:
        raise DatasetError(
            f"Line {line}, column '{column}': '{text}' is not a number (to read the column as text, set the "
            f"option text: {column})", row=line, column=column
        ) from None
    if not math.isfinite(value):
        raise DatasetError(
            f"Line {line}, column '{column}': '{text}' is not a finite number", row=line, column=column
        )
    return value


def _targets(values: list[str], task: str, column: str) -> tuple[torch.Tensor, list[str] | None, Task]:
    """Target strings to (y, classes, task): class indices in sorted class order, or float values."""
    numbers: list[float] | None = []
    for v in values:
        try:
            numbers.append(float(v))  # type: ignore[union-attr]
        except ValueError:
            numbers = None
            break
    if task == "regression":
        if numbers is None:
            bad = next(v for v in values if not _is_float(v))
            raise DatasetError(
                f"Column '{column}': '{bad}' is not a number, so it can't be a regression target",
                column=column,
                field="target",
            )
        return torch.tensor(numbers, dtype=torch.float32).unsqueeze(1), None, "regression"
    if task == "auto" and numbers is not None:
        integral = all(n.is_integer() for n in numbers)
        if not integral or len(set(numbers)) > MAX_AUTO_CLASSES:
            return torch.tensor(numbers, dtype=torch.float32).unsqueeze(1), None, "regression"
    if numbers is not None and all(n.is_integer() for n in numbers):
        names = [str(int(n)) for n in sorted(set(numbers))]
        values = [str(int(n)) for n in numbers]
    else:
        names = sorted(set(values))
    if len(names) < 2:
        raise DatasetError(
            f"Column '{column}' has a single class '{names[0]}'; classification needs two or more",
            column=column,
            field="target",
        )
    index = {name: i for i, name in enumerate(names)}
    return torch.tensor([index[v] for v in values], dtype=torch.int64), names, "classification"


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# --- NPZ -------------------------------------------------------------------------------------------


def _load_npz(path: Path, options: dict, limits: UploadLimits) -> Dataset:
    opts = _options("npz", options)
    task = opts["task"]
    members = _check_zip_members(path, limits)  # an .npz is a zip of .npy files
    _check_npy_headers(path, members, limits)
    try:
        with np.load(path, allow_pickle=False) as npz:
            keys = list(npz.keys())
            missing = [k for k in ("x", "y") if k not in keys]
            if missing:
                raise DatasetError(
                    f"{path.name} needs arrays named x and y; it holds {', '.join(keys) or 'none'}",
                    file=path.name,
                )
            x, y = npz["x"], npz["y"]
    except DatasetError:
        raise
    except (ValueError, OSError, *_ZIP_READ_ERRORS) as e:
        raise DatasetError(f"{path.name} is not a readable .npz of plain arrays: {e}", file=path.name) from e

    if x.ndim < 2 or x.shape[0] < 2:
        raise DatasetError(
            f"x must have shape (N, ...) with N ≥ 2 samples; it has shape {list(x.shape)}", field="x"
        )
    n = x.shape[0]
    if n > limits.max_rows:
        raise DatasetError(f"x has {n:,} samples; the limit is {limits.max_rows:,}", field="x")
    if y.shape[:1] != (n,) or y.ndim > 2:
        raise DatasetError(
            f"y must have shape ({n},) or ({n}, k) to match x; it has shape {list(y.shape)}", field="y"
        )
    if not (np.issubdtype(x.dtype, np.number) or x.dtype == np.bool_):
        raise DatasetError(f"x must be numeric; its dtype is {x.dtype}", field="x")
    info: dict[str, Any] = {}
    tokens = opts["dtype"] == "int64" or (opts["dtype"] == "auto" and x.dtype in (np.int32, np.int64))
    if tokens:
        x, info["vocab_size"] = _npz_tokens(x, n)
    else:
        x = x.astype(np.float32)
        if not np.isfinite(x).all():
            first = int(np.argwhere(~np.isfinite(x.reshape(n, -1)))[0][0])
            raise DatasetError(f"x holds NaN or infinite values (first in sample {first})", field="x", row=first)

    labels = np.issubdtype(y.dtype, np.integer) or y.dtype.kind in "USb"
    if labels and (y.ndim == 1 or task == "classification") and task != "regression":
        y_t, classes = _npz_labels(y, opts["classes"])  # (N,), or (N, L) with task classification: per position
        task_name: Task = "classification"
    elif task == "classification":
        raise DatasetError(
            f"Class labels in y must be integers or strings of shape ({n},), or ({n}, L) for a class per "
            f"position; y has dtype {y.dtype} and shape {list(y.shape)}",
            field="y",
        )
    else:
        if not np.issubdtype(y.dtype, np.number):
            raise DatasetError(f"A regression target must be numeric; y has dtype {y.dtype}", field="y")
        y_f = y.astype(np.float32).reshape(n, -1)
        if not np.isfinite(y_f).all():
            raise DatasetError("y holds NaN or infinite values", field="y")
        y_t, classes, task_name = torch.from_numpy(y_f), None, "regression"
    return Dataset(
        name=f"upload:{path.name}",
        title=path.name,
        task=task_name,
        x=torch.from_numpy(np.ascontiguousarray(x)),
        y=y_t,
        classes=classes,
        description=f"{n} samples of shape {list(x.shape[1:])}" + (" (int64 token ids)." if tokens else "."),
        options={"task": opts["task"], "dtype": "int64" if tokens else "float32"},
        info=info,
    )


def _npz_tokens(x: np.ndarray, n: int) -> tuple[np.ndarray, int]:
    """x as int64 token ids, and how many ids there are (the largest + 1): what an Embedding must cover."""
    if not (np.issubdtype(x.dtype, np.integer) or x.dtype == np.bool_):
        raise DatasetError(f"x with dtype int64 must hold integers (token ids); its dtype is {x.dtype}", field="x")
    x = x.astype(np.int64)
    if x.min() < 0:
        first = int(np.argwhere(x.reshape(n, -1) < 0)[0][0])
        raise DatasetError(f"x holds token ids, which must be 0 or more; found {int(x.min())} (first in sample "
                           f"{first})", field="x", row=first)
    return x, int(x.max()) + 1


def _check_npy_headers(path: Path, members: list[zipfile.ZipInfo], limits: UploadLimits) -> None:
    """Read each array's .npy header (shape and dtype, not the data) and refuse, before anything is
    allocated, arrays that would decode past the limit."""
    from numpy.lib import format as npy

    readers = {(1, 0): npy.read_array_header_1_0, (2, 0): npy.read_array_header_2_0}
    total = 0
    with zipfile.ZipFile(path) as zf:
        for m in members:
            if not m.filename.endswith(".npy"):
                continue
            name = m.filename.removesuffix(".npy")
            try:
                with zf.open(m) as f:
                    version = npy.read_magic(f)
                    if version not in readers:
                        raise DatasetError(
                            f"Array {name} is in .npy format {version}; use 1.0 or 2.0",
                            field=name if name in ("x", "y") else None, file=path.name,
                        )
                    shape, _, dtype = readers[version](f)
            except DatasetError:
                raise
            except (ValueError, OSError, *_ZIP_READ_ERRORS) as e:
                raise DatasetError(
                    f"Array {name} is not a readable .npy: {e}", file=path.name
                ) from e
            # the array as stored, and as the tensor it becomes (int64 for integers, else float32)
            total += math.prod(shape) * (dtype.itemsize + (8 if dtype.kind in "iub" else 4))
            check_decoded_size(
                total,
                f"Array {name} (shape {list(shape)}, {dtype})",
                limit=limits.max_dataset_bytes,
                field=name if name in ("x", "y") else None,
                file=path.name,
            )


def _npz_labels(y: np.ndarray, names: list[str] | None) -> tuple[torch.Tensor, list[str]]:
    if y.dtype.kind in "US":
        classes, index = np.unique(y, return_inverse=True)  # sorted names; each label's place among them
        return torch.from_numpy(index.reshape(y.shape).astype(np.int64)), [str(c) for c in classes.tolist()]
    y = y.astype(np.int64)
    if y.min() < 0:
        raise DatasetError(f"Class labels in y must be 0 or more; found {int(y.min())}", field="y")
    count = int(y.max()) + 1
    if names is not None:
        if not isinstance(names, list) or len(names) < count:
            raise DatasetError(
                f"classes must name at least {count} classes (labels go up to {count - 1})", field="classes"
            )
        count = len(names)
    if count < 2:
        raise DatasetError("y holds a single class; classification needs two or more", field="y")
    return torch.from_numpy(y), [str(c) for c in (names or range(count))]


# --- Zip of an ImageFolder tree --------------------------------------------------------------------


def _check_zip_members(path: Path, limits: UploadLimits) -> list[zipfile.ZipInfo]:
    """Open a zip's directory and reject escaping names, links, too many files, or too much data."""
    try:
        with zipfile.ZipFile(path) as zf:
            members = zf.infolist()
    except zipfile.BadZipFile as e:
        raise DatasetError(f"{path.name} is not a zip file", file=path.name) from e
    if len(members) > limits.max_files:
        raise DatasetError(
            f"{path.name} holds {len(members):,} files; the limit is {limits.max_files:,}", file=path.name
        )
    total = 0
    for m in members:
        name = m.filename.replace("\\", "/")
        parts = PurePosixPath(name).parts
        if name.startswith("/") or (parts and ":" in parts[0]) or ".." in parts:
            raise DatasetError(
                f"'{m.filename}' in {path.name} points outside the zip's folder", file=m.filename
            )
        if stat.S_ISLNK(m.external_attr >> 16):
            raise DatasetError(
                f"'{m.filename}' in {path.name} is a symbolic link; links are not allowed", file=m.filename
            )
        total += m.file_size
        if total > limits.max_expanded_bytes:
            raise DatasetError(
                f"{path.name} expands past {_mb(limits.max_expanded_bytes)}, the limit", file=path.name
            )
    return members


def _load_imagezip(path: Path, options: dict, limits: UploadLimits) -> Dataset:
    from PIL import Image, UnidentifiedImageError

    opts = _options("imagezip", options)
    size, channels = opts["size"], opts["channels"]

    members = _check_zip_members(path, limits)
    images = [
        m
        for m in members
        if not m.is_dir()
        and PurePosixPath(m.filename).suffix.lower() in IMAGE_SUFFIXES
        and not any(p.startswith(".") or p == "__MACOSX" for p in PurePosixPath(m.filename).parts)
    ]
    if not images:
        raise DatasetError(
            f"{path.name} holds no images ({', '.join(sorted(IMAGE_SUFFIXES))})", file=path.name
        )
    if len(images) > limits.max_rows:
        raise DatasetError(
            f"{path.name} holds {len(images):,} images; the limit is {limits.max_rows:,}", file=path.name
        )
    parts = [PurePosixPath(m.filename).parts for m in images]
    while all(len(p) > 2 for p in parts) and len({p[0] for p in parts}) == 1:
        parts = [p[1:] for p in parts]  # drop a folder that wraps the whole tree
    for m, p in zip(images, parts, strict=True):
        if len(p) != 2:
            raise DatasetError(
                f"'{m.filename}' is not in a class folder: the zip must hold class/image files "
                "(optionally inside one top folder)",
                file=m.filename,
            )
    classes = sorted({p[0] for p in parts})
    if len(classes) < 2:
        raise DatasetError(
            f"{path.name} has one class folder ('{classes[0]}'); classification needs two or more",
            file=path.name,
        )
    index = {c: i for i, c in enumerate(classes)}
    mode = "RGB" if channels == "rgb" else "L"

    c = 3 if mode == "RGB" else 1
    check_decoded_size(
        len(images) * c * size * size * 4,  # the float32 tensor (N, C, H, W)
        f"{path.name} ({len(images):,} images of {c}×{size}×{size})",
        limit=limits.max_dataset_bytes,
        field="size",
        file=path.name,
    )
    xs = np.empty((len(images), size, size, c), dtype=np.uint8)  # (N, H, W, C)
    with zipfile.ZipFile(path) as zf:
        for i, m in enumerate(images):
            try:
                with zf.open(m) as f:
                    data = f.read(m.file_size + 1)
            except _ZIP_READ_ERRORS as e:  # a bad CRC, a size that lies, compression method 99
                raise DatasetError(f"'{m.filename}' can't be read: {e}", file=m.filename) from e
            if len(data) > m.file_size:  # the header lied about the size
                raise DatasetError(f"'{m.filename}' expands past its declared size", file=m.filename)
            try:
                with Image.open(io.BytesIO(data)) as img:
                    resized = img.convert(mode).resize((size, size), Image.Resampling.BILINEAR)
                    xs[i] = np.asarray(resized).reshape(size, size, -1)
            except (UnidentifiedImageError, OSError, Image.DecompressionBombError, ValueError) as e:
                raise DatasetError(f"'{m.filename}' is not a readable image: {e}", file=m.filename) from e
    x = torch.from_numpy(xs).permute(0, 3, 1, 2).to(torch.float32).div_(255.0).contiguous()  # (N, C, H, W)
    y = torch.tensor([index[p[0]] for p in parts], dtype=torch.int64)
    return Dataset(
        name=f"upload:{path.name}",
        title=path.name,
        task="classification",
        x=x,
        y=y,
        classes=classes,
        description=f"{len(images)} images in {len(classes)} classes, resized to {size}×{size} {channels}.",
        options={"size": size, "channels": channels},
    )
