"""Text read as token ids: a vocabulary built from the training texts, and the one function that encodes.

A CSV upload with a `text` column gives int64 token ids `(N, length)`, the input of an `Embedding`. The
vocabulary is built from the training split only (the validation texts are held out before it is
built, so a word seen only there is unknown, as it would be for new text): characters or whitespace-
separated words, most frequent first (ties in string order), after id 0, padding, and id 1, unknown.

The tokenizer is plain data, `Tokenizer.spec()`, kept in the dataset's `info["tokenizer"]` and handed
to the exported model (`builder.engine.graph.preprocess.tokenizer_lines`): model.py holds it and the
source of :func:`builder.engine.graph.preprocess.encode_texts` itself, so its `tokenize()` gives the ids training saw::

    >>> tok = build_tokenizer(["a cat", "a dog"], unit="word")
    >>> tok.vocab, encode_texts(["a bird", "dog"], **tok.spec()).tolist()
    (['<pad>', '<unk>', 'a', 'cat', 'dog'], [[2, 1], [4, 0]])
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from builder.engine.graph.preprocess import encode_texts, split_text

__all__ = ["MAX_LENGTH", "UNITS", "Tokenizer", "build_tokenizer", "encode_texts", "split_text"]

UNITS = ("char", "word")
PAD, UNK = "<pad>", "<unk>"
MAX_VOCAB = 20_000  # tokens kept, the padding and unknown ids included; rarer ones are unknown
MAX_LENGTH = 4096  # tokens per text


@dataclass(frozen=True)
class Tokenizer:
    unit: str  # "char" or "word"
    vocab: list[str]  # token by id
    length: int | None  # every text padded or cut to it; None: each text's own length
    pad_id: int | None  # None: no padding (the text's length must be `length`, or any without one)
    unk_id: int | None  # None: an unknown token is left out

    def spec(self) -> dict:
        return {"unit": self.unit, "vocab": list(self.vocab), "length": self.length, "pad_id": self.pad_id,
                "unk_id": self.unk_id}


def build_tokenizer(texts: list[str], *, unit: str, length: int | None = None) -> Tokenizer:
    """The vocabulary of `texts` (the training split's); `length` None: the longest text's, up to MAX_LENGTH."""
    assert unit in UNITS, unit
    counts: Counter[str] = Counter()
    longest = 1
    for text in texts:
        pieces = split_text(text, unit)
        counts.update(pieces)
        longest = max(longest, len(pieces))
    kept = sorted(counts, key=lambda t: (-counts[t], t))[: MAX_VOCAB - 2]
    return Tokenizer(unit=unit, vocab=[PAD, UNK, *kept], length=length or min(longest, MAX_LENGTH), pad_id=0, unk_id=1)
