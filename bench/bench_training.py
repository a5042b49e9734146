"""Training throughput: the engine against a hand-written loop and a DataLoader, side by side in one process.

Trains the seed article's MyNetwork (784-128-10) on its kind of data (torch.randn inputs, labels 0..9;
60,000 samples) for the same number of steps three ways:

  (a) a hand-written loop like the seed's: randperm, slice, forward, loss, zero_grad, backward, step;
  (b) a torch DataLoader over a TensorDataset (shuffle=True, no workers);
  (c) builder.engine.training.train with its metrics callback active.

Each method runs `--repeats` times, interleaved, and the fastest run counts: on a shared machine the
fastest is the least disturbed (as timeit does). Torch runs one intra-op thread unless --threads says
otherwise, and time is this process's CPU time unless --clock wall: with one thread that is the time
the work took, without the moments another job on a shared machine held the core. The table is printed and
written into docs/performance.md between <!-- bench:training --> and <!-- /bench:training -->.

With --device cuda the data and the models live on the GPU, the clock is the wall clock (each timed
run ends with torch.cuda.synchronize()), and the table goes to the training-cuda section; where
torch.cuda.is_available() is False it says so and measures nothing.

    python bench/bench_training.py                 # batch sizes 32, 64, 512; writes docs/performance.md
    python bench/bench_training.py --no-write --batch-sizes 64 --repeats 1
    python bench/bench_training.py --device cuda
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.report import write_section  # noqa: E402
from builder.engine.training import Dataset, TrainConfig, train  # noqa: E402

CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}
clock = time.process_time  # set by --clock
device = torch.device("cpu")  # set by --device


def finish() -> float:
    """The clock once the device has done all the work queued on it."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return clock()


class MyNetwork(nn.Module):
    """The seed article's network."""

    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(784, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = torch.relu(self.fc1(x))  # (B, 128)
        return self.fc2(x)  # (B, 10)


def fresh_model() -> MyNetwork:
    torch.manual_seed(0)
    return MyNetwork().to(device)


def hand_written(x: torch.Tensor, y: torch.Tensor, batch_size: int, epochs: int) -> tuple[int, float]:
    net = fresh_model()
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(net.parameters(), lr=0.01)
    n, steps = x.shape[0], 0
    start = clock()
    for _ in range(epochs):
        perm = torch.randperm(n, device=device)
        for i in range(0, n, batch_size):
            idx = perm[i : i + batch_size]
            outputs = net(x[idx])
            loss = criterion(outputs, y[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            steps += 1
    return steps, finish() - start


def data_loader(x: torch.Tensor, y: torch.Tensor, batch_size: int, epochs: int) -> tuple[int, float]:
    net = fresh_model()
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(net.parameters(), lr=0.01)
    loader = DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=True)  # indices drawn on the CPU
    steps = 0
    start = clock()
    for _ in range(epochs):
        for xb, yb in loader:
            loss = criterion(net(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            steps += 1
    return steps, finish() - start


def engine(dataset: Dataset, batch_size: int, epochs: int) -> tuple[int, float]:
    net = fresh_model()
    config = TrainConfig(
        epochs=epochs,
        batch_size=batch_size,
        optimizer="sgd",
        lr=0.01,
        momentum=0.0,
        loss="cross_entropy",
        val_fraction=0.0,
        device=str(device),
    )
    events = []  # the callback does what a run worker's does first: keep the event
    start = clock()
    result = train(net, dataset, config, callback=events.append)
    elapsed = finish() - start
    assert result.status == "succeeded", result.error
    return result.steps, elapsed


METHODS = {
    "hand": (hand_written, "tensors"),
    "loader": (data_loader, "tensors"),
    "engine": (engine, "dataset"),
}


def epochs_for(batch_size: int, epochs: int) -> int:
    """Large batches run more epochs, so that every timed run lasts long enough to measure."""
    return epochs or max(1, batch_size // 128)


def run(batch_sizes: list[int], epochs_arg: int, repeats: int, samples: int) -> list[dict]:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(samples, 784, generator=g)  # the seed's kind of data
    y = torch.randint(0, 10, (samples,), generator=g)
    dataset = Dataset(
        name="random", title="Random", task="classification", x=x, y=y, classes=[str(i) for i in range(10)]
    )
    data_tensors = (x.to(device), y.to(device))  # the engine moves its own copy, as a run does
    rows = []
    for batch_size in batch_sizes:
        epochs = epochs_for(batch_size, epochs_arg)
        times: dict[str, list[float]] = {"hand": [], "loader": [], "engine": []}
        steps: dict[str, int] = {}
        for _ in range(repeats):  # interleaved, so a slow moment of the machine hits all three
            for name, (fn, data) in METHODS.items():
                steps[name], seconds = fn(
                    *(data_tensors if data == "tensors" else (dataset,)), batch_size, epochs
                )
                times[name].append(seconds)
        assert len(set(steps.values())) == 1, steps  # the same number of steps for all three
        rate = {k: samples * epochs / min(v) for k, v in times.items()}
        rows.append(
            {
                "batch_size": batch_size,
                "epochs": epochs,
                "steps": steps["engine"],
                "hand": rate["hand"],
                "loader": rate["loader"],
                "engine": rate["engine"],
                "engine_vs_hand": rate["engine"] / rate["hand"],
                "engine_vs_loader": rate["engine"] / rate["loader"],
                "hand_vs_loader": rate["hand"] / rate["loader"],
            }
        )
        print(format_row(rows[-1]), flush=True)
    return rows


HEADER = (
    "| batch | epochs | steps | (a) hand-written, samples/s | (b) DataLoader, samples/s | (c) engine, samples/s "
    "| (c)/(a) | (c)/(b) | (a)/(b) |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
)


def format_row(r: dict) -> str:
    return (
        f"| {r['batch_size']} | {r['epochs']} | {r['steps']} | {r['hand']:,.0f} | {r['loader']:,.0f} | {r['engine']:,.0f} "
        f"| {r['engine_vs_hand']:.3f} | {r['engine_vs_loader']:.2f} | {r['hand_vs_loader']:.2f} |"
    )


def section(rows: list[dict], repeats: int, samples: int, clock_name: str) -> str:
    machine = (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads"
    )
    if device.type == "cuda":
        where, command = f"{torch.cuda.get_device_name(device)} ({machine})", "python bench/bench_training.py --device cuda"
    else:
        where, command = f"CPU ({machine})", "python bench/bench_training.py"
    return "\n".join(
        [
            "## Training engine" + (" on CUDA" if device.type == "cuda" else ""),
            "",
            f"`{command}`: the seed's MyNetwork (784-128-10), SGD lr 0.01, CrossEntropyLoss, "
            f"{samples:,} samples of `torch.randn(N, 784)` with labels 0..9, the same steps for each method, "
            f"best of {repeats} interleaved repeats, {where}, {clock_name} time.",
            "(a) is a hand-written loop like the seed's (randperm + slicing), (b) a DataLoader over a TensorDataset, "
            "(c) `builder.engine.training.train` with its metrics callback active. Goal: (c)/(a) ≥ 0.95 and (c)/(b) > 1.",
            "",
            HEADER,
            *[format_row(r) for r in rows],
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-sizes", default="32,64,512")
    parser.add_argument(
        "--epochs", type=int, default=0, help="epochs per run (0: batch size / 128, at least 1)"
    )
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--samples", type=int, default=60_000)
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads (0: torch default)")
    parser.add_argument(
        "--clock", choices=list(CLOCKS), default="cpu", help="cpu: process time (one thread only)"
    )
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu",
                        help="cuda: data and models on the GPU, timed by the wall clock")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/performance.md alone")
    args = parser.parse_args()
    batch_sizes = [int(b) for b in args.batch_sizes.split(",")]
    global clock, device
    if args.device == "cuda":
        if not torch.cuda.is_available():
            print("skipped: --device cuda, but torch.cuda.is_available() is False on this machine "
                  f"(torch {torch.__version__}, CUDA build {torch.version.cuda})")
            return
        device = torch.device("cuda")
        args.clock = "wall"  # the process's CPU time does not see the GPU's work
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.clock == "cpu" and torch.get_num_threads() != 1:
        parser.error("--clock cpu sums the time of all threads: use it with --threads 1, or --clock wall")
    clock = CLOCKS[args.clock]

    print(HEADER)
    rows = run(batch_sizes, args.epochs, args.repeats, args.samples)
    if not args.no_write:
        write_section(
            "training" if device.type == "cpu" else f"training-{device.type}",
            section(
                rows, args.repeats, args.samples, {"cpu": "process CPU", "wall": "wall-clock"}[args.clock]
            ),
        )
        print(f"wrote {ROOT / 'docs' / 'performance.md'}")


if __name__ == "__main__":
    main()
