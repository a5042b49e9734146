"""Frames per second of the run page while every unit's heatmap streams in, in a real browser.

The built run page (frontend/dist, served by a real Daphne) in Debian's chromium, driven by Playwright.
The run's websocket is replaced in the page by a fake one that hands the page what a live 2-D run
sends: a snapshot, then `epoch` messages whose `units` hold 20 nodes' pictures (16 × 16 values per
unit, 3 significant digits of the node's scale, as builder.engine.training.pictures rounds them) ten
times a second, health in every third. The messages are made before measuring, so only what the page does with them is timed. Frames
are timestamped with requestAnimationFrame for 5 s with the stream off, then 5 s with it on, three
times over, interleaved in one page, so that a shared machine's load hits both alike.

    python bench/bench_heatmap_fps.py               # writes its section of docs/performance.md
    python bench/bench_heatmap_fps.py --no-write --seconds 3 --repeats 1
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.browser_session import logged_in, spread  # noqa: E402
from bench.report import write_section  # noqa: E402
from tests.e2e.browser import VIEWPORT  # noqa: E402

RUN_ID = 424242  # the page never asks the server for it: the fake socket answers for it
NODES = 20  # nodes with unit pictures
UNITS = 8  # units each (the Input has 2)
RATE = 10  # messages a second, the server's most (builder.engine.training.pictures.PICTURES_SECONDS)
SIZE = 16  # builder.engine.training.pictures.UNITS_SIZE

# The page's WebSocket for the run's stream is a fake the bench feeds; any other is the real one.
FAKE_SOCKET = """
(() => {
  const Real = window.WebSocket;
  class FakeRunSocket {
    constructor(url) {
      this.url = url;
      this.readyState = 0;
      window.__benchSocket = this;
      setTimeout(() => {
        this.readyState = 1;
        this.onopen && this.onopen(new Event("open"));
      }, 0);
    }
    send() {}
    close() { this.readyState = 3; }
    deliver(text) { this.onmessage && this.onmessage(new MessageEvent("message", { data: text })); }
  }
  window.WebSocket = function (url, protocols) {
    return String(url).includes("/ws/runs/") ? new FakeRunSocket(url) : new Real(url, protocols);
  };
})();
"""

# Makes `count` epoch messages (JSON text) in the page, before any frame is measured.
MAKE_MESSAGES = """
({ nodes, count, size, first }) => {
  // builder.engine.training.pictures.digits_for: 3 significant digits of the largest magnitude (here 1)
  const round = (v) => Math.round(v * 100) / 100;
  const health = (i) => Object.fromEntries(nodes.map((n, j) => [n.id, {
    act_mean: 0.1, act_std: 0.5 + 0.01 * j, dead_fraction: null, saturated_fraction: n.type === "Tanh" ? 0.05 * ((i + j) % 10) : null,
    grad_norm: n.type === "Linear" ? 10 ** (-(j % 4)) : null, update_ratio: n.type === "Linear" ? 1e-3 : null, alerts: [],
  }]));
  const out = [];
  for (let i = 0; i < count; i++) {
    const epoch = first + i;
    const units = {};
    nodes.forEach((n, j) => {
      const values = [];
      for (let k = 0; k < n.units; k++) {
        const a = new Array(size * size);
        for (let r = 0; r < size; r++)
          for (let c = 0; c < size; c++) a[r * size + c] = round(Math.tanh(Math.sin(c / 3 + k + epoch / 5) + Math.cos(r / 4 - j + epoch / 7)));
        values.push(a);
      }
      units[n.id] = { size, range: [-1, 1], values };
    });
    const data = { epoch, epochs: 100000, step: epoch * 10, train_loss: 1 / epoch, val_loss: 1 / epoch, val_accuracy: 0.5,
                   time_s: 0.01, samples_per_s: 40000, units };
    if (i % 3 === 0) data.health = health(i);
    out.push(JSON.stringify({ type: "epoch", data }));
  }
  window.__benchMessages = out;
  return out.reduce((n, m) => n + m.length, 0);
}
"""

# Frame timestamps for `seconds`, feeding the prepared messages at `rate` a second (0: none).
MEASURE = """
({ seconds, rate }) => new Promise((resolve) => {
  const stamps = [];
  const longTasks = [];
  const observer = new PerformanceObserver((list) => list.getEntries().forEach((e) => longTasks.push(e.duration)));
  try { observer.observe({ type: "longtask", buffered: false }); } catch (e) {}
  const messages = window.__benchMessages;
  let sent = 0;
  const start = performance.now();
  const timer = rate ? setInterval(() => {
    if (messages.length) {
      window.__benchSocket.deliver(messages.shift());
      sent++;
    }
  }, 1000 / rate) : null;
  const frame = (t) => {
    stamps.push(t);
    if (t - start < seconds * 1000) requestAnimationFrame(frame);
    else {
      if (timer) clearInterval(timer);
      observer.disconnect();
      resolve({ stamps, sent, longTasks });
    }
  };
  requestAnimationFrame(frame);
})
"""

# A hash of every unit canvas's pixels: it must change while the stream is on.
PIXELS = """
() => {
  let h = 0, n = 0;
  for (const c of document.querySelectorAll("[data-testid^=run-node-unit-]")) {
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    for (let i = 0; i < d.length; i += 7) h = (h * 31 + d[i]) | 0;
    n++;
  }
  return [n, h];
}
"""


def bench_graph() -> tuple[dict, list[dict]]:
    """Input(2) and 19 Linear(8)/Tanh nodes after it, then the Output: 20 nodes with units, laid out
    in four columns as a builder user might."""
    chain = [("x", "Input", {"shape": [2]}, 2)]
    for i in range(1, NODES):
        if i % 2:
            chain.append((f"fc{i}", "Linear", {"out_features": UNITS}, UNITS))
        else:
            chain.append((f"tanh{i}", "Tanh", {}, UNITS))
    chain.append(("y", "Output", {}, 0))
    nodes = [{"id": id_, "type": type_, "params": params, "position": {"x": (i // 6) * 250, "y": (i % 6) * 120}}
             for i, (id_, type_, params, _) in enumerate(chain)]
    edges = [{"source": a[0], "target": b[0]} for a, b in zip(chain[:-1], chain[1:], strict=True)]
    graph = {"format": "netbuilder.graph/1", "name": "Heatmap bench", "nodes": nodes, "edges": edges}
    return graph, [{"id": id_, "type": type_, "units": units} for id_, type_, _, units in chain if units]


def snapshot(graph: dict) -> dict:
    run = {
        "id": RUN_ID, "name": "heatmap bench", "status": "running", "dataset": "spirals", "architecture": None,
        "architecture_version": None, "worker": "bench", "device": "cpu", "step": 0, "epoch": 0, "error": "",
        "final_metrics": {}, "created_at": "2026-01-01T00:00:00Z", "started_at": "2026-01-01T00:00:00Z",
        "finished_at": None, "duration_s": None, "graph": graph, "dataset_options": {},
        "config": {"epochs": 100000, "batch_size": 16}, "files": [], "onnx_error": None, "traceback": "",
        "stop_requested": False,
    }
    return {"type": "snapshot", "data": {"run": run, "events": []}}


def figures(stamps: list[float]) -> dict:
    gaps = sorted(b - a for a, b in zip(stamps[:-1], stamps[1:], strict=True))
    p95_gap = gaps[min(len(gaps) - 1, round(0.95 * (len(gaps) - 1)))]
    return {
        "frames": len(stamps),
        "mean_fps": (len(stamps) - 1) / ((stamps[-1] - stamps[0]) / 1000),
        "p5_fps": 1000 / p95_gap,
        "median_gap_ms": statistics.median(gaps),
        "worst_gap_ms": gaps[-1],
    }


def run(seconds: float, repeats: int) -> dict:
    import json

    graph, with_units = bench_graph()
    load = os.getloadavg()[0]
    with logged_in("bench-heatmap-", init_script=FAKE_SOCKET) as (browser, context, page):
        page.goto(f"/runs/{RUN_ID}/")
        page.wait_for_function("() => window.__benchSocket && window.__benchSocket.readyState === 1")
        page.evaluate("(m) => window.__benchSocket.deliver(m)", json.dumps(snapshot(graph)))
        page.wait_for_selector("[data-testid=run-node-fc1]")
        count = repeats * (int(seconds * RATE) + 2)
        size = page.evaluate(MAKE_MESSAGES, {"nodes": with_units, "count": count + 1, "size": SIZE, "first": 1})
        # The first pictures, so the idle phase draws the same page the stream does.
        page.evaluate("() => window.__benchSocket.deliver(window.__benchMessages.shift())")
        canvases = sum(n["units"] for n in with_units)
        page.wait_for_function(f"() => document.querySelectorAll('[data-testid^=run-node-unit-]').length === {canvases}")
        page.get_by_test_id("run-network").scroll_into_view_if_needed()
        page.get_by_test_id("run-colour-by").select_option("grad_norm")
        page.wait_for_timeout(1500)  # layout, fit and the first draw settle
        idle, live, changed = [], [], []
        for _ in range(repeats):
            idle.append(page.evaluate(MEASURE, {"seconds": seconds, "rate": 0}))
            before = page.evaluate(PIXELS)
            live.append(page.evaluate(MEASURE, {"seconds": seconds, "rate": RATE}))
            after = page.evaluate(PIXELS)
            changed.append(before[0] == after[0] == canvases and before[1] != after[1])
        shown = page.get_by_test_id("run-network-epoch").inner_text()
        version = browser.version
    assert all(changed), f"the {canvases} unit canvases did not all change while the stream was on: {changed}"
    sent = [r["sent"] for r in live]
    assert min(sent) >= seconds * RATE - 2, sent
    return {
        "idle": [figures(r["stamps"]) for r in idle], "live": [figures(r["stamps"]) for r in live], "sent": sent,
        "long_tasks": sum(len(r["longTasks"]) for r in live), "long_task_ms": sum(sum(r["longTasks"]) for r in live),
        "repeats": repeats,
        "bytes": size / (count + 1), "canvases": canvases, "load": load, "shown": shown, "chromium": version, "seconds": seconds,
    }


def spread_of(rows: list[dict], key: str) -> str:
    return spread([row[key] for row in rows])


def report(r: dict) -> str:
    idle, live = r["idle"], r["live"]
    ratio = statistics.median(b["mean_fps"] / a["mean_fps"] for a, b in zip(idle, live, strict=True))
    rows = "\n".join(
        f"| {name} | {spread_of(rows, 'mean_fps')} | {spread_of(rows, 'p5_fps')} | {spread_of(rows, 'median_gap_ms')} ms "
        f"| {max(row['worst_gap_ms'] for row in rows):.1f} ms |"
        for name, rows in (("stream off", idle), (f"{RATE} messages/s", live)))
    return f"""## Unit heatmaps: frames per second (`bench/bench_heatmap_fps.py`)

The built run page in headless Debian chromium {r['chromium']} ({platform.machine()}, {os.cpu_count()} cores, no GPU,
load average {r['load']:.1f} when it started: the machine is shared), a {VIEWPORT['width']}×{VIEWPORT['height']} window,
the Network panel in view and coloured by gradient norm. A fake websocket in the page feeds what a live 2-D
run sends: {NODES} nodes' unit pictures ({r['canvases']} canvases of {SIZE} × {SIZE}), {RATE} `epoch` messages a
second (~{r['bytes'] / 1000:.0f} kB of JSON each, parsed by the page), health in every third. Frames are
requestAnimationFrame timestamps over {r['seconds']:.0f} s; the 5th-percentile fps is 1000 ms over the
95th-percentile frame gap. {r['repeats']} repeats of both phases, interleaved in one page: medians, and the
range of the repeats. Target: ≥ 30 fps while streaming.

| phase | mean fps | 5th-percentile fps | median frame gap | worst frame gap |
|---|---:|---:|---:|---:|
{rows}

Streaming ÷ off, mean fps: {ratio:.2f} (median of the repeats). Long tasks (> 50 ms) while streaming:
{r['long_tasks']} in {r['repeats'] * r['seconds']:.0f} s ({r['long_task_ms']:.0f} ms in all). Each message is parsed and
folded once; the nodes never re-render for new values: each node's canvases are drawn with putImageData
from the run store (one subscription per node), all nodes' together in one animation frame, and a
picture replaced before its frame is drawn once.
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/performance.md alone")
    args = parser.parse_args()
    r = run(args.seconds, args.repeats)
    text = report(r)
    print(text)
    print(f"the page showed: {r['shown']}")
    if not args.no_write:
        write_section("heatmap_fps", text)


if __name__ == "__main__":
    main()
