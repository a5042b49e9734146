"""The worker's training processes: how they are started and how they end with the worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

from django.conf import settings

from builder.engine.executor import _die_with_parent


def train(suspend, out) -> None:  # the training process of WORKER below
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _die_with_parent()
    suspend.wait(60)
    time.sleep(1)  # the step in progress, then the checkpoint: long after the fork server would be gone
    out.send("checkpointed")


# A worker in miniature: a training process started as the worker starts them, which ignores SIGTERM
# and dies with its parent (the fork server) as builder.engine.executor.execute does, and checkpoints
# when the worker, told to leave by SIGTERM, asks it to. SIGTERM to the group reaches the fork server
# too: were it to end, the training process would die with it before its checkpoint.
WORKER = textwrap.dedent("""
    import signal, time
    import django
    django.setup()
    from builder.runs.worker import training_context
    from tests.runs.test_worker import train

    ctx = training_context()
    suspend = ctx.Event()
    reader, writer = ctx.Pipe(duplex=False)
    process = ctx.Process(target=train, args=(suspend, writer))
    process.start()
    signal.signal(signal.SIGTERM, lambda *_: suspend.set())
    print("ready", flush=True)
    while not suspend.is_set():
        time.sleep(0.05)
    said = reader.recv() if reader.poll(30) else "nothing"
    process.join(30)
    print(said, process.exitcode, flush=True)
""")


def test_sigterm_to_the_workers_process_group_leaves_its_training_processes_to_checkpoint():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "netbuilder.settings"}
    worker = subprocess.Popen([sys.executable, "-c", WORKER], cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        assert worker.stdout.readline() == "ready\n", worker.stderr.read()
        os.killpg(worker.pid, signal.SIGTERM)  # as systemd and `docker stop` do: the fork server too
        out, err = worker.communicate(timeout=60)
    finally:
        worker.kill()
    assert out == "checkpointed 0\n", err
