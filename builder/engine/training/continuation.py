"""Continue a run: a new run that trains on from its parent's last checkpoint.

The child takes the parent's weights, its place in the data (epoch, batch, step: the child's steps are
numbered on from the parent's last), its history and its best epoch's weights; early stopping's patience
counts from the child's first epoch. The optimizer's state (momentum, Adam's moments)
comes along only when the child's optimizer is the parent's with the same options, and the scheduler's
only when, in addition, it is unchanged and does not depend on the run's length (`step`); otherwise they
start fresh, which the child's log says.
"""

from __future__ import annotations

from typing import Any

from .config import TrainConfig

OPTIMIZER_OPTIONS = ("optimizer", "lr", "momentum", "nesterov", "weight_decay")  # what build_optimizer reads
SCHEDULER_OPTIONS = ("scheduler", "step_size", "gamma")  # what build_scheduler reads, with epochs
LENGTH_FREE_SCHEDULERS = ("none", "step")  # cosine and onecycle span the whole run, which the child lengthens


def continuation(checkpoint: dict[str, Any], config: TrainConfig) -> tuple[dict[str, Any], list[str]]:
    """The checkpoint a child run with `config` resumes from, and what it left out, in plain words."""
    parent = checkpoint.get("config") or {}
    out, notes = dict(checkpoint), []
    out["continued_at"] = checkpoint["epoch"]  # early stopping's patience counts from here
    changed = [k for k in OPTIMIZER_OPTIONS if parent.get(k) != getattr(config, k)]
    if changed:
        out["optimizer"] = out["scheduler"] = None
        notes.append("the optimizer starts fresh: " + ", ".join(
            f"{k} {parent.get(k)!r} → {getattr(config, k)!r}" for k in changed))
    elif any(parent.get(k) != getattr(config, k) for k in SCHEDULER_OPTIONS) \
            or config.scheduler not in LENGTH_FREE_SCHEDULERS:
        out["scheduler"] = None
        if config.scheduler != "none":
            notes.append(f"the {config.scheduler} schedule starts fresh over the continued run")
    if out.get("batch") and parent.get("batch_size") != config.batch_size:
        # The position inside an epoch is counted in batches of the parent's size: start the next epoch.
        out.update(epoch=out["epoch"] + 1, batch=0, epoch_seen=0, epoch_loss=out["epoch_loss"] * 0,
                   continued_at=out["epoch"] + 1)
        notes.append(f"batch_size {parent.get('batch_size')} → {config.batch_size}: it starts at the next epoch")
    return out, notes
