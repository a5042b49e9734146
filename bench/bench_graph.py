"""Validate and compile latency of the graph compiler for 10-, 100- and 1,000-node graphs.

Run: ``.venv/bin/python bench/bench_graph.py``. Prints its tables and rewrites the section between
``<!-- bench:graph -->`` and ``<!-- /bench:graph -->`` of docs/performance.md. For scale it also
times, side by side, what shape inference by running the model would cost: building the compiled
module on the meta device and running it on a meta tensor.

At 1,000 nodes it also measures what the editor waits for, ``POST /api/graphs/validate`` through a real
Daphne process, free and pinned to one core, and beside it the same Daphne with the loaded application
frozen out of the garbage collector's view (``gc.freeze()``): the tail of both the in-process and the
HTTP figures is the collector's full pass over torch's and Django's objects, and the frozen server shows
what is left without it.

    python bench/bench_graph.py                      # every part; writes docs/performance.md
    python bench/bench_graph.py --only http --no-write
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.report import write_section  # noqa: E402
from builder.engine.graph import compile_graph, validate  # noqa: E402
from tests.e2e.processes import Api, Deployment, free_port, wait_http  # noqa: E402

PARTS = ("sizes", "detail", "http")


def residual_graph(blocks: int) -> dict[str, Any]:
    """A stem, ``blocks`` residual blocks of 7 nodes (Conv2d, BatchNorm2d, ReLU, Conv2d, BatchNorm2d, Add, ReLU), a head."""
    nodes = [{"id": "x", "type": "Input", "params": {"shape": [3, 32, 32]}},
             {"id": "stem", "type": "Conv2d", "params": {"out_channels": 16, "kernel_size": 3, "padding": 1}}]
    edges = [{"source": "x", "target": "stem"}]
    last = "stem"
    for b in range(blocks):
        body = [("conv1", "Conv2d", {"out_channels": 16, "kernel_size": 3, "padding": 1, "bias": False}),
                ("bn1", "BatchNorm2d", {}), ("relu1", "ReLU", {}),
                ("conv2", "Conv2d", {"out_channels": 16, "kernel_size": 3, "padding": 1, "bias": False}),
                ("bn2", "BatchNorm2d", {}), ("add", "Add", {}), ("relu2", "ReLU", {})]
        ids = [f"b{b}_{name}" for name, _, _ in body]
        nodes += [{"id": i, "type": t, "params": p} for i, (_, t, p) in zip(ids, body, strict=True)]
        edges += [{"source": s, "target": t} for s, t in zip([last, *ids], ids, strict=False)]
        edges.append({"source": last, "target": ids[5], "port": 1})
        last = ids[-1]
    head = [("pool", "AdaptiveAvgPool2d", {"output_size": 1}), ("flat", "Flatten", {}),
            ("fc", "Linear", {"out_features": 10}), ("y", "Output", {})]
    nodes += [{"id": i, "type": t, "params": p} for i, t, p in head]
    edges += [{"source": s, "target": t} for s, t in zip([last] + [h[0] for h in head], [h[0] for h in head],
                                                          strict=False)]
    return {"format": "netbuilder.graph/1", "name": f"Residual{blocks}", "nodes": nodes, "edges": edges}


def timings(fn: Callable[[], Any], runs: int) -> tuple[float, float]:
    """p50 and p95 in milliseconds, after one warm-up call."""
    fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]


def meta_run(graph: dict[str, Any]) -> None:
    """The alternative to shape rules: build the model on the meta device and run it on a meta tensor."""
    with torch.device("meta"):
        gm = compile_graph(graph)
        gm(torch.empty(1, 3, 32, 32))


def percentiles(samples: list[float]) -> tuple[float, float]:
    """p50 and p95 of samples in milliseconds."""
    samples = sorted(samples)
    return statistics.median(samples), samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]


@contextlib.contextmanager
def full_collections() -> Iterator[list[float]]:
    """The pause of every full (generation 2) garbage collection while the block runs, in milliseconds."""
    pauses: list[float] = []
    started = [0.0]

    def watch(phase: str, info: dict) -> None:
        if info["generation"] == 2:
            if phase == "start":
                started[0] = time.perf_counter()
            else:
                pauses.append((time.perf_counter() - started[0]) * 1000)

    gc.callbacks.append(watch)
    try:
        yield pauses
    finally:
        gc.callbacks.remove(watch)


@contextlib.contextmanager
def pinned(pid: int, cpus: set[int] | None) -> Iterator[None]:
    """Every thread of process `pid` on `cpus` (None: leave it be), as it was afterwards."""
    if cpus is None:
        yield
        return
    tids = [int(t) for t in os.listdir(f"/proc/{pid}/task")]
    before = os.sched_getaffinity(pid)
    for tid in tids:
        os.sched_setaffinity(tid, cpus)
    try:
        yield
    finally:
        for tid in tids:
            with contextlib.suppress(ProcessLookupError):
                os.sched_setaffinity(tid, before)


def quiet_core() -> int:
    """The core to pin to: the last one this process may use."""
    return max(os.sched_getaffinity(0))


def sizes_table() -> str:
    rows = []
    for blocks, runs in ((1, 300), (14, 200), (142, 40)):
        graph = residual_graph(blocks)
        assert validate(graph)["ok"]
        v50, v95 = timings(lambda g=graph: validate(g), runs)
        c50, c95 = timings(lambda g=graph: compile_graph(g), max(3, runs // 20))
        m50, _ = timings(lambda g=graph: meta_run(g), max(3, runs // 20))
        rows.append((len(graph["nodes"]), v50, v95, c50, c95, m50, m50 / v50))
    header = ("| nodes | validate p50 | validate p95 | compile p50 | compile p95 | meta build+run p50 "
              "| meta ÷ validate |\n|---:|---:|---:|---:|---:|---:|---:|")
    lines = [f"| {n:,} | {v50:.2f} ms | {v95:.2f} ms | {c50:.1f} ms | {c95:.1f} ms | {m50:.1f} ms | {r:.0f}× |"
             for n, v50, v95, c50, c95, m50, r in rows]
    return "\n".join([header, *lines])


def detail_rows(graph: dict[str, Any], runs: int) -> list[tuple[str, float, float, str]]:
    """validate() in this process at 1,000 nodes: free, pinned to one core, and with the heap frozen."""
    rows = []
    core = quiet_core()
    for label, cpus, freeze in (("in process", None, False), (f"in process, pinned to core {core}", {core}, False),
                                (f"in process, pinned to core {core}, `gc.freeze()`", {core}, True)):
        with pinned(os.getpid(), cpus):
            if freeze:
                gc.collect()
                gc.freeze()
            validate(graph)
            samples = []
            with full_collections() as pauses:
                for _ in range(runs):
                    start = time.perf_counter()
                    validate(graph)
                    samples.append((time.perf_counter() - start) * 1000)
            if freeze:
                gc.unfreeze()
        p50, p95 = percentiles(samples)
        rows.append((label, p50, p95, gc_note(pauses, runs)))
        print(format_detail(rows[-1]), flush=True)
    return rows


def gc_note(pauses: list[float], runs: int) -> str:
    if not pauses:
        return f"none in {runs} calls"
    return f"{len(pauses)} in {runs} calls, {statistics.mean(pauses):.0f} ms each"


def http_rows(graph: dict[str, Any], runs: int) -> list[tuple[str, float, float, str]]:
    """`POST /api/graphs/validate` at 1,000 nodes through real Daphne processes, one after another."""
    rows = []
    core = quiet_core()
    other = {c for c in os.sched_getaffinity(0) if c != core} or None
    with tempfile.TemporaryDirectory() as tmp:
        deployment = Deployment(var_dir=Path(tmp) / "var")
        deployment.setup()
        token = deployment.create_user("bench", "bench-Strong-pass-1")
        try:
            for label, frozen, cpus in (("HTTP, Daphne", False, None),
                                        (f"HTTP, Daphne pinned to core {core}", False, {core}),
                                        (f"HTTP, Daphne pinned to core {core}, app frozen (`gc.freeze()`)", True,
                                         {core})):
                port = free_port()
                if frozen:
                    daphne = deployment.start(__file__, "--serve-frozen", str(port), name=f"daphne-frozen-{port}")
                    wait_http(f"http://127.0.0.1:{port}/healthz", daphne)
                else:
                    daphne = deployment.start_daphne(port)
                api = Api(f"http://127.0.0.1:{port}", token)
                for _ in range(3):  # warm: the first requests import and cache
                    status, answer = api.post("/api/graphs/validate", graph)
                    assert status == 200 and answer["ok"], answer
                samples = []
                with pinned(daphne.pid, cpus), pinned(os.getpid(), other if cpus else None):
                    for _ in range(runs):
                        start = time.perf_counter()
                        status, answer = api.post("/api/graphs/validate", graph)
                        samples.append((time.perf_counter() - start) * 1000)
                        assert status == 200, answer
                deployment.stop_all()
                p50, p95 = percentiles(samples)
                rows.append((label, p50, p95, f"{len(json.dumps(graph)) // 1000} kB in, "
                                              f"{len(json.dumps(answer)) // 1000} kB out"))
                print(format_detail(rows[-1]), flush=True)
        finally:
            deployment.stop_all()
    return rows


def serve_frozen(port: int) -> None:
    """Daphne as `start_daphne` runs it, with the loaded application frozen out of the collector's view."""
    import django.urls
    from daphne.cli import CommandLineInterface  # before the app: it installs Twisted's asyncio reactor

    import netbuilder.asgi  # noqa: F401  (Django, Channels)

    django.urls.get_resolver().url_patterns  # noqa: B018  (the API, the compiler and torch with it)
    gc.collect()
    gc.freeze()
    CommandLineInterface().run(["-b", "127.0.0.1", "-p", str(port), "netbuilder.asgi:application"])


DETAIL_HEADER = "| 1,000 nodes, validate | p50 | p95 | full garbage collections / notes |\n|---|---:|---:|---|"


def format_detail(row: tuple[str, float, float, str]) -> str:
    label, p50, p95, note = row
    return f"| {label} | {p50:.1f} ms | {p95:.1f} ms | {note} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(PARTS), help=f"comma-separated parts of {', '.join(PARTS)}")
    parser.add_argument("--runs", type=int, default=50, help="timed calls of each 1,000-node measurement")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/performance.md alone")
    parser.add_argument("--serve-frozen", type=int, help=argparse.SUPPRESS)  # internal: be the frozen Daphne
    args = parser.parse_args()
    if args.serve_frozen:
        serve_frozen(args.serve_frozen)
        return
    parts = set(args.only.split(","))
    if parts - set(PARTS):
        parser.error(f"--only takes {', '.join(PARTS)}")
    torch.set_num_threads(os.cpu_count() or 1)
    load = os.getloadavg()[0]
    table = sizes_table() if "sizes" in parts else ""
    print(table)
    graph = residual_graph(142)
    detail: list[tuple[str, float, float, str]] = []
    if parts & {"detail", "http"}:
        print(DETAIL_HEADER)
    if "detail" in parts:
        detail += detail_rows(graph, args.runs)
    if "http" in parts:
        detail += http_rows(graph, args.runs)
    if args.no_write or parts != set(PARTS):
        return  # a partial run would leave the section half empty
    cpu = platform.processor() or platform.machine()
    section = (
        "## Graph compiler (`bench/bench_graph.py`)\n\n"
        f"Residual CNNs of Conv2d/BatchNorm2d/ReLU/Add blocks on a 3×32×32 input; {cpu}, {os.cpu_count()} cores, "
        f"torch {torch.__version__}, Python {platform.python_version()}, load average {load:.1f} when it started "
        "(the machine is shared; p95s move with it). *validate* is `POST /api/graphs/validate`'s "
        "work (structure, parameters, shape rules, counts); *compile* builds the `torch.fx.GraphModule` with "
        "freshly initialised CPU weights; *meta build+run* is, side by side, what inferring shapes by building "
        "the model on the meta device and running it would cost instead. Target: validate p95 under 50 ms "
        f"at 100 nodes.\n\n{table}\n\n"
        f"At 1,000 nodes, {args.runs} calls each: `validate()` in this process, then `POST /api/graphs/validate` "
        "through a real Daphne process (SQLite, token auth; a new connection per request, the client in this "
        "process). Target: HTTP p95 ≤ 250 ms. The frozen rows move every object alive after start-up (torch, "
        "Django, the catalog) out of the collector's sight with `gc.freeze()`, which the server does not do "
        "today: they show how much of the tail is the collector's full pass over those objects.\n\n"
        + "\n".join([DETAIL_HEADER, *[format_detail(r) for r in detail]])
        + "\n\nReading it: a 1,000-node validation keeps thousands of small containers alive (the parsed "
        "document, every node's parameters and shapes, the answer), so the collector's young passes run during it "
        "and promote them; every few calls that tips a full pass over everything torch and Django left alive, and "
        "that pass, not the compiler, is the p95. Frozen, the full passes still happen but skip those objects."
    )
    write_section("graph", section)
    print("wrote docs/performance.md")


if __name__ == "__main__":
    main()
