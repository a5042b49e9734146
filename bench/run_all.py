"""`make bench`: every benchmark, one after another; each rewrites its section of docs/performance.md."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHES = ["bench_graph.py", "bench_training.py", "bench_stream.py", "bench_run_path.py", "bench_insight.py", "bench_heatmap_fps.py", "bench_big_graph.py"]

if __name__ == "__main__":
    failed = [name for name in BENCHES if subprocess.run([sys.executable, str(HERE / name)]).returncode != 0]
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")
