"""The whole path a user waits for, from Start to the last point of the curve, beside plain PyTorch.

TensorFlow Playground's spiral (the built-in `spirals` dataset, 500 points, half held out; 2-8-Tanh-8-Tanh-2,
SGD lr 0.03 without momentum, batch 10, 300 epochs) trained five ways, each timed from its start:

  (a) a hand-written PyTorch loop in this process (randperm, slice, step; validation loss every epoch);
  (b) `builder.engine.training.train` in this process on the compiled graph, no checkpoints;
  (c) the full path on the embedded default: `manage.py serve` (Daphne and a worker in one command,
      SQLite, in-memory channel layer); `POST /api/runs`, then the run's websocket as the run page reads
      it, to the first `epoch` message and to the final `finished` one;
  (d) the same on the scaled-out setup: a fresh PostgreSQL database, Redis, a Daphne process and a
      separate `manage.py runworker training` (skipped, with the reason, when either does not answer);
  (e) the seed's MyNetwork (784-128-ReLU-10, SGD lr 0.01, batch 64, 60,000 `random` samples): the
      hand-written loop against the full embedded path, in samples/s.

Every figure is the median of `--repeats` runs, after one untimed warm-up run; both servers are started
first and every part takes its turn within each repeat, so a slow minute of a shared machine hits all of
them alike (the ratios compare runs made side by side, not minutes apart). The servers run with the
settings a user gets (not the e2e tests' faster heartbeats); torch runs one thread on both sides unless
--threads says otherwise (on a shared 2-core machine, more threads than free cores turn every figure into
noise). The tables go into docs/performance.md between <!-- bench:run-path --> and <!-- /bench:run-path -->
(run-path-cuda with --device cuda). Every process it starts is killed and the database it made dropped, on
an error and on Ctrl-C too.

    python bench/bench_run_path.py                        # every part; writes docs/performance.md
    python bench/bench_run_path.py --only playground      # (a)-(d): prints, writes nothing
    python bench/bench_run_path.py --only hand,embedded --epochs 30 --repeats 1
    python bench/bench_run_path.py --device cuda
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import platform
import signal
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import torch
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_stream import REDIS_URL  # noqa: E402
from bench.bench_training import MyNetwork  # noqa: E402
from bench.report import write_section  # noqa: E402
from builder.engine.graph import compile_graph  # noqa: E402
from builder.engine.training import TrainConfig, load_dataset, train  # noqa: E402
from tests.e2e.processes import PG_ADMIN_URL, Api, Deployment, free_port, ws_url  # noqa: E402

PLAYGROUND_PARTS = ("hand", "engine", "embedded", "scaled")
PARTS = (*PLAYGROUND_PARTS, "mynetwork")
GROUPS = {"playground": PLAYGROUND_PARTS, "all": PARTS}
FINAL = ("finished", "failed", "stopped")
# The e2e tests' fast timings (tests/e2e/processes.py), which a user's server does not have.
TEST_ONLY_ENV = ("NETBUILDER_HEARTBEAT_SECONDS", "NETBUILDER_STALE_SECONDS", "NETBUILDER_POLL_SECONDS",
                 "OMP_NUM_THREADS")

SPIRAL = {
    "format": "netbuilder.graph/1",
    "name": "Spiral",
    "nodes": [
        {"id": "x", "type": "Input", "params": {"shape": [2]}},
        {"id": "h1", "type": "Linear", "params": {"out_features": 8}},
        {"id": "a1", "type": "Tanh"},
        {"id": "h2", "type": "Linear", "params": {"out_features": 8}},
        {"id": "a2", "type": "Tanh"},
        {"id": "o", "type": "Linear", "params": {"out_features": 2}},
        {"id": "y", "type": "Output"},
    ],
    "edges": [
        {"source": "x", "target": "h1"}, {"source": "h1", "target": "a1"}, {"source": "a1", "target": "h2"},
        {"source": "h2", "target": "a2"}, {"source": "a2", "target": "o"}, {"source": "o", "target": "y"},
    ],
}
MY_NETWORK = json.loads((ROOT / "builder" / "engine" / "graph" / "templates" / "mlp.json").read_text())["graph"]


@dataclass(frozen=True)
class Job:
    """One training job, as the Train dialog submits it: the body of `POST /api/runs`."""

    graph: dict
    dataset: str
    dataset_options: dict
    config: dict

    def body(self, **config: Any) -> dict:
        return {"graph": self.graph, "dataset": self.dataset, "dataset_options": self.dataset_options,
                "config": {**self.config, **config}}

    @property
    def samples(self) -> int:
        """Training samples per epoch."""
        n = self.dataset_options["size"]
        return n - int(round(n * self.config["val_fraction"]))


def spiral_job(epochs: int, device: str) -> Job:
    return Job(SPIRAL, "spirals", {"size": 500, "seed": 0},
               {"epochs": epochs, "batch_size": 10, "optimizer": "sgd", "lr": 0.03, "momentum": 0.0,
                "val_fraction": 0.5, "seed": 0, "device": device})


def my_network_job(epochs: int, device: str) -> Job:
    return Job(MY_NETWORK, "random", {"size": 60_000, "features": 784, "classes": 10, "seed": 0},
               {"epochs": epochs, "batch_size": 64, "optimizer": "sgd", "lr": 0.01, "momentum": 0.0,
                "val_fraction": 0.0, "seed": 0, "device": device})


# In process ---------------------------------------------------------------------------------------


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def hand_loop(model: nn.Module, job: Job, device: torch.device) -> dict:
    """The plain-PyTorch way: the data on the device, randperm and slices, validation loss every epoch."""
    ds = load_dataset(job.dataset, **job.dataset_options)
    config = job.config
    n = ds.x.shape[0]
    n_val = int(round(n * config["val_fraction"]))
    start = time.perf_counter()
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(config["seed"]))
    x, y = ds.x.to(device), ds.y.to(device)
    x_train, y_train = x[perm[n_val:]], y[perm[n_val:]]  # (N, features), (N,)
    x_val, y_val = x[perm[:n_val]], y[perm[:n_val]]
    model.to(device)
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=config["lr"], momentum=config["momentum"])
    batch = config["batch_size"]
    first_epoch = 0.0
    val_loss = float("nan")
    for epoch in range(config["epochs"]):
        model.train()
        order = torch.randperm(x_train.shape[0], device=device)
        for i in range(0, x_train.shape[0], batch):
            idx = order[i : i + batch]
            loss = criterion(model(x_train[idx]), y_train[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        if n_val:
            model.eval()
            with torch.no_grad():
                val_loss = criterion(model(x_val), y_val).item()  # read back, as a printed curve would be
        else:
            sync(device)
        if epoch == 0:
            first_epoch = time.perf_counter() - start
    sync(device)
    return {"total_s": time.perf_counter() - start, "first_epoch_s": first_epoch, "val_loss": val_loss}


def hand_spiral(job: Job, device: torch.device) -> dict:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 2))
    return hand_loop(model, job, device)


def hand_my_network(job: Job, device: torch.device) -> dict:
    torch.manual_seed(0)
    return hand_loop(MyNetwork(), job, device)


def engine_direct(job: Job) -> dict:
    """`builder.engine.training.train` as the run's process calls it, less the files: compile, load, train."""
    start = time.perf_counter()
    first_epoch = [0.0]

    def callback(event: dict) -> None:
        if event["type"] == "epoch" and not first_epoch[0]:
            first_epoch[0] = time.perf_counter() - start

    model = compile_graph(job.graph)
    ds = load_dataset(job.dataset, **job.dataset_options)
    result = train(model, ds, TrainConfig.from_dict(job.config, dataset=ds), callback=callback)
    assert result.status == "succeeded", result.error
    return {"total_s": time.perf_counter() - start, "first_epoch_s": first_epoch[0],
            "val_loss": result.metrics.get("val_loss"), "engine_s": result.metrics["time_s"]}


# Real processes -----------------------------------------------------------------------------------


@dataclass
class BenchDeployment(Deployment):
    """A deployment as a user runs it: the e2e tests' fast heartbeats and single thread left out."""

    threads: int = 0

    @property
    def env(self) -> dict[str, str]:
        env = super().env
        for key in TEST_ONLY_ENV:
            if key in os.environ:
                env[key] = os.environ[key]
            else:
                env.pop(key, None)
        if self.threads:
            env["OMP_NUM_THREADS"] = str(self.threads)
        return env


def iso_seconds(stamp: str | None) -> float | None:
    return datetime.fromisoformat(stamp).timestamp() if stamp else None


def follow_run(base: str, token: str, api: Api, job: Job, **config: Any) -> dict:
    """Submit `job` and read its websocket as the run page does, right after the submit answers.

    Times are from just before `POST /api/runs`; an epoch or final message that the snapshot already
    holds counts when the snapshot arrives, as it does in the browser.
    """
    from websockets.sync.client import connect

    wall0, t0 = time.time(), time.perf_counter()
    status, run = api.post("/api/runs", job.body(**config))
    posted = time.perf_counter() - t0
    assert status == 201, run
    first_epoch = first_epoch_ended = final = None
    last_epoch_ended = None
    epoch_seconds: dict[int, float] = {}  # by epoch number: a snapshot and a live message may both hold one
    url = ws_url(base, f"/ws/runs/{run['id']}/")
    with connect(url, additional_headers={"Authorization": f"Bearer {token}"}, open_timeout=30,
                 max_size=None) as ws:
        deadline = time.monotonic() + 1800
        while final is None:
            message = json.loads(ws.recv(timeout=max(1.0, deadline - time.monotonic())))
            now = time.perf_counter() - t0
            events = message["data"]["events"] if message["type"] == "snapshot" else [message]
            for event in events:
                if event["type"] == "epoch":
                    epoch_seconds[event["data"]["epoch"]] = event["data"]["epoch_seconds"]
                    last_epoch_ended = event["data"]["ended_at"] - wall0
                    if first_epoch is None:
                        first_epoch, first_epoch_ended = now, last_epoch_ended
                elif event["type"] in FINAL:
                    final = (now, event)
        # The files still pending at the end (ONNX) follow; the next run starts on a quiet server.
        files_at = None
        pending = final[1]["data"].get("pending") and not any(e["type"] == "files" for e in events)
        while pending:
            message = json.loads(ws.recv(timeout=max(1.0, deadline - time.monotonic())))
            if message["type"] == "files":
                files_at, pending = time.perf_counter() - t0, False
    total, event = final
    assert event["type"] == "finished", event
    _, detail = api.get(f"/api/runs/{run['id']}")
    started = iso_seconds(detail["started_at"])
    return {
        "total_s": total, "first_epoch_s": first_epoch, "posted_s": posted, "files_s": files_at,
        "started_s": started - wall0 if started is not None else None,
        "first_epoch_ended_s": first_epoch_ended, "last_epoch_ended_s": last_epoch_ended,
        "engine_s": detail["final_metrics"].get("time_s"), "val_loss": detail["final_metrics"].get("val_loss"),
        "samples_per_second": job.samples * len(epoch_seconds) / sum(epoch_seconds.values()),
    }


@dataclass
class Server:
    """A started deployment with a user: what `follow_run` submits to."""

    base: str
    token: str
    api: Api

    def run(self, job: Job, **config: Any) -> dict:
        return follow_run(self.base, self.token, self.api, job, **config)


def serving(deployment: Deployment, port: int) -> Server:
    token = deployment.create_user(f"bench{uuid.uuid4().hex[:6]}", "bench-Strong-pass-1")
    base = f"http://127.0.0.1:{port}"
    return Server(base, token, Api(base, token))


def describe(r: dict) -> str:
    parts = [f"total {r['total_s']:.2f} s", f"first epoch {r['first_epoch_s']:.3f} s"]
    if r.get("started_s") is not None:
        parts.append(f"started {r['started_s']:.2f} s")
    if r.get("engine_s") is not None:
        parts.append(f"engine {r['engine_s']:.2f} s")
    return ", ".join(parts)


@contextmanager
def embedded(threads: int) -> Iterator[tuple[Server, float]]:
    """(c): `manage.py serve` as `make run` starts it, on a free port, SQLite in a temporary folder;
    yields the server and the seconds it took to answer `/healthz`."""
    with tempfile.TemporaryDirectory() as tmp:
        deployment = BenchDeployment(var_dir=Path(tmp) / "var", threads=threads)
        try:
            deployment.setup()
            port = free_port()
            start = time.perf_counter()
            deployment.start_serve(port)
            ready = time.perf_counter() - start
            print(f"  (c) manage.py serve answered /healthz after {ready:.1f} s", flush=True)
            yield serving(deployment, port), ready
        finally:
            deployment.stop_all()


def services_problem() -> str | None:
    """Why the scaled-out setup can't run here, or None when PostgreSQL and Redis both answer."""
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL.replace("postgres://", "postgresql://"), connect_timeout=3):
            pass
    except Exception as e:  # any driver error means "not answering"; the message says which
        return f"PostgreSQL at {PG_ADMIN_URL} does not answer: {str(e).strip()[:200]}"
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except Exception as e:  # as above
        return f"Redis at {REDIS_URL} does not answer: {str(e).strip()[:200]}"
    return None


@contextmanager
def fresh_database() -> Iterator[str]:
    """A new PostgreSQL database for one deployment, dropped afterwards; yields its URL."""
    import psycopg

    admin = PG_ADMIN_URL.replace("postgres://", "postgresql://")
    name = f"nb_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def scaled_out(threads: int) -> Iterator[Server]:
    """(d): PostgreSQL + Redis, one Daphne process and one `runworker training` process."""
    with tempfile.TemporaryDirectory() as tmp, fresh_database() as url:
        deployment = BenchDeployment(var_dir=Path(tmp) / "var", database_url=url, redis_url=REDIS_URL,
                                     threads=threads)
        try:
            deployment.setup()
            port = free_port()
            deployment.start_daphne(port)
            deployment.start_worker("bench-worker")
            yield serving(deployment, port)
        finally:
            deployment.stop_all()


# Report -------------------------------------------------------------------------------------------


def median(runs: list[dict], key: str) -> float | None:
    values = [r[key] for r in runs if r.get(key) is not None]
    return statistics.median(values) if values else None


def seconds(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f} s"


def playground_table(results: dict[str, list[dict]], job: Job) -> list[str]:
    labels = {
        "hand": "(a) hand-written PyTorch loop, in process",
        "engine": "(b) `builder.engine.training.train`, in process, no checkpoints",
        "embedded": "(c) full path, embedded (`manage.py serve`, SQLite)",
        "scaled": "(d) full path, scaled out (Daphne + `runworker`, PostgreSQL + Redis)",
    }
    base = median(results.get("hand", []), "total_s")
    lines = ["| path | start → end | start → first epoch | ÷ (a) | training alone | validation loss |",
             "|---|---:|---:|---:|---:|---:|"]
    for part, label in labels.items():
        runs = results.get(part)
        if not runs:
            continue
        total = median(runs, "total_s")
        ratio = f"{total / base:.2f}×" if base and total else "–"
        loss = median(runs, "val_loss")
        lines.append(f"| {label} | {seconds(total)} | {seconds(median(runs, 'first_epoch_s'), 3)} | {ratio} "
                     f"| {seconds(median(runs, 'engine_s'))} | {'–' if loss is None else f'{loss:.3f}'} |")
    steps = job.config["epochs"] * -(-job.samples // job.config["batch_size"])
    lines.append("")
    lines.append(f"{job.config['epochs']} epochs of {job.samples} training samples, {steps:,} steps. For (c) and (d) "
                 "the start is just before `POST /api/runs` and the end the `finished` message at the websocket "
                 "client; *training alone* is the engine's own `time_s` (its steps, evaluation, figures and "
                 "checkpoints).")
    return lines


def timeline_table(results: dict[str, list[dict]]) -> list[str]:
    labels = {"embedded": "(c) embedded", "scaled": "(d) scaled out"}
    rows = [(labels[p], results[p], results[f"{p}-warm"][0]) for p in labels if results.get(p)]
    if not rows:
        return []
    lines = ["Where the time goes on the full path (medians, seconds from just before `POST /api/runs`):", "",
             "| | POST answered | run started | 1st epoch ended (server) | 1st epoch at client "
             "| last epoch ended | `finished` at client | warm-up run: 1st epoch at client |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for label, runs, warm in rows:
        keys = ("posted_s", "started_s", "first_epoch_ended_s", "first_epoch_s", "last_epoch_ended_s", "total_s")
        cells = " | ".join(seconds(median(runs, k), 3) for k in keys)
        lines.append(f"| {label} | {cells} | {seconds(warm['first_epoch_s'], 3)} |")
    return lines


def my_network_table(hand: list[dict], full: list[dict], job: Job) -> list[str]:
    samples = job.samples * job.config["epochs"]
    base = samples / statistics.median(r["total_s"] for r in hand)
    lines = ["| MyNetwork, 60,000 samples, batch 64 | samples/s | ÷ (a) |", "|---|---:|---:|",
             f"| (a) hand-written loop, in process | {base:,.0f} | 1.00 |"]
    if full:
        epoch_wall = median(full, "samples_per_second")
        end_to_end = samples / statistics.median(r["total_s"] for r in full)
        if epoch_wall is not None:
            lines.append(f"| (c) full path, over the run's epochs (their `epoch_seconds`, as the run page counts) "
                         f"| {epoch_wall:,.0f} | {epoch_wall / base:.2f} |")
        lines.append(f"| (c) full path, end to end (submit → `finished`) | {end_to_end:,.0f} | {end_to_end / base:.2f} |")
    return lines


def goals(results: dict[str, list[dict]], my: tuple[list[dict], list[dict], Job] | None) -> list[str]:
    lines = []
    base = median(results.get("hand", []), "total_s")
    for part, label in (("embedded", "(c)"), ("scaled", "(d)")):
        runs = results.get(part)
        if not runs:
            continue
        total, first = median(runs, "total_s"), median(runs, "first_epoch_s")
        if base:
            lines.append(f"- {label} full path ÷ hand loop: {total / base:.2f}× (goal ≤ 1.5×) "
                         f"{'✓' if total / base <= 1.5 else '✗'}")
        lines.append(f"- {label} submit → first epoch: {first:.2f} s (goal ≤ 0.5 s) {'✓' if first <= 0.5 else '✗'}")
    if my is not None and my[1]:
        hand, full, job = my
        base_rate = job.samples * job.config["epochs"] / statistics.median(r["total_s"] for r in hand)
        rate = median(full, "samples_per_second")
        if rate is not None:
            lines.append(f"- MyNetwork full path samples/s ÷ hand loop (the run's epochs): {rate / base_rate:.2f}× "
                         f"(goal ≥ 0.9×) {'✓' if rate / base_rate >= 0.9 else '✗'}")
    return lines


# Main ---------------------------------------------------------------------------------------------


def parse_parts(text: str) -> list[str]:
    parts: list[str] = []
    for item in text.split(","):
        for part in GROUPS.get(item, (item,)):
            if part not in PARTS:
                raise ValueError(f"unknown part {part!r}: choose from {', '.join([*GROUPS, *PARTS])}")
            if part not in parts:
                parts.append(part)
    return parts


def raise_on_termination() -> None:
    """SIGTERM and SIGHUP unwind like Ctrl-C, so that every `finally` stops what it started."""
    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGHUP, handler)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="all",
                        help=f"comma-separated parts: {', '.join(PARTS)}, or playground (a-d) / all")
    parser.add_argument("--device", default="cpu", help="cpu or cuda (skipped with the reason where CUDA is missing)")
    parser.add_argument("--epochs", type=int, default=300, help="epochs of the spiral")
    parser.add_argument("--my-network-epochs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3, help="runs of each measurement (the median counts)")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads on both sides, as in bench_training.py (0: torch's default)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/performance.md alone")
    args = parser.parse_args()
    try:
        parts = parse_parts(args.only)
    except ValueError as e:
        parser.error(str(e))
    if args.device not in ("cpu", "cuda"):
        parser.error("--device takes cpu or cuda")
    if args.device == "cuda" and not torch.cuda.is_available():
        print("skipped: --device cuda, but torch.cuda.is_available() is False on this machine "
              f"(torch {torch.__version__}, CUDA build {torch.version.cuda})")
        return
    raise_on_termination()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    load = os.getloadavg()[0]
    spiral = spiral_job(args.epochs, args.device)
    my_job = my_network_job(args.my_network_epochs, args.device)
    results: dict[str, list[dict]] = {}
    notes: list[str] = []

    in_process = {
        "hand": ("(a) hand loop", lambda job: hand_spiral(job, device), spiral),
        "engine": ("(b) train()", engine_direct, spiral),
        "mynetwork": ("(e) MyNetwork hand loop", lambda job: hand_my_network(job, device), my_job),
    }
    with contextlib.ExitStack() as stack:
        servers: dict[str, Server] = {}
        if "embedded" in parts or "mynetwork" in parts:
            servers["embedded"], ready = stack.enter_context(embedded(args.threads))
            notes.append(f"`manage.py serve` answered `/healthz` {ready:.1f} s after it was started.")
        if "scaled" in parts:
            problem = services_problem()
            if problem is not None:
                print(f"  (d) skipped: {problem}", flush=True)
                notes.append(f"(d) was skipped: {problem}.")
            else:
                servers["scaled"] = stack.enter_context(scaled_out(args.threads))
                notes.append(f"(d) ran on a fresh database of the PostgreSQL at {PG_ADMIN_URL.rsplit('/', 1)[0]} "
                             f"(dropped afterwards) and the Redis at {REDIS_URL}.")
        # Every measurement, in process or through a server, in one loop per repeat: a slow moment of the
        # shared machine hits each alike, and the ratios compare runs made side by side.
        steps: list[tuple[str, str, Callable[[], dict]]] = [
            (part, label, functools.partial(fn, job)) for part, (label, fn, job) in in_process.items() if part in parts]
        if "embedded" in parts:
            steps.append(("embedded", "(c) embedded", functools.partial(servers["embedded"].run, spiral)))
        if "scaled" in servers:
            steps.append(("scaled", "(d) scaled out", functools.partial(servers["scaled"].run, spiral)))
        if "mynetwork" in parts:
            steps.append(("mynetwork-full", "(e) MyNetwork full path",
                          functools.partial(servers["embedded"].run, my_job)))
        for _, fn, job in (spec for part, spec in in_process.items() if part in parts):  # torch's first calls
            fn(replace(job, config={**job.config, "epochs": 1}))
        for name, server in servers.items():  # each server's first run waits for its training processes' imports
            warm = server.run(spiral, epochs=1)
            results[f"{name}-warm"] = [warm]
            print(f"    {name} warm-up run (1 epoch): first epoch after {warm['first_epoch_s']:.2f} s, "
                  f"finished after {warm['total_s']:.2f} s", flush=True)
        for i in range(args.repeats):
            for part, label, measure in steps:
                results.setdefault(part, []).append(measure())
                print(f"  {label} {i + 1}/{args.repeats}: {describe(results[part][-1])}", flush=True)
    my_hand = results.pop("mynetwork", [])
    my_full = results.pop("mynetwork-full", [])

    lines: list[str] = []
    if set(parts) & set(PLAYGROUND_PARTS):
        lines += [*playground_table(results, spiral), ""]
        timeline = timeline_table(results)
        if timeline:
            lines += [*timeline, ""]
    if my_hand:
        lines += [*my_network_table(my_hand, my_full, my_job), ""]
    summary = goals(results, (my_hand, my_full, my_job) if my_hand else None)
    print()
    print("\n".join([*lines, *summary, *notes]))
    if args.no_write or parts != list(PARTS):
        return  # a partial run would leave the section half empty
    machine = (f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__} "
               f"({torch.get_num_threads()} threads), Python {platform.python_version()}, device {args.device}, "
               f"load average {load:.1f} when it started")
    name = "run-path" if args.device == "cpu" else f"run-path-{args.device}"
    body = "\n".join([
        f"## The whole run path (`bench/bench_run_path.py`{' --device ' + args.device if args.device != 'cpu' else ''})",
        "",
        "TensorFlow Playground's spiral: the built-in `spirals` dataset (500 points, noise 0.03, half held out "
        "for validation), Input 2 → Linear 8 → Tanh → Linear 8 → Tanh → Linear 2, SGD lr 0.03 without "
        f"momentum, batch 10, {args.epochs} epochs; {machine}. Full-path runs are submitted as the Train dialog "
        "does (`POST /api/runs`) and read over the run's websocket as the run page does; each figure is the "
        f"median of {args.repeats} runs after one warm-up run. The machine is shared: compare ratios, which are "
        "measured side by side, more than seconds.",
        "",
        *lines,
        "Goals:",
        "",
        *summary,
        "",
        *notes,
    ])
    write_section(name, body)
    print(f"wrote {ROOT / 'docs' / 'performance.md'}")


if __name__ == "__main__":
    main()
