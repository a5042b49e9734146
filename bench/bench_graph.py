"""Validate and compile latency of the graph compiler for 10-, 100- and 1,000-node graphs.

Run: ``.venv/bin/python bench/bench_graph.py``. Prints a table and rewrites the section between
``<!-- bench:graph -->`` and ``<!-- /bench:graph -->`` of docs/performance.md. For scale it also
times, side by side, what shape inference by running the model would cost: building the compiled
module on the meta device and running it on a meta tensor.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.report import write_section  # noqa: E402
from builder.graph import compile_graph, validate  # noqa: E402


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


def main() -> None:
    torch.set_num_threads(os.cpu_count() or 1)
    load = os.getloadavg()[0]
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
    table = "\n".join([header, *lines])
    print(table)
    cpu = platform.processor() or platform.machine()
    section = (
        "## Graph compiler (`bench/bench_graph.py`)\n\n"
        f"Residual CNNs of Conv2d/BatchNorm2d/ReLU/Add blocks on a 3×32×32 input; {cpu}, {os.cpu_count()} cores, "
        f"torch {torch.__version__}, Python {platform.python_version()}, load average {load:.1f} when it started "
        "(the machine is shared; p95s move with it). *validate* is `POST /api/graphs/validate`'s "
        "work (structure, parameters, shape rules, counts); *compile* builds the `torch.fx.GraphModule` with "
        "freshly initialised CPU weights; *meta build+run* is, side by side, what inferring shapes by building "
        "the model on the meta device and running it would cost instead. Target: validate p95 under 50 ms "
        f"at 100 nodes.\n\n{table}"
    )
    write_section("graph", section)
    print("wrote docs/performance.md")


if __name__ == "__main__":
    main()
