"""The live stream, measured through real processes: Daphne and a training worker over Redis.

1. Latency from a metric produced by a worker's relay (the real `RunRelay`, in this process) to its
   arrival at a websocket client, through Redis and one Daphne process: p50 and p99 per point.
2. 200 websocket clients watching one run on one Daphne process: every one gets the final message.
3. What streaming costs training: the same run (the seed's MyNetwork on 60,000 random samples)
   trained by a real `runworker training` with no watchers and with 50 watchers; samples/s of each.

    python bench/bench_stream.py              # writes its section of docs/performance.md
    python bench/bench_stream.py --no-write --clients 50
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.report import write_section  # noqa: E402
from tests.e2e.processes import Api, Deployment, free_port, ws_url  # noqa: E402

REDIS_URL = os.environ.get("NETBUILDER_BENCH_REDIS", "redis://127.0.0.1:6379/14")

SEED_MLP = json.loads((ROOT / "builder" / "engine" / "graph" / "templates" / "mlp.json").read_text())["graph"]


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def setup_django(deployment: Deployment) -> None:
    os.environ.update({k: v for k, v in deployment.env.items() if k.startswith(("NETBUILDER_", "DATABASE_", "REDIS_"))})
    os.environ["DJANGO_SETTINGS_MODULE"] = "netbuilder.settings"
    import django

    django.setup()


def make_run(owner_name: str) -> tuple[int, int]:
    from django.contrib.auth import get_user_model

    from builder.models import RunStatus, TrainingRun

    user = get_user_model().objects.get(username=owner_name)
    run = TrainingRun.objects.create(owner=user, graph=SEED_MLP, dataset="random", status=RunStatus.RUNNING,
                                     worker="bench")
    return run.pk, user.pk


async def latency(base: str, token: str, run_id: int, owner_id: int, *, seconds: float, rate: int) -> dict:
    """Points produced at `rate` per second for `seconds`; latency of each to the websocket client."""
    from channels.layers import get_channel_layer
    from websockets.asyncio.client import connect

    from builder.runs.worker import RunRelay

    relay = RunRelay(run_id, owner_id, get_channel_layer())
    delays: list[float] = []
    async with connect(ws_url(base, f"/ws/runs/{run_id}/"), additional_headers={"Authorization": f"Bearer {token}"},
                       max_size=None) as ws:
        await ws.recv()  # snapshot
        total = int(seconds * rate)

        async def consume() -> None:
            while len(delays) < total:
                message = json.loads(await ws.recv())
                now = time.time()
                if message["type"] == "metrics":
                    delays.extend(now - p["t"] for p in message["data"]["points"])

        consumer = asyncio.create_task(consume())
        start = time.perf_counter()
        for step in range(1, total + 1):
            relay.metrics({"step": step, "epoch": 1, "train_loss": 1.0, "t": time.time()})
            await asyncio.sleep(max(0.0, start + step / rate - time.perf_counter()))
        await relay.flush_metrics()
        await asyncio.wait_for(consumer, timeout=30)
    return {"points": len(delays), "p50_ms": percentile(delays, 50) * 1000, "p99_ms": percentile(delays, 99) * 1000}


async def fan_out(base: str, token: str, run_id: int, owner_id: int, *, clients: int, seconds: float) -> dict:
    """`clients` sockets on one run; metrics for `seconds`, then the final message."""
    from channels.layers import get_channel_layer
    from websockets.asyncio.client import connect

    from builder.runs.worker import RunRelay

    relay = RunRelay(run_id, owner_id, get_channel_layer())
    url = ws_url(base, f"/ws/runs/{run_id}/")
    headers = {"Authorization": f"Bearer {token}"}
    t0 = time.perf_counter()
    sockets = []
    for _ in range(clients):
        ws = await connect(url, additional_headers=headers, max_size=None, open_timeout=60)
        await ws.recv()  # snapshot
        sockets.append(ws)
    connect_s = time.perf_counter() - t0
    received = [0] * clients
    finals = [0] * clients

    async def watch(i: int, ws) -> None:
        while True:
            message = json.loads(await ws.recv())
            received[i] += 1
            if message["type"] == "finished":
                finals[i] += 1
                return

    watchers = [asyncio.create_task(watch(i, ws)) for i, ws in enumerate(sockets)]
    step, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        step += 1
        relay.metrics({"step": step, "epoch": 1, "train_loss": 1.0})
        await asyncio.sleep(0.002)
    await relay.flush_metrics()
    await relay.send({"type": "finished", "data": {"status": "succeeded", "metrics": {}}})
    done, pending = await asyncio.wait(watchers, timeout=60)
    for task in pending:
        task.cancel()
    for ws in sockets:
        await ws.close()
    return {"clients": clients, "connect_s": connect_s, "steps": step, "finals": sum(finals),
            "messages_min": min(received), "messages_max": max(received)}


async def watch_until_final(url: str, token: str, count: int) -> None:
    """`count` clients that read every message of a run (as browsers do) until its final message."""
    from websockets.asyncio.client import connect

    async def one() -> None:
        async with connect(url, additional_headers={"Authorization": f"Bearer {token}"}, max_size=None,
                           open_timeout=60) as ws:
            async for raw in ws:
                if json.loads(raw)["type"] in ("finished", "failed", "stopped"):
                    return

    await asyncio.gather(*(one() for _ in range(count)))


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def training_speed(api: Api, base: str, token: str, *, watchers: int, samples: int, epochs: int,
                   daphne_pid: int) -> tuple[float, float]:
    """samples/s of a real run trained by the worker, with `watchers` websocket clients reading it, and
    the CPU seconds Daphne spent meanwhile.

    The watchers live in a process of their own, like browsers elsewhere (on this one machine they
    still share its cores with the server and the training process).
    """
    cpu_before = cpu_seconds(daphne_pid)
    status, run = api.post("/api/runs", {"graph": SEED_MLP, "dataset": "random",
                                         "dataset_options": {"size": samples},
                                         "config": {"epochs": epochs, "batch_size": 64, "val_fraction": 0.1,
                                                    "log_every": 10, "seed": 0}})
    assert status == 201, run
    watcher = None
    if watchers:
        url = ws_url(base, f"/ws/runs/{run['id']}/")
        watcher = subprocess.Popen([sys.executable, __file__, "--watch", url, "--token", token,
                                    "--watchers", str(watchers)], cwd=ROOT)
    finished = api.wait_for(run["id"], lambda r: r["status"] in ("succeeded", "failed"), timeout=900)
    if watcher is not None:
        assert watcher.wait(timeout=120) == 0, "every watcher gets the final message"
    assert finished["status"] == "succeeded", finished["error"]
    return float(finished["final_metrics"]["samples_per_s"]), cpu_seconds(daphne_pid) - cpu_before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--watchers", default="1,10,50", help="watcher counts to compare with none")
    parser.add_argument("--samples", type=int, default=60_000)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--watch", help=argparse.SUPPRESS)  # internal: be the watchers of one run
    parser.add_argument("--token", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.watch:
        asyncio.run(watch_until_final(args.watch, args.token, int(args.watchers)))
        return

    with tempfile.TemporaryDirectory() as tmp:
        deployment = Deployment(var_dir=Path(tmp) / "var", redis_url=REDIS_URL,
                                extra_env={"NETBUILDER_MAX_ACTIVE_RUNS": "100"})
        deployment.setup()
        token = deployment.create_user("bench", "bench-Strong-pass-1")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        try:
            daphne = deployment.start_daphne(port)
            setup_django(deployment)
            run_id, owner_id = make_run("bench")
            lat = asyncio.run(latency(base, token, run_id, owner_id, seconds=10, rate=200))
            print(f"latency: {lat}", flush=True)
            run2, _ = make_run("bench")
            fan = asyncio.run(fan_out(base, token, run2, owner_id, clients=args.clients, seconds=5))
            print(f"fan-out: {fan}", flush=True)
            deployment.start_worker("bench-worker")
            api = Api(base, token)
            counts = [int(w) for w in args.watchers.split(",")]
            speeds: dict[int, list[float]] = {w: [] for w in [0, *counts]}
            server_cpu: dict[int, list[float]] = {w: [] for w in [0, *counts]}
            for _ in range(2):  # interleaved, so drift in the machine's load hits every count alike
                for watchers in [0, *counts]:
                    speed, cpu = training_speed(api, base, token, watchers=watchers, samples=args.samples,
                                                epochs=args.epochs, daphne_pid=daphne.pid)
                    speeds[watchers].append(speed)
                    server_cpu[watchers].append(cpu)
                    print(f"training with {watchers} watchers: {speed:.0f} samples/s; Daphne used {cpu:.2f} "
                          "CPU s", flush=True)
        finally:
            deployment.stop_all()

    alone = statistics.mean(speeds[0])
    rows = "\n".join(
        f"| training with {w} watcher{'s' if w != 1 else ''} | {statistics.mean(v):,.0f} samples/s "
        f"({(1 - statistics.mean(v) / alone) * 100:+.1f}% cost); Daphne {statistics.mean(server_cpu[w]):.2f} CPU s |"
        for w, v in speeds.items() if w
    )
    body = f"""## Live stream (`bench/bench_stream.py`)

One Daphne process, Redis pub/sub channel layer, a real `runworker training`; watchers are websocket
clients in a separate process that read every message. All on one machine with {os.cpu_count()} CPU cores.

| what | figure |
| --- | --- |
| metric → websocket client latency, p50 | {lat['p50_ms']:.1f} ms ({lat['points']:,} points at 200/s; includes the ≤50 ms coalescing window) |
| metric → websocket client latency, p99 | {lat['p99_ms']:.1f} ms |
| clients watching one run | {fan['clients']} connected in {fan['connect_s']:.1f} s; final message received by {fan['finals']} of {fan['clients']} |
| messages per client over {fan['steps']:,} steps in 5 s | {fan['messages_min']}–{fan['messages_max']} (coalesced to ≤20/s) |
| training with no watcher | {alone:,.0f} samples/s (MyNetwork, {args.samples:,} random samples, batch 64, {args.epochs} epochs); Daphne {statistics.mean(server_cpu[0]):.2f} CPU s |
{rows}

Reading it: repeats of the same run without watchers vary by tens of percent on a shared 2-core machine,
so compare Daphne's CPU time too: that is the server work the watchers add, and on two cores it comes
straight out of the two training threads (on a machine where the trainer has its own cores, it runs
beside it).
"""
    print(body)
    if not args.no_write:
        write_section("stream", body)


if __name__ == "__main__":
    main()
