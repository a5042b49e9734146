"""Probe a graph on one dataset sample: every node's output, with fresh or a trained run's weights."""

from __future__ import annotations

from builder.models import TrainingRun
from builder.services.datasets import smaller_draw
from builder.services.runs import (
    DatasetRef,
    RunError,
    dataset_facts,
    engine_errors,
    load_dataset_ref,
    run_weights_file,
)


def graph_probe(*, graph: dict, dataset: DatasetRef, sample: int, run: TrainingRun | None = None) -> dict:
    """`probe_graph` over HTTP's rules: the engine's refusals as a run's (400 naming the field or node),
    409 for a run whose weights are still to be written.

    A generated set bigger than NETBUILDER_CHECK_DECODE_BYTES is not made whole for one sample: the probe
    draws as many samples as fit that budget, with the same options, and `sample` must be one of them.
    """
    from builder.engine import weights
    from builder.engine.training import RunPlanError, probe_graph

    try:
        state = weights.read_state_dict(run_weights_file(run)) if run is not None else None
    except weights.WeightsError as e:
        raise RunError(f"run: {e.message}", status=409, errors=[{"field": "run", "message": e.message}]) from e
    with engine_errors():
        facts = dataset_facts(dataset) if dataset.upload is None else None
        drawn = smaller_draw(facts) if facts is not None else None
        if drawn is not None:
            dataset = DatasetRef(name=dataset.name, options={**facts.options, "size": drawn})
        data = load_dataset_ref(dataset)
        try:
            return probe_graph(graph, data, sample=sample, state_dict=state)
        except RunPlanError as e:
            if e.field != "sample" or drawn is None:
                raise
            raise RunPlanError(f"{e.message} (a set this big is probed on a draw of {drawn:,} samples with the "
                               "same options: NETBUILDER_CHECK_DECODE_BYTES)", field="sample") from e
        except weights.WeightsError as e:
            raise RunError(f"run: {e.message}", errors=[{"field": "run", "message": e.message}]) from e
