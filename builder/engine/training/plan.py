"""Run preparation: what must hold before a run trains, checked once, in one order, for every way a run
starts (`manage.py train`, `POST /api/runs` and `/api/runs/check`, the run's own training process).

    >>> from builder.engine.training import load_dataset
    >>> graph = {"format": "netbuilder.graph/1", "nodes": [
    ...     {"id": "x", "type": "Input", "params": {"shape": [2]}},
    ...     {"id": "fc", "type": "Linear", "params": {"out_features": 2}}, {"id": "y", "type": "Output"}],
    ...     "edges": [{"source": "x", "target": "fc"}, {"source": "fc", "target": "y"}]}
    >>> plan = plan_run(graph, load_dataset("moons"), {"epochs": 3})
    >>> plan.config.epochs, plan.output, type(plan.compile()).__name__
    (3, {'node': 'y', 'shape': [2]}, 'Network')
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

from builder.engine.graph.analysis import Analysis
from builder.engine.graph.compile import build, checked, io_of

from .augment import model_input_shape
from .checks import check_compatibility, check_validation
from .config import TrainConfig
from .datasets import Dataset, DatasetFacts
from .errors import ConfigError, RunPlanError


@dataclass(frozen=True)
class RunPlan:
    """A run that can train: its graph's analysis, the dataset, the resolved config, the Input and Output."""

    analysis: Analysis
    dataset: Dataset | DatasetFacts  # facts only: the data is loaded and checked where the run trains
    config: TrainConfig
    input: dict[str, Any]  # {"node", "shape", "dtype"}: the graph's one Input, per sample
    output: dict[str, Any]  # {"node", "shape"}: its one Output

    def compile(self) -> torch.fx.GraphModule:
        """The model, built from the analysis the checks used (the graph is analysed once)."""
        return build(self.analysis)

    def describe(self) -> dict[str, Any]:
        """What the run will be: the resolved config, the dataset, the Input and Output, the loss class."""
        return {"config": self.config.to_dict(), "dataset": self.dataset.describe(), "input": self.input,
                "output": self.output, "loss": self.config.loss_class}


def plan_run(graph: Any, dataset: Dataset | DatasetFacts | Callable[[], Dataset | DatasetFacts],
             config: dict) -> RunPlan:
    """Check a run: the graph, then the config against the dataset, then the graph against both.

    `dataset` may be a function that loads it: it is called once the graph checks out, so a broken graph
    is reported without loading any data. It may be the dataset's facts (`describe_dataset`): every check
    here needs only those, so a submission can be checked without decoding big data. Raises GraphError (every error of the graph), the loader's
    DatasetError, ConfigError (the option at fault, or `early_stopping` on a run without validation) or RunPlanError (the Input or Output node that
    doesn't fit the dataset, with a field: `shape`, `dtype`, an Embedding's `num_embeddings`, or
    `config.<option>`).
    """
    analysis = checked(graph)
    if callable(dataset):
        dataset = dataset()
    cfg = TrainConfig.from_dict(config, dataset=dataset)
    check_validation(dataset, cfg)
    io = io_of(analysis)
    inputs, outputs = io["inputs"], io["outputs"]
    if len(inputs) != 1 or len(outputs) != 1:
        raise RunPlanError(f"Training needs a graph with one Input and one Output; this one has {len(inputs)} "
                           f"and {len(outputs)}")
    want, got = list(model_input_shape(dataset.input_shape, cfg)), list(inputs[0]["shape"])
    if want != got:
        resized = " after resize" if cfg.resize else ""
        raise RunPlanError(
            f"The dataset '{dataset.name}' gives inputs of shape {want}{resized}, but Input '{inputs[0]['node']}' "
            f"expects {got}", node=inputs[0]["node"], field="shape", at_node=f"dataset gives {want}")
    node, dtype = inputs[0]["node"], inputs[0]["dtype"]
    if dtype != dataset.dtype:
        hint = ("token ids for an Embedding" if dataset.dtype == "int64" else "float features")
        raise RunPlanError(
            f"The dataset '{dataset.name}' gives {dataset.dtype} inputs ({hint}), but Input '{node}' has dtype "
            f"{dtype}; set its dtype to {dataset.dtype}", node=node, field="dtype",
            at_node=f"dataset gives {dataset.dtype}; set dtype to {dataset.dtype}")
    _check_vocabulary(analysis, dataset)
    try:
        check_compatibility(outputs[0]["shape"], dataset, cfg)
    except ConfigError as e:
        raise RunPlanError(e.message, node=outputs[0]["node"], field=f"config.{e.field}") from e
    return RunPlan(analysis=analysis, dataset=dataset, config=cfg, input=inputs[0], output=outputs[0])


def _check_vocabulary(analysis: Analysis, dataset: Dataset | DatasetFacts) -> None:
    """Every Embedding must cover the dataset's token ids, or the first step fails with an index error."""
    vocab = dataset.vocab_size
    if vocab is None:
        return
    for node_id, info in analysis.nodes.items():
        if info.layer.type == "Embedding" and info.params["num_embeddings"] < vocab:
            have = info.params["num_embeddings"]
            raise RunPlanError(
                f"The dataset '{dataset.name}' has token ids 0 to {vocab - 1}, but Embedding '{node_id}' has "
                f"num_embeddings {have} (ids 0 to {have - 1}); set num_embeddings to at least {vocab}",
                node=node_id, field="num_embeddings", at_node=f"dataset has token ids up to {vocab - 1}; needs num_embeddings ≥ {vocab}")
