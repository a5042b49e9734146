"""`manage.py serve`: the embedded default in one process, Daphne and a training worker together.

This is what `make run` starts. The worker shares the process (and so Channels' in-memory layer)
with the web server; each run still trains in a process of its own, so the server stays responsive.
"""

from __future__ import annotations

from daphne.server import Server  # isort:skip  (installs Twisted's asyncio reactor first)

import asyncio
import logging

from channels.layers import get_channel_layer
from channels.routing import get_default_application
from daphne.endpoints import build_endpoint_description_strings
from django.conf import settings
from django.core.management.base import BaseCommand
from twisted.internet import defer, reactor

from builder.management.commands.runworker import TrainingWorker
from builder.runs.stream import TRAINING_CHANNEL

log = logging.getLogger("builder.serve")


class Command(BaseCommand):
    help = "Serve NetBuilder (HTTP + websockets) with a training worker in the same command."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-worker", action="store_true", help="Serve only; run workers elsewhere.")

    def handle(self, *args, host: str, port: int, no_worker: bool, **options):
        application = get_default_application()
        worker = None if no_worker else TrainingWorker(
            application=application, channels=[TRAINING_CHANNEL], channel_layer=get_channel_layer())

        def ready() -> None:
            url = f"http://{host}:{port}/"
            database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
            layer = type(get_channel_layer()).__name__
            self.stdout.write(
                f"NetBuilder is serving on {url}  (database: {database}, channel layer: {layer}, "
                f"training worker: {'off' if worker is None else 'on'})\n"
                f"First time? Sign up at {url}accounts/signup/ "
                "(or: .venv/bin/python manage.py createsuperuser). Ctrl-C stops.\n"
            )
            self.stdout.flush()
            if worker is not None:
                asyncio.ensure_future(worker.listen())

        def shutdown() -> defer.Deferred | None:
            if worker is None or worker.supervisor is None:
                return None
            return defer.Deferred.fromFuture(asyncio.ensure_future(worker.supervisor.shutdown()))

        reactor.addSystemEventTrigger("before", "shutdown", shutdown)
        Server(
            application=application,
            endpoints=build_endpoint_description_strings(host=host, port=port),
            ready_callable=ready,
            verbosity=options.get("verbosity", 1),
            application_close_timeout=10,
        ).run()
