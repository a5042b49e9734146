"""The run stream: one definition of its groups, message types and rate.

Every websocket message is `{"type": ..., "data": ...}`. A run's stream starts with a `snapshot`,
then carries `status`, `metrics`, `epoch`, `log`, and one final `finished` | `failed` | `stopped`.
"""

from __future__ import annotations

SNAPSHOT = "snapshot"
STATUS = "status"
METRICS = "metrics"
EPOCH = "epoch"
LOG = "log"
FINISHED = "finished"
FAILED = "failed"
STOPPED = "stopped"
FINAL_TYPES = (FINISHED, FAILED, STOPPED)
STORED_TYPES = (METRICS, EPOCH, LOG, *FINAL_TYPES)
# The final message type for each final run status.
FINAL_TYPE_OF_STATUS = {"succeeded": FINISHED, "failed": FAILED, "stopped": STOPPED}

# At most this many `metrics` messages a second per run; each carries every step since the last.
METRICS_PER_SECOND = 20
# Stored events are written in batches at least this often.
DB_FLUSH_SECONDS = 1.0

TRAINING_CHANNEL = "training"


def run_group(run_id: int) -> str:
    """Everyone watching run `run_id`."""
    return f"run.{run_id}"


def user_runs_group(user_id: int) -> str:
    """Everyone watching the run list of user `user_id`."""
    return f"user.{user_id}.runs"
