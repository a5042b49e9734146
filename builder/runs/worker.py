"""The training worker: claims queued runs, runs each in its own process, relays its stream.

One `TrainingSupervisor` lives in each worker process (`manage.py runworker training`) and in the
embedded server (`manage.py serve`). It takes runs when it starts, whenever the `training` channel
wakes it, and every few seconds in any case (channel layers deliver at most once). Each run's
process reports through a pipe; the supervisor coalesces metrics to at most 20 messages a second,
stores every message in batches, and sends them to the run's group.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import socket
import threading
import time
from pathlib import Path

from channels.db import database_sync_to_async
from django.conf import settings
from django.db import OperationalError

from builder.engine.executor import RunSpec, execute
from builder.engine.settings import engine_settings
from builder.engine.training import events
from builder.models import RunStatus, TrainingRun
from builder.runs import stream
from builder.services import runs as services

log = logging.getLogger("builder.runs.worker")

# How often a running run's stop flag is read from the database.
STOP_CHECK_SECONDS = 0.5
# A store that meets a busy (or briefly unreachable) database is tried again after these delays (the
# last repeats), for this long in all; SQLite itself already waits up to its busy timeout each time.
STORE_RETRY_DELAYS = (0.05, 0.2, 0.5, 1.0, 2.0)
STORE_RETRY_SECONDS = 120.0


def default_slots() -> int:
    """NETBUILDER_WORKER_SLOTS, else one run per GPU, else one."""
    if settings.NETBUILDER_WORKER_SLOTS > 0:
        return settings.NETBUILDER_WORKER_SLOTS
    import torch

    return max(1, torch.cuda.device_count())


class RunRelay:
    """The durable path and the fast path of one run's stream.

    Messages wait in a buffer that is flushed 1/METRICS_PER_SECOND s after the first of them (at once
    when the run ends): one store for the whole batch, then each message is sent, in the order they
    were made. Every message is stored before it is sent: a watcher joins the run's group before it
    reads its snapshot, so whatever it does not get live is already in the database. The metrics points
    that arrive between two other messages travel as one `metrics` message, so a run sends at most
    METRICS_PER_SECOND of them a second. A batch that meets a busy database waits in the buffer and is
    tried again; the training process never waits for the database.
    """

    def __init__(self, run_id: int, owner_id: int, layer) -> None:
        self.run_id = run_id
        self.owner_id = owner_id
        self.layer = layer
        self.group = stream.run_group(run_id)
        self.pending: list[dict] = []  # messages to store and send, each with the step it was made at
        self.last_step = 0
        self.epoch = 0
        self.last_flush = 0.0
        self._flush_handle: asyncio.TimerHandle | None = None
        self._order = asyncio.Lock()  # batches are stored and sent one after the other

    async def send(self, message: dict) -> None:
        await stream.publish(self.layer, self.group, message)

    def add(self, message: dict) -> None:
        """Take one message of the run's process; it is stored and sent with the next flush."""
        data = message["data"]
        self.last_step = max(self.last_step, int(data.get("step", 0)))
        self.epoch = int(data.get("epoch", self.epoch)) if message["type"] != events.LOG else self.epoch
        last = self.pending[-1] if self.pending else None
        if message["type"] == events.METRICS and last is not None and last["type"] == events.METRICS:
            last["data"] = {"step": data["step"], "points": last["data"]["points"] + data["points"]}
            last["step"] = self.last_step
        else:
            self.pending.append({**message, "step": self.last_step})
        if self._flush_handle is None:
            wait = max(0.0, 1 / stream.METRICS_PER_SECOND - (time.monotonic() - self.last_flush))
            self._flush_handle = asyncio.get_running_loop().call_later(
                wait, lambda: asyncio.ensure_future(self._timed_flush()))

    async def _timed_flush(self) -> None:
        try:
            await self.flush()
        except OperationalError:  # the batch waits in the buffer for the next flush
            log.exception("run %s: its stream could not be stored yet", self.run_id)

    async def flush(self) -> None:
        """Store, then send, every message in the buffer; if they cannot be stored, they go back to it."""
        async with self._order:
            if self._flush_handle is not None:
                self._flush_handle.cancel()
                self._flush_handle = None
            batch, self.pending = self.pending, []
            if not batch:
                return
            self.last_flush = time.monotonic()
            try:
                await self._store(batch)
            except OperationalError:
                self.pending[:0] = batch
                raise
            for stored in batch:
                await self.send({"type": stored["type"], "data": stored["data"]})

    async def publish(self, message: dict) -> None:
        """One message of the server's own, stored and sent after everything before it."""
        self.add(message)
        await self.flush()

    async def _store(self, batch: list[dict]) -> None:
        """Store messages in one write, trying again while the database is busy (up to STORE_RETRY_SECONDS)."""
        deadline = time.monotonic() + STORE_RETRY_SECONDS
        attempt = 0
        while True:
            try:
                await database_sync_to_async(services.run_events_append)(run_id=self.run_id, events=batch)
                return
            except OperationalError as e:
                if time.monotonic() >= deadline:
                    raise
                delay = STORE_RETRY_DELAYS[min(attempt, len(STORE_RETRY_DELAYS) - 1)]
                attempt += 1
                log.warning("run %s: storing its stream failed (%s); trying again in %.2f s", self.run_id, e, delay)
                await asyncio.sleep(delay)


# Training processes are forked from a server process that has imported these once (torch alone takes
# seconds), so a run starts training at once; each run still has a fresh process of its own.
PRELOAD = ["torch", "torch._dynamo", "torch.fx", "onnx", "onnxscript",
           "builder.engine.graph", "builder.engine.training", "builder.engine.executor", "builder.engine.weights",
           "builder.runs.fork_server"]


def training_context():
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx


def start_fork_server() -> None:
    """Start the server that training processes fork from (blocks while it imports PRELOAD)."""
    # ensure_running() returns while the server still imports; a first process started through it
    # returns only once the server is serving.
    probe = training_context().Process(target=os.getpid, name="netbuilder-fork-server-probe")
    probe.start()
    probe.join()


class RunProcess:
    """A run's training process and the thread that turns its pipe into an asyncio queue."""

    def __init__(self, spec: RunSpec) -> None:
        ctx = training_context()
        self.stop = ctx.Event()
        self.suspend = ctx.Event()
        reader, writer = ctx.Pipe(duplex=False)
        self.process = ctx.Process(
            target=execute, args=(spec, writer, self.stop, self.suspend),
            name=f"netbuilder-run-{spec.run_id}", daemon=True,
        )
        self._reader, self._writer = reader, writer
        self.messages: asyncio.Queue = asyncio.Queue()

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self.process.start()
        self._writer.close()  # the child holds the only writer: EOF when it exits

        def pump() -> None:
            try:
                while True:
                    loop.call_soon_threadsafe(self.messages.put_nowait, self._reader.recv())
            except (EOFError, OSError):
                pass
            finally:
                loop.call_soon_threadsafe(self.messages.put_nowait, None)

        threading.Thread(target=pump, name=f"{self.process.name}-pipe", daemon=True).start()

    async def wait(self) -> int | None:
        await asyncio.to_thread(self.process.join)
        return self.process.exitcode


class TrainingSupervisor:
    """Claims runs up to `slots` at a time and supervises each to its end."""

    current: TrainingSupervisor | None = None  # the one of this process, for the `training` consumer

    def __init__(self, *, layer, slots: int | None = None, name: str | None = None) -> None:
        self.layer = layer
        self.slots = slots or default_slots()
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        self.active: dict[int, RunProcess] = {}
        self.gpus_in_use: set[int] = set()
        self.tasks: set[asyncio.Task] = set()
        self.training: set[int] = set()  # the runs that hold a slot: from their claim to their final message
        self._wake = asyncio.Event()
        self._closing = False
        self._loop_task: asyncio.Task | None = None
        self._fork_server: asyncio.Task | None = None

    async def start(self) -> None:
        TrainingSupervisor.current = self
        self._loop_task = asyncio.create_task(self._loop())
        log.info("training worker %s ready with %d slot(s)", self.name, self.slots)

    async def _fork_server_ready(self) -> None:
        """Wait (off the event loop) for the fork server to have imported everything: starting a run's
        process before that would block the loop, and every request and websocket with it. Raises what
        starting it raised (the queue poll logs it and tries again)."""
        task = self._fork_server
        if task is None or (task.done() and (task.cancelled() or task.exception() is not None)):
            self._fork_server = task = asyncio.create_task(asyncio.to_thread(start_fork_server))
        await asyncio.shield(task)

    def wake(self) -> None:
        self._wake.set()

    async def _loop(self) -> None:
        last_recovery = 0.0
        while not self._closing:
            try:
                if time.monotonic() - last_recovery > settings.NETBUILDER_STALE_SECONDS / 2:
                    last_recovery = time.monotonic()
                    recovered = await database_sync_to_async(services.runs_recover_stale)()
                    if recovered:
                        log.warning("recovered runs of workers that stopped answering: %s", recovered)
                await self._fill_slots()
            except Exception:  # the database may be briefly away; try again on the next tick
                log.exception("training worker %s: queue poll failed", self.name)
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=settings.NETBUILDER_POLL_SECONDS)
            except TimeoutError:
                pass
            self._wake.clear()

    async def _fill_slots(self) -> None:
        # A run is claimed only once its process can start at once: a claimed run waiting for the fork
        # server's imports would send no heartbeat (and another worker would take it for dead).
        await self._fork_server_ready()
        while not self._closing and len(self.training) < self.slots:
            run = await database_sync_to_async(services.run_claim)(worker=self.name)
            if run is None:
                return
            gpu = self._take_gpu()
            self.training.add(run.pk)
            task = asyncio.create_task(self._supervise(run, gpu))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    def _take_gpu(self) -> int | None:
        """With several GPUs and slots per GPU, each run gets a GPU of its own."""
        if settings.NETBUILDER_WORKER_SLOTS > 0:
            return None
        import torch

        count = torch.cuda.device_count()
        if count < 2:
            return None
        gpu = next(i for i in range(count) if i not in self.gpus_in_use)
        self.gpus_in_use.add(gpu)
        return gpu

    def _spec(self, run: TrainingRun, cuda_device: int | None) -> RunSpec:
        """What the training process needs (reads the database: call through database_sync_to_async)."""
        upload = None
        if run.dataset.startswith("upload:"):
            from builder.models import UploadedDataset

            u = UploadedDataset.objects.get(pk=int(run.dataset.removeprefix("upload:")))
            upload = {"path": u.path, "kind": u.kind, "options": u.options,
                      "max_bytes": settings.NETBUILDER_MAX_UPLOAD_BYTES}
        checkpoint = services.run_checkpoint_path(run.pk)
        resume = str(checkpoint) if run.attempts > 1 and checkpoint.exists() else None
        parent = services.run_continue_path(run.pk)  # a continued run's start: its parent's checkpoint
        return RunSpec(
            run_id=run.pk, graph=run.graph, dataset=run.dataset, dataset_options=run.dataset_options,
            config=run.config, out_dir=str(services.run_files_dir(run.pk)), checkpoint_dir=str(checkpoint.parent),
            data_dir=str(settings.NETBUILDER_DATA_DIR), upload=upload, resume_from=resume,
            continue_from=str(parent) if parent.exists() else None, parent=run.parent_id,
            init_weights=run.init_weights.path if run.init_weights else None,
            cuda_device=cuda_device, engine=engine_settings(),
        )

    async def _supervise(self, run: TrainingRun, cuda_device: int | None) -> None:
        relay = RunRelay(run.pk, run.owner_id, self.layer)
        try:
            spec = await database_sync_to_async(self._spec)(run, cuda_device)
            proc = RunProcess(spec)
            self.active[run.pk] = proc
            proc.start()
            watcher = asyncio.create_task(self._watch(run, proc, relay))
            ended = await self._relay(run, proc, relay, cuda_device)
            watcher.cancel()
            exitcode = await proc.wait()
            if not ended:
                await self._finish(run, relay, None, exitcode, proc)
        except Exception as e:  # the supervisor itself failed on this run: end it failed, go on
            log.exception("run %s: supervision failed", run.pk)
            await database_sync_to_async(services.run_finish)(
                run_id=run.pk, worker=self.name, status=RunStatus.FAILED, error=f"The worker failed: {e}")
        finally:
            self.active.pop(run.pk, None)
            self._free_slot(run.pk, cuda_device)

    async def _relay(self, run: TrainingRun, proc: RunProcess, relay: RunRelay, cuda_device: int | None) -> bool:
        """Forward the process's messages to the run's stream until it exits; whether it sent its final message.

        The run ends (status, final message) the moment its final message arrives; a `files` message
        may follow while the process writes its slower files."""
        ended = False
        awaiting: list[str] | None = None  # the run's files while the final message says more will follow
        while (message := await proc.messages.get()) is not None:
            kind = message["type"]
            if kind in events.FINAL_TYPES:
                ended = True
                awaiting = message["data"]["files"] if message["data"].get("pending") else None
                await self._finish(run, relay, message, None, proc)
                self._free_slot(run.pk, cuda_device)  # the next run trains while this one writes its slower files
            elif kind == events.FILES:
                awaiting = None
                await self._files(run, relay, message)
            elif kind == events.STARTED:
                run.device = message["data"]["device"]
                await database_sync_to_async(services.run_started)(run_id=run.pk, worker=self.name,
                                                                   device=run.device)
            elif kind == events.RESUMED:
                # The resumed run sends again what came after its checkpoint: drop the stored copies,
                # and store what the checkpoint has that the database lacks.
                await relay.flush()
                relay.last_step = message["data"]["step"]
                await database_sync_to_async(services.run_events_resume)(run_id=run.pk, **message["data"])
            else:
                relay.add(message)
        if awaiting is not None:  # the process ended before its slower files: say so, or watchers wait for ever
            await self._files(run, relay, {**events.files(awaiting, onnx_error=(
                "The training process ended before its ONNX export finished")), "outcome": {"files": {}}})
        return ended

    async def _watch(self, run: TrainingRun, proc: RunProcess, relay: RunRelay) -> None:
        """Heartbeats, the stop flag and the run-time limit, while the process runs.

        The limit counts the run's training time over every attempt: earlier attempts' time comes from
        the run (stored with each heartbeat and on requeue), so a requeue doesn't restart the clock.
        """
        started = time.monotonic()
        before = run.trained_seconds
        proc.trained_seconds = lambda: before + time.monotonic() - started  # type: ignore[attr-defined]
        last_beat = time.monotonic()
        while True:
            await asyncio.sleep(STOP_CHECK_SECONDS)
            if time.monotonic() - last_beat >= settings.NETBUILDER_HEARTBEAT_SECONDS:
                last_beat = time.monotonic()
                stop = await database_sync_to_async(services.run_heartbeat)(
                    run_id=run.pk, worker=self.name, step=relay.last_step, epoch=relay.epoch,
                    trained_seconds=proc.trained_seconds())
            else:
                stop = await database_sync_to_async(services.run_stop_requested)(run_id=run.pk, worker=self.name)
            if stop:
                proc.stop.set()
            if proc.trained_seconds() > settings.NETBUILDER_MAX_RUN_SECONDS and not proc.stop.is_set():
                proc.time_limited = True  # type: ignore[attr-defined]
                proc.stop.set()

    async def _finish(self, run: TrainingRun, relay: RunRelay, final: dict | None, exitcode, proc) -> None:
        await relay.flush()
        if final is None:
            final = events.final(RunStatus.FAILED, message=(
                f"The training process ended without a result (exit code {exitcode}); it may have run out of memory"))
        outcome = final.pop("outcome", {})
        if outcome.get("suspended"):
            await relay.publish(events.log("Worker shutting down: checkpoint written, run requeued"))
            spent = proc.trained_seconds() if hasattr(proc, "trained_seconds") else None
            await database_sync_to_async(services.run_requeue)(
                run_id=run.pk, worker=self.name, checkpoint=outcome["checkpoint"], trained_seconds=spent)
            return
        data = final["data"]
        if getattr(proc, "time_limited", False) and final["type"] == events.STOPPED:
            data["message"] = (f"Stopped: the run-time limit of {settings.NETBUILDER_MAX_RUN_SECONDS} s was reached "
                               "(NETBUILDER_MAX_RUN_SECONDS)")
        files = self._stored_paths(outcome.get("files", {}))
        if "onnx_error" in data:
            files["onnx_error"] = data["onnx_error"]
        # The final message is stored with the final status, in one transaction, and sent last.
        done = await database_sync_to_async(services.run_finish)(
            run_id=run.pk, worker=self.name, status=data["status"], metrics=data["metrics"], files=files,
            error=data.get("message", ""), traceback=outcome.get("traceback", ""),
            checkpoint=outcome.get("checkpoint", ""), final_event={**final, "step": relay.last_step},
            step=outcome.get("steps") or relay.last_step, epoch=outcome.get("epochs") or relay.epoch,
        )
        if done is None:
            log.info("run %s was deleted or taken over while it ran", run.pk)
            return
        await relay.send(final)

    def _free_slot(self, run_id: int, cuda_device: int | None) -> None:
        if run_id in self.training:
            self.training.discard(run_id)
            self.gpus_in_use.discard(cuda_device)  # its files are written on the CPU
            self.wake()

    async def _files(self, run: TrainingRun, relay: RunRelay, message: dict) -> None:
        """Files written after the final message (ONNX): stored on the run with the message, then sent."""
        outcome = message.pop("outcome", {})
        files = self._stored_paths(outcome.get("files", {}))
        if "onnx_error" in message["data"]:
            files["onnx_error"] = message["data"]["onnx_error"]
        done = await database_sync_to_async(services.run_files_add)(
            run_id=run.pk, files=files, event={**message, "step": relay.last_step})
        if done:
            await relay.send(message)

    @staticmethod
    def _stored_paths(files: dict[str, str]) -> dict[str, str]:
        """kind -> path relative to the runs folder, as the run stores them."""
        runs_dir = Path(settings.NETBUILDER_RUNS_DIR)
        return {k: str(Path(v).relative_to(runs_dir)) for k, v in files.items()}

    async def shutdown(self) -> None:
        """SIGTERM: every running run finishes its step, writes a checkpoint and goes back in the queue."""
        self._closing = True
        if self._loop_task is not None:
            self._loop_task.cancel()
        for proc in self.active.values():
            proc.suspend.set()
        if self.tasks:
            await asyncio.wait(list(self.tasks), timeout=120)
        log.info("training worker %s stopped", self.name)
