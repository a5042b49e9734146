"""Where a run's time goes on the scaled-out path: py-spy samples Daphne, the worker and the run's training
process while one Playground spiral run goes from submit to its final message, and the busiest functions
of each process are printed (self time, then time including callees, of NetBuilder's own functions).

    python bench/profile_run_path.py                 # PostgreSQL + Redis, one Daphne, one runworker
    python bench/profile_run_path.py --embedded      # manage.py serve (SQLite, in-memory layer)

Needs py-spy (pip install py-spy) and permission to attach to the processes (root, or ptrace allowed).
Prints; writes nothing into the repository.
"""

from __future__ import annotations

import argparse
import collections
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_run_path import REDIS_URL, BenchDeployment, follow_run, fresh_database, spiral_job  # noqa: E402
from tests.e2e.processes import Api, free_port  # noqa: E402


def spy(pid: int, out: Path) -> subprocess.Popen:
    return subprocess.Popen(["py-spy", "record", "--pid", str(pid), "--subprocesses", "--format", "raw",
                             "--rate", "250", "--nonblocking", "--output", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def report(name: str, raw: Path, top: int) -> None:
    """Samples per process, then its top functions by self and by inclusive samples."""
    by_process: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    inclusive: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        process = frames[0] if frames[0].startswith("process ") else name
        frames = [f for f in frames if not f.startswith(("process ", "thread "))]
        if not frames:
            continue
        n = int(count)
        by_process[process][frames[-1]] += n
        for frame in set(frames):
            if "builder/" in frame or "bench/" in frame:
                inclusive[process][frame] += n
    for process, leaves in sorted(by_process.items(), key=lambda kv: -sum(kv[1].values())):
        total = sum(leaves.values())
        print(f"\n== {name}: {process} — {total} samples ({total / 250:.2f} s at 250 Hz)")
        print("   self:")
        for frame, n in leaves.most_common(top):
            print(f"   {n / total:6.1%}  {frame}")
        print("   NetBuilder's functions, including callees:")
        for frame, n in inclusive[process].most_common(top):
            print(f"   {n / total:6.1%}  {frame}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--embedded", action="store_true", help="profile manage.py serve instead")
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--top", type=int, default=12)
    args = parser.parse_args()
    if shutil.which("py-spy") is None:
        sys.exit("py-spy is not installed: pip install py-spy")
    job = spiral_job(args.epochs, "cpu")
    with tempfile.TemporaryDirectory() as tmp:
        database = fresh_database() if not args.embedded else None
        url = database.__enter__() if database is not None else None
        deployment = BenchDeployment(var_dir=Path(tmp) / "var", database_url=url,
                                     redis_url=REDIS_URL if url else None)
        try:
            deployment.setup()
            port = free_port()
            if args.embedded:
                processes = {"serve": deployment.start_serve(port)}
            else:
                processes = {"daphne": deployment.start_daphne(port), "worker": deployment.start_worker("profile")}
            base = f"http://127.0.0.1:{port}"
            token = deployment.create_user(f"prof{uuid.uuid4().hex[:6]}", "bench-Strong-pass-1")
            api = Api(base, token)
            follow_run(base, token, api, job, epochs=1)  # warm: the fork server is up, the tables are hot
            spies = {name: (spy(p.pid, Path(tmp) / f"{name}.txt"), Path(tmp) / f"{name}.txt")
                     for name, p in processes.items()}
            time.sleep(1.0)
            run = follow_run(base, token, api, job)
            for proc, _ in spies.values():
                proc.send_signal(signal.SIGINT)
            for proc, _ in spies.values():
                proc.wait(timeout=60)
            print(f"run: total {run['total_s']:.2f} s, engine {run['engine_s']:.2f} s, "
                  f"first epoch {run['first_epoch_s']:.3f} s")
            for name, (_, raw) in spies.items():
                report(name, raw, args.top)
        finally:
            deployment.stop_all()
            if database is not None:
                database.__exit__(None, None, None)


if __name__ == "__main__":
    main()
