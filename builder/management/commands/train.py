"""`manage.py train GRAPH_FILE --dataset NAME --out DIR`: train a graph with no server.

A progress bar goes to stderr; the last line on stdout is one JSON object with the status, the final
metrics and the files written. Ctrl-C stops the run after the current step, with a checkpoint.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from pathlib import Path
from typing import Any

import torch
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from builder.engine.graph import GraphError
from builder.engine.training import (
    TrainConfig,
    TrainingError,
    events,
    export_preprocessing,
    load_dataset,
    plan_run,
    train,
    write_artifacts,
)
from builder.engine.training.loop import steps_per_epoch


# a training option's kind -> how its command-line value is read (bool options are plain flags)
def _json_or_text(text: str) -> Any:
    try:
        return json.loads(text)  # {"flip": true}, [1, 2]
    except json.JSONDecodeError:
        return text  # imagenet


_READ = {"int": int, "float": float, "choice": str, "str": str, "object": _json_or_text}


class Command(BaseCommand):
    help = (
        "Train a netbuilder.graph/1 file on a dataset and write model.pth (and the best epoch's model-best.pth), "
        "model.py, ONNX and a checkpoint."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "graph_file", help="a netbuilder.graph/1 JSON file (or a template with a 'graph' key)"
        )
        parser.add_argument(
            "--dataset", required=True, help="a dataset name: digits, moons, linear, mnist, ..."
        )
        parser.add_argument(
            "--option",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="a dataset option, e.g. --option noise=0.2 (repeatable)",
        )
        for spec in TrainConfig.schema():  # every training option, as GET /api/training/options lists them
            flag = "--" + spec["name"].replace("_", "-")
            if spec["kind"] == "bool":
                parser.add_argument(flag, dest=spec["name"], action=argparse.BooleanOptionalAction, default=None,
                                    help=spec["doc"])
            else:
                parser.add_argument(flag, dest=spec["name"], type=_READ.get(spec["kind"], str), default=None,
                                    help=spec["doc"])
        parser.add_argument(
            "--out", required=True, help="folder for model.pth, model.safetensors, model.py, ..."
        )
        parser.add_argument(
            "--data-dir", default=None, help="where MNIST/CIFAR files lie (NETBUILDER_DATA_DIR)"
        )
        parser.add_argument("--resume", default=None, help="a checkpoint.pt to continue from")
        parser.add_argument("--no-onnx", action="store_true", help="skip the ONNX export")

    def handle(self, *args: Any, **opts: Any) -> None:
        out = Path(opts["out"])
        try:
            graph = _read_graph(Path(opts["graph_file"]))
            data_dir = opts["data_dir"] or getattr(settings, "NETBUILDER_DATA_DIR", None)
            overrides = {k: opts[k] for k in TrainConfig.fields() if opts[k] is not None}
            plan = plan_run(graph, lambda: load_dataset(opts["dataset"], data_dir=data_dir,
                                                        **_dataset_options(opts["option"])), overrides)
            dataset, config = plan.dataset, plan.config
            torch.manual_seed(config.seed)  # the initial weights follow the seed too
            model = plan.compile()
        except GraphError as e:
            return self._finish({"status": "failed", "error": str(e), "errors": e.errors})
        except TrainingError as e:
            return self._finish({"status": "failed", "error": e.message, "errors": [e.to_dict()]})
        except CommandError as e:
            return self._finish({"status": "failed", "error": str(e), "errors": [{"message": str(e)}]})

        progress = _Progress(
            total=config.epochs
            * steps_per_epoch(
                dataset.split(config.val_fraction, config.seed).x_train.shape[0], config.batch_size
            )
        )
        stop = {"asked": False}
        previous = signal.signal(signal.SIGINT, lambda *_: stop.update(asked=True))
        try:
            result = train(
                model,
                dataset,
                config,
                callback=progress,
                should_stop=lambda: stop["asked"],
                checkpoint_dir=out,
                resume_from=opts["resume"],
            )
        except TrainingError as e:
            return self._finish({"status": "failed", "error": e.message, "errors": [e.to_dict()]})
        finally:
            signal.signal(signal.SIGINT, previous)
            progress.close()

        files: dict[str, str] = {}
        if result.status != "failed":  # a failed run's weights may be NaN: keep only its last good checkpoint
            files = write_artifacts(
                model, graph, out, checkpoint_path=result.checkpoint_path, onnx=not opts["no_onnx"],
                preprocessing=export_preprocessing(dataset, config),  # raw inputs in, target units out
                best_state=result.best_state,
            )
        elif result.checkpoint_path:
            files = {"checkpoint": result.checkpoint_path}
        answer: dict[str, Any] = {"status": result.status, "metrics": result.metrics, "files": files}
        if result.confusion is not None:
            answer.update(confusion=result.confusion, classes=result.classes)
        if result.error:
            answer["error"] = result.error
        if result.node is not None:
            answer.update(node=result.node, layer=result.layer)
        self._finish(answer)

    def _finish(self, answer: dict[str, Any]) -> None:
        answer.setdefault("metrics", {})
        answer.setdefault("files", {})
        self.stdout.write(json.dumps(answer))
        if answer["status"] == "failed":
            raise CommandError(answer.get("error", "training failed"), returncode=1)


class _Progress:
    """A tqdm bar on stderr, fed by the engine's events."""

    def __init__(self, total: int) -> None:
        self.bar = tqdm(total=total, file=sys.stderr, unit="step", dynamic_ncols=True, mininterval=0.25)

    def __call__(self, event: dict) -> None:
        data = event["data"]
        if event["type"] == events.METRICS:
            point = data["points"][-1]
            self.bar.update(point["step"] - self.bar.n)
            self.bar.set_postfix(epoch=point["epoch"], loss=f"{point['train_loss']:.4f}", refresh=False)
        elif event["type"] == events.EPOCH:
            self.bar.update(data["step"] - self.bar.n)
            line = f"epoch {data['epoch']}/{data['epochs']}  train_loss {data['train_loss']:.4f}"
            if "val_loss" in data:
                line += f"  val_loss {data['val_loss']:.4f}"
            if "val_accuracy" in data:
                line += f"  val_accuracy {data['val_accuracy']:.4f}"
            self.bar.write(line, file=sys.stderr)
        elif event["type"] in (events.LOG, events.FAILED, events.STOPPED):
            message = data.get("message") or event["type"]
            self.bar.write(message, file=sys.stderr)

    def close(self) -> None:
        self.bar.close()


def _read_graph(path: Path) -> dict:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise CommandError(f"No graph file at {path}") from e
    except json.JSONDecodeError as e:
        raise CommandError(f"{path.name} is not JSON: {e}") from e
    if isinstance(doc, dict) and "nodes" not in doc and isinstance(doc.get("graph"), dict):
        doc = doc["graph"]  # a template file: {"name", "description", "graph"}
    return doc


def _dataset_options(pairs: list[str]) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise CommandError(f"--option takes KEY=VALUE; got {pair!r}")
        options[key.strip()] = json.loads(value) if _is_json_number(value) else value
    return options


def _is_json_number(text: str) -> bool:
    try:
        return isinstance(json.loads(text), int | float)
    except json.JSONDecodeError:
        return False
