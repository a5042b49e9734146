"""Imported by the training fork server alone (it is the last module of worker.PRELOAD).

A worker is stopped by SIGTERM or Ctrl-C to its process group (systemd, `docker stop`, a terminal),
and the group holds the worker's fork server too. Python's fork server ignores SIGINT but not SIGTERM,
so SIGTERM ended it at once, and its training processes, which die with their parent so that no run
trains twice, went with it before the worker could ask them to checkpoint: the run failed where it
should be requeued. Here the fork server ignores SIGTERM as well. It still ends with its worker: it
leaves when the worker's end of its pipe closes, however the worker ended.
"""

import signal
import sys


def _in_fork_server() -> bool:
    # multiprocessing.forkserver starts the server as `python -c 'from multiprocessing.forkserver
    # import main; main(...)'` and imports PRELOAD from there.
    return sys.argv[:1] == ["-c"] and "multiprocessing.forkserver" in sys.modules


if _in_fork_server():
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
