"""The validation loss over a run's epochs: its best epoch, and when early stopping ends the run.

The best epoch is the one of lowest val loss (the first of equals): its weights are kept beside the
last ones. Early stopping (`early_stopping` epochs of patience) counts only a fall of more than
`min_delta` below the last epoch that made one; with `min_delta` 0 that epoch is the best one, and a run
stops `early_stopping` epochs after its best.

    >>> watch = ValLossWatch(patience=2)
    >>> [watch.update(epoch, loss) for epoch, loss in enumerate([0.9, 0.5, 0.6, 0.55], start=1)]
    [True, True, False, False]
    >>> watch.best_epoch, watch.should_stop(4)
    (2, True)
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

VAL_METRICS = ("val_loss", "val_accuracy", "val_top5", "val_r2")  # an epoch's figures on the validation set


@dataclass
class ValLossWatch:
    patience: int | None  # None: early stopping is off
    min_delta: float = 0.0
    best_epoch: int | None = None  # 1-based, as epoch summaries count
    best_loss: float = math.inf
    mark_epoch: int = 0  # the last epoch whose val loss fell by more than min_delta below the mark before it
    mark_loss: float = math.inf

    @classmethod
    def replay(cls, history: Iterable[dict[str, Any]], *, patience: int | None, min_delta: float) -> ValLossWatch:
        """The watch after the epochs of `history` (a resumed run's restored summaries)."""
        watch = cls(patience=patience, min_delta=min_delta)
        for summary in history:
            if "val_loss" in summary:
                watch.update(summary["epoch"], summary["val_loss"])
        return watch

    def update(self, epoch: int, val_loss: float) -> bool:
        """Take an epoch's val loss; True when it is the best so far (a NaN never is)."""
        if self.mark_loss - val_loss > self.min_delta:
            self.mark_epoch, self.mark_loss = epoch, val_loss
        if val_loss < self.best_loss:
            self.best_epoch, self.best_loss = epoch, val_loss
            return True
        return False

    def should_stop(self, epoch: int) -> bool:
        """True when early stopping ends the run after `epoch`."""
        return self.patience is not None and epoch - self.mark_epoch >= self.patience

    def message(self, epoch: int) -> str:
        """The log line of a run that early stopping ends after `epoch`."""
        assert self.patience is not None, "a run without early stopping never stops early"
        epochs = "epoch" if self.patience == 1 else "epochs"
        best = (f"the best epoch was {self.best_epoch} (val loss {self.best_loss:.4f})" if self.best_epoch
                else "no epoch had a finite val loss")
        return (f"Early stopping at epoch {epoch}: val loss has not improved by more than {self.min_delta:g} "
                f"for {self.patience} {epochs}; {best}")


def best_metrics(summary: dict[str, Any]) -> dict[str, float]:
    """The validation figures of an epoch's summary."""
    return {k: summary[k] for k in VAL_METRICS if k in summary}
