"""`manage.py runworker training`: Channels' own worker command, with the training supervisor.

Listening on the `training` channel also starts this process's `TrainingSupervisor`, which takes
queued runs at once and every few seconds (a wake-up message can be lost; a queued run cannot).
SIGTERM and Ctrl-C let each running run finish its step, write a checkpoint and go back in the queue.
"""

from __future__ import annotations

import asyncio
import signal

from channels.management.commands.runworker import Command as ChannelsRunworker
from channels.worker import Worker

from builder.runs.stream import TRAINING_CHANNEL
from builder.runs.worker import TrainingSupervisor


class TrainingWorker(Worker):
    """Channels' worker; listening on `training` it also runs a `TrainingSupervisor`."""

    supervisor: TrainingSupervisor | None = None

    async def listen(self) -> asyncio.Future:
        """Start the supervisor (if `training` is among the channels) and the channel listeners."""
        if TRAINING_CHANNEL in self.channels:
            self.supervisor = TrainingSupervisor(layer=self.channel_layer)
            await self.supervisor.start()
        return asyncio.ensure_future(super().handle())

    async def handle(self) -> None:
        listening = await self.listen()
        if self.supervisor is None:
            return await listening
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stopping.set)
        done, _ = await asyncio.wait([listening, asyncio.ensure_future(stopping.wait())],
                                     return_when=asyncio.FIRST_COMPLETED)
        await self.supervisor.shutdown()
        listening.cancel()
        if listening in done:
            listening.result()  # a channel layer error: surface it


class Command(ChannelsRunworker):
    help = "Run a Channels worker; on the 'training' channel it trains queued runs."
    worker_class = TrainingWorker
