"""Token sequences that need no download: algorithmic tasks, and characters of Python's own docstrings.

Both give int64 token ids `(N, length)`, the input of an `Embedding`. `sequences` draws uniform tokens
and labels them by a rule (one class per sequence, or one per position); `chars` cuts windows out of a
fixed text, the docstrings of some of the standard library's modules as the running Python ships them,
with the next character at each position as the target. Deterministic in `seed` (and, for `chars`, in
the Python version, whose docstrings are the text).
"""

from __future__ import annotations

import ast
import functools
import sys
import sysconfig
from pathlib import Path

import torch

from .base import Dataset

TASKS = ("majority", "parity", "sort", "reverse")
CHAR_TARGETS = ("positions", "next")  # chars: the next character at every position, or after the window
PER_POSITION = ("sort", "reverse")  # tasks with a class per position; the others one per sequence
_CHUNK = 4096  # sequences counted at once by `majority`: bounds the (chunk, vocab) counts

# The text of `chars`: modules whose docstrings are mostly prose, read from their source (nothing is
# imported), in this order; a module a Python version lacks is skipped.
CORPUS_MODULES = (
    "argparse", "collections", "contextlib", "dataclasses", "datetime", "difflib", "enum", "functools",
    "heapq", "inspect", "json", "logging", "random", "shutil", "statistics", "string", "textwrap",
    "threading", "typing", "zipfile", "tempfile", "traceback", "fractions", "calendar", "csv", "pprint",
)
CORPUS_MAX_CHARS = 200_000  # the text is cut here: bounded whatever the Python
# The characters `chars` knows, in class order: newline and printable ASCII; any other is left out.
VOCAB = ("\n", *(chr(c) for c in range(32, 127)))


def task_classes(task: str, vocab: int) -> list[str]:
    """The classes of a `sequences` task: the tokens, or even/odd for parity."""
    return ["even", "odd"] if task == "parity" else [str(t) for t in range(vocab)]


def sequences(*, task: str, length: int, vocab: int, size: int, seed: int) -> Dataset:
    """Uniform tokens in [0, vocab) labelled by `task`.

    majority: the most frequent token (the smallest of those tied); parity: whether the tokens' sum is
    odd (with vocab 2, the count of 1s); sort and reverse: the sorted or reversed sequence, one class per
    position.
    """
    g = torch.Generator().manual_seed(seed)
    x = torch.randint(0, vocab, (size, length), generator=g)  # (N, L)
    if task == "majority":
        y = torch.cat([_counts(chunk, vocab).argmax(dim=1) for chunk in x.split(_CHUNK)])  # (N,): first max
    elif task == "parity":
        y = x.sum(dim=1) % 2  # (N,)
    elif task == "sort":
        y = x.sort(dim=1).values  # (N, L)
    else:
        assert task == "reverse", task
        y = x.flip(1)  # (N, L)
    rule = {"majority": "its most frequent token (the smallest of a tie)",
            "parity": "whether the sum of its tokens is odd",
            "sort": "the sequence sorted, a class per position",
            "reverse": "the sequence reversed, a class per position"}[task]
    return Dataset(
        name="sequences", title="Sequences", task="classification", x=x, y=y,
        classes=task_classes(task, vocab),
        description=f"{size} sequences of {length} tokens in [0, {vocab}), each labelled by {rule}.",
        options={"task": task, "length": length, "vocab": vocab, "size": size, "seed": seed},
        info={"vocab_size": vocab},
    )


def _counts(x: torch.Tensor, vocab: int) -> torch.Tensor:
    """How often each token occurs in each row of `x` (B, L): (B, vocab)."""
    return torch.zeros(x.shape[0], vocab, dtype=torch.int64).scatter_add_(1, x, torch.ones_like(x))


@functools.cache
def corpus() -> tuple[str, list[str]]:
    """The text of `chars` and the modules it came from: their docstrings, in the vocabulary, cut to size."""
    root = Path(sysconfig.get_paths()["stdlib"])
    parts: list[str] = []
    used: list[str] = []
    total = 0
    for name in CORPUS_MODULES:
        path = next((p for p in (root / f"{name}.py", root / name / "__init__.py") if p.is_file()), None)
        if path is None:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                doc = ast.get_docstring(node)
                if doc:
                    parts.append(doc)
                    total += len(doc) + 2
        used.append(name)
        if total >= CORPUS_MAX_CHARS:
            break
    known = set(VOCAB)
    text = "".join(c for c in "\n\n".join(parts).replace("\t", "    ") if c in known)[:CORPUS_MAX_CHARS]
    return text, used


def chars(*, length: int, size: int, seed: int, target: str = "positions") -> Dataset:
    """Windows of `length` characters of the docstring text, each position's target the character after it
    (`target` "positions"), or one target per window, the character after its last (`target` "next")."""
    text, modules = corpus()
    index = {c: i for i, c in enumerate(VOCAB)}
    codes = torch.tensor([index[c] for c in text], dtype=torch.int64)  # (T,)
    g = torch.Generator().manual_seed(seed)
    starts = torch.randint(0, codes.shape[0] - length, (size, 1), generator=g)  # (N, 1)
    at = starts + torch.arange(length)  # (N, L)
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    return Dataset(
        name="chars", title="Characters (Python docstrings)", task="classification",
        x=codes[at],  # (N, L)
        y=codes[at + 1] if target == "positions" else codes[starts[:, 0] + length],  # (N, L) one character on, or (N,)
        classes=list(VOCAB),
        description=f"{size} windows of {length} characters of the docstrings of {len(modules)} standard-library "
                    f"modules (Python {version}); "
                    + ("each position's target is the next character." if target == "positions"
                       else "each window's target is the character after it."),
        options={"length": length, "target": target, "size": size, "seed": seed},
        info={"vocab_size": len(VOCAB), "text_chars": len(text), "modules": modules, "python": version,
              # model.py's tokenize() reads new text with it: any length, a character outside VOCAB left out
              "tokenizer": {"unit": "char", "vocab": list(VOCAB), "length": None, "pad_id": None, "unk_id": None}},
    )
