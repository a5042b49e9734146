"""Probe a graph on one dataset sample: every node's output, with fresh or a trained run's weights."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from builder.models import RunStatus, TrainingRun
from builder.services.datasets import smaller_draw
from builder.services.runs import DatasetRef, RunError, dataset_facts, load_dataset_ref


def graph_probe(*, graph: dict, dataset: DatasetRef, sample: int, run: TrainingRun | None = None) -> dict:
    """`probe_graph` over HTTP's rules: 400 naming the field or node, 409 for a run without weights yet.

    A generated set bigger than NETBUILDER_CHECK_DECODE_BYTES is not made whole for one sample: the probe
    draws as many samples as fit that budget, with the same options, and `sample` must be one of them.
    """
    from builder.engine import weights
    from builder.engine.graph import GraphError
    from builder.engine.training import DatasetError, RunPlanError, probe_graph

    state = _run_weights(run) if run is not None else None
    drawn: int | None = None
    try:
        facts = dataset_facts(dataset) if dataset.upload is None else None
        drawn = smaller_draw(facts) if facts is not None else None
        if facts is not None and drawn is not None:
            dataset = DatasetRef(name=dataset.name, options={**facts.options, "size": drawn})
        data = load_dataset_ref(dataset)
        return probe_graph(graph, data, sample=sample, state_dict=state)
    except GraphError as e:
        raise RunError(f"The graph has {len(e.errors)} error(s): {e.errors[0]['message']}", errors=e.errors) from e
    except DatasetError as e:
        field = f"dataset_options.{e.field}" if e.field else "dataset_options"
        raise RunError(f"{field}: {e.message}", errors=[{"field": field, "message": e.message}]) from e
    except RunPlanError as e:
        message = e.message
        if e.field == "sample" and drawn is not None:
            message += (f" (a set this big is probed on a draw of {drawn:,} samples with the same options: "
                        "NETBUILDER_CHECK_DECODE_BYTES)")
        errors = [e.to_dict()] if e.node else [{"field": e.field or "graph", "message": message}]
        raise RunError(message, errors=errors) from e
    except weights.WeightsError as e:
        raise RunError(f"run: {e.message}", errors=[{"field": "run", "message": e.message}]) from e


def _run_weights(run: TrainingRun) -> dict:
    from builder.engine import weights

    rel = run.files.get("pth")
    if rel is None:
        still = run.status in (RunStatus.QUEUED, RunStatus.RUNNING)
        why = "they are written when it ends" if still else "it ended without them"
        raise RunError(f"Run {run.pk} has no trained weights: {why} (status {run.status})", status=409,
                       errors=[{"field": "run", "message": "no trained weights"}])
    runs_dir = Path(settings.NETBUILDER_RUNS_DIR).resolve()
    path = (runs_dir / rel).resolve()
    if runs_dir not in path.parents or not path.is_file():
        raise RunError(f"Run {run.pk}'s model.pth is missing on this server", status=404)
    try:
        return weights.read_state_dict(path)
    except weights.WeightsError as e:
        raise RunError(f"run: {e.message}", status=409, errors=[{"field": "run", "message": e.message}]) from e
