"""The run stream on the server: its groups, its rate, and the one function that sends to a run's group.

The messages themselves are the engine's (`builder.engine.training.events`): every websocket message is
`{"type": ..., "data": ...}`; a run's stream starts with a `snapshot`, then carries `status`,
`metrics`, `epoch`, `log`, and one final `finished` | `failed` | `stopped`.
"""

from __future__ import annotations

import json
import logging

from builder.engine.training.events import METRICS

log = logging.getLogger("builder.runs.stream")

# At most this many `metrics` messages (and stores) a second per run; each carries every step since the last.
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
    event = {"type": "run.message", "text": json.dumps(message, separators=(",", ":"))}  # compact: pictures are big
    if message["type"] == METRICS:
        points = message["data"]["points"]
        event["first_step"] = points[0]["step"] if points else message["data"]["step"]
        event["step"] = message["data"]["step"]
    return event


async def publish(layer, group: str, message: dict) -> None:
    """Send one stream message to a group; a layer that is down only logs (the database has it)."""
    if layer is None:
        return
    try:
        await layer.group_send(group, group_event(message))
    except Exception:
        log.warning("channel layer send to %s failed", group, exc_info=True)
