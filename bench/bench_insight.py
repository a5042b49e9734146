"""What seeing inside costs: Playground's spiral trained with `units` and `health` on and off, side by side.

The run of bench_run_path.py (the built-in `spirals`, 500 points, half held out: 250 training points;
2-8-Tanh-8-Tanh-2, SGD lr 0.03, batch 10, 300 epochs), timed two ways, each with the pictures and the
health measures on (the default) and off (`"units": false, "health": false`):

  (b) `builder.engine.training.train` in this process (the stream's messages are JSON-encoded, as the
      training process sends them, and their bytes counted);
  (c) the full path on the embedded default (`manage.py serve`): `POST /api/runs`, then the run's
      websocket as the run page reads it, to the final message: every message stored, then sent.

Every figure is the median of `--repeats` runs after a warm-up; on and off take turns within each repeat.
The table goes into docs/performance.md between <!-- bench:insight --> and <!-- /bench:insight -->.

    python bench/bench_insight.py
    python bench/bench_insight.py --repeats 1 --epochs 60 --no-write
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_run_path import Job, embedded, median, raise_on_termination, spiral_job  # noqa: E402
from bench.report import write_section  # noqa: E402
from builder.engine.graph import compile_graph  # noqa: E402
from builder.engine.training import TrainConfig, load_dataset, train  # noqa: E402

OFF = {"units": False, "health": False}


def engine_run(job: Job, **config) -> dict:
    """train() as the training process calls it, each message JSON-encoded as the pipe would carry it."""
    sent = {"bytes": 0, "units": 0, "health": 0}

    def callback(event: dict) -> None:
        sent["bytes"] += len(json.dumps(event))
        if event["type"] == "epoch":
            sent["units"] += "units" in event["data"]
            sent["health"] += "health" in event["data"]

    start = time.perf_counter()
    model = compile_graph(job.graph)
    ds = load_dataset(job.dataset, **job.dataset_options)
    result = train(model, ds, TrainConfig.from_dict({**job.config, **config}, dataset=ds), callback=callback)
    assert result.status == "succeeded", result.error
    return {"total_s": time.perf_counter() - start, **sent}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="torch threads on both sides (0: torch's default)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/performance.md alone")
    args = parser.parse_args()
    raise_on_termination()
    if args.threads:
        torch.set_num_threads(args.threads)
    load = os.getloadavg()[0]
    job = spiral_job(args.epochs, "cpu")
    results: dict[str, list[dict]] = {}
    with contextlib.ExitStack() as stack:
        server, _ = stack.enter_context(embedded(args.threads))
        engine_run(job, epochs=1)
        server.run(job, epochs=1)  # the first run waits for the training processes' imports
        steps = [("engine-on", lambda: engine_run(job)), ("engine-off", lambda: engine_run(job, **OFF)),
                 ("full-on", lambda: server.run(job)), ("full-off", lambda: server.run(job, **OFF))]
        for i in range(args.repeats):
            for name, measure in steps:
                results.setdefault(name, []).append(measure())
                print(f"  {name} {i + 1}/{args.repeats}: {results[name][-1]['total_s']:.2f} s", flush=True)

    def ratio(kind: str) -> float:
        return median(results[f"{kind}-on"], "total_s") / median(results[f"{kind}-off"], "total_s")

    on, off = results["engine-on"][0], results["engine-off"][0]
    lines = [
        "| path | on (units + health) | off | on / off |",
        "|---|---|---|---|",
        f"| (b) `train()` in process | {median(results['engine-on'], 'total_s'):.2f} s "
        f"| {median(results['engine-off'], 'total_s'):.2f} s | {ratio('engine'):.2f}× |",
        f"| (c) embedded full path, submit → final message | {median(results['full-on'], 'total_s'):.2f} s "
        f"| {median(results['full-off'], 'total_s'):.2f} s | {ratio('full'):.2f}× |",
        "",
        f"With them on, the stream carried `units` in {on['units']} of {args.epochs} epoch messages and `health` in "
        f"{on['health']}: {on['bytes'] / 2**20:.1f} MiB of JSON in all, against {off['bytes'] / 2**20:.2f} MiB off.",
        "",
        f"Goal: on / off ≤ 1.2×: (b) {'met' if ratio('engine') <= 1.2 else 'NOT met'}, "
        f"(c) {'met' if ratio('full') <= 1.2 else 'NOT met'}.",
    ]
    print("\n".join(lines))
    if args.no_write:
        return
    machine = (f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__} "
               f"({torch.get_num_threads()} threads), Python {platform.python_version()}, "
               f"load average {load:.1f} when it started")
    write_section("insight", "\n".join([
        "## Seeing inside: units and health on against off (`bench/bench_insight.py`)",
        "",
        f"Playground's spiral (250 training points, 2-8-Tanh-8-Tanh-2, SGD lr 0.03, batch 10, {args.epochs} "
        f"epochs), with `units` and `health` on (the defaults) and off; {machine}. Each figure is the median of "
        f"{args.repeats} runs made side by side.",
        "",
        *lines,
    ]))
    print(f"wrote {ROOT / 'docs' / 'performance.md'}")


if __name__ == "__main__":
    main()
