"""The run stream: one definition of its groups, message types and rate.

Every websocket message is `{"type": ..., "data": ...}`. A run's stream starts with a `snapshot`,
then carries `status`, `metrics`, `epoch`, `log`, and one final `finished` | `failed` | `stopped`.
"""

from __future__ import annotations

import json

SNAPSHOT = "snapshot"
STATUS = "status"
METRICS = "metrics"
EPOCH = "epoch"
LOG = "log"
FINISHED = "finished"
FAILED = "failed"
STOPPED = "stopped"
# The final message type for each final run status.
FINAL_TYPE_OF_STATUS = {"succeeded": FINISHED, "failed": FAILED, "stopped": STOPPED}

# At most this many `metrics` messages a second per run; each carries every step since the last.
METRICS_PER_SECOND = 20

TRAINING_CHANNEL = "training"


def run_group(run_id: int) -> str:
    """Everyone watching run `run_id`."""
    return f"run.{run_id}"


def user_runs_group(user_id: int) -> str:
    """Everyone watching the run list of user `user_id`."""
    return f"user.{user_id}.runs"


def group_event(message: dict) -> dict:
    """The channel-layer event carrying one stream message to every watcher of a group.

    The message is serialised once here, not once per watcher; `metrics` events also carry their
    step range so a watcher can skip or trim points it already has without parsing the text.
    """
    event = {"type": "run.message", "text": json.dumps(message)}
    if message["type"] == METRICS:
        points = message["data"]["points"]
        event["first_step"] = points[0]["step"] if points else message["data"]["step"]
        event["step"] = message["data"]["step"]
    return event
