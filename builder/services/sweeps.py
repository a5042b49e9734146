"""Sweeps: many runs from one request (a grid or random sample of options, several designs), checked
together before any is queued, stopped and deleted together."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from builder.models import ACTIVE_STATUSES, Architecture, Sweep, TrainingRun
from builder.services import runs as run_services
from builder.services.runs import DatasetRef, RunError


@dataclass(frozen=True)
class Design:
    """One graph a sweep trains: the graph given, or a saved architecture's version."""

    graph: dict
    architecture: Architecture | None = None
    version: int | None = None

    @property
    def label(self) -> str:
        return self.architecture.name if self.architecture is not None else self.graph.get("name", "graph")


def _label(values: dict) -> str:
    return ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in values.items())


@dataclass(frozen=True)
class SweepPlan:
    """A sweep checked run by run: each planned run's design, option values and resolved config."""

    options: list[str]  # the options varied, in order
    runs: list[tuple[Design, dict, dict]]

    def describe(self) -> dict:
        """What `POST /api/sweeps/check` answers: the runs it would queue, in order."""
        return {"options": self.options, "count": len(self.runs),
                "runs": [{"design": d.label, "values": values, "config": config} for d, values, config in self.runs]}


def sweep_check(*, owner: AbstractBaseUser, designs: list[Design], dataset: DatasetRef, config: dict,
                grid: dict | None, random: dict | None) -> SweepPlan:
    """Every run of the sweep, each checked as a submit is; one RunError names the combination and the
    field at fault (or the limit)."""
    from builder.engine.training import ConfigError
    from builder.engine.training.sweep import combinations

    try:  # the sweep's values win over the common config's
        points = combinations(grid, random)
    except ConfigError as e:
        raise RunError(f"{e.field}: {e.message}", errors=[{"field": e.field, "message": e.message}]) from e
    count = len(points) * len(designs)
    limit = settings.NETBUILDER_MAX_SWEEP_RUNS
    if count > limit:
        raise RunError(f"This sweep has {count} runs; the limit is {limit} (NETBUILDER_MAX_SWEEP_RUNS)",
                       errors=[{"field": "grid" if grid else "random", "message": f"{count} runs > {limit}"}])
    active = TrainingRun.objects.filter(owner=owner, sweep__isnull=False, status__in=ACTIVE_STATUSES).count()
    if active + count > limit:
        raise RunError(f"Your sweeps already have {active} queued or running runs; this one adds {count} and the "
                       f"limit is {limit} (NETBUILDER_MAX_SWEEP_RUNS). Wait for some to finish or stop a sweep.",
                       status=429)
    data = run_services.dataset_to_check(dataset)  # once for the whole sweep
    planned = []
    for design in designs:
        for i, values in enumerate(points, start=1):
            try:
                plan = run_services.run_check(owner=owner, graph=design.graph, dataset=dataset,
                                              config={**config, **values}, data=data, active_limit=False)
            except RunError as e:
                where = f"Combination {i} of {len(points)} ({_label(values)})"
                if len(designs) > 1:
                    where += f" of {design.label}"
                errors = [{**err, "combination": i, "values": values} for err in e.errors] or [
                    {"field": "config", "message": str(e), "combination": i, "values": values}]
                raise RunError(f"{where}: {e}", status=e.status, errors=errors) from e
            planned.append((design, values, plan["config"]))
    return SweepPlan(options=list(points[0]), runs=planned)


def sweep_submit(*, owner: AbstractBaseUser, designs: list[Design], dataset: DatasetRef, config: dict,
                 grid: dict | None, random: dict | None, name: str = "") -> Sweep:
    """Check every run of the sweep (`sweep_check`), then queue them all, or none."""
    plan = sweep_check(owner=owner, designs=designs, dataset=dataset, config=config, grid=grid, random=random)
    options = plan.options
    with transaction.atomic():
        sweep = Sweep.objects.create(owner=owner, name=name or f"Sweep of {', '.join(options)}", options=options,
                                     request={"grid": grid, "random": random, "config": config,
                                              "designs": [d.label for d in designs]})
        created = []
        for design, values, normalised in plan.runs:
            label = _label(values) if len(designs) == 1 else f"{design.label} · {_label(values)}"
            created.append(TrainingRun.objects.create(
                owner=owner, architecture=design.architecture, architecture_version=design.version,
                name=f"{sweep.name} · {label}"[:200], graph=design.graph, dataset=dataset.key,
                dataset_options=dataset.options, config=normalised, sweep=sweep))
    for run in created:
        run_services.broadcast_status(run)
        run_services.wake_workers(run.pk)  # one wake-up per run: each may reach another worker
    return sweep


def sweep_stop(*, sweep: Sweep) -> Sweep:
    """Stop every run of the sweep: queued ones at once, running ones within a step."""
    for run in sweep.runs.filter(status__in=ACTIVE_STATUSES):
        run_services.run_stop(run=run)
    return sweep


def sweep_delete(*, sweep: Sweep) -> None:
    """Delete the sweep, its runs and their files (running runs are stopped first)."""
    for run in sweep.runs.all():
        run_services.run_delete(run=run)
    sweep.delete()
