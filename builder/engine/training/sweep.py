"""The runs of a sweep: every combination of a grid of training options, or a random sample of a space.

    >>> combinations({"lr": [0.1, 0.01], "batch_size": [32, 64]})
    [{'lr': 0.1, 'batch_size': 32}, {'lr': 0.1, 'batch_size': 64}, {'lr': 0.01, 'batch_size': 32}, {'lr': 0.01, 'batch_size': 64}]
    >>> [round(c["lr"], 5) for c in combinations(None, {"samples": 3, "seed": 1, "space": {"lr": {"min": 1e-4, "max": 1e-1, "log": True}}})]
    [0.00025, 0.03486, 0.01956]

The values themselves are checked as any run's options are, run by run (TrainConfig); here only the
shape of the request: known options, lists that are not empty, ranges a sample can be drawn from.
"""

from __future__ import annotations

import itertools
import math
import random as random_module
from typing import Any

from .config import TrainConfig
from .errors import ConfigError

MAX_SAMPLES = 10_000  # a bound on the request itself; the server's NETBUILDER_MAX_SWEEP_RUNS is lower


def combinations(grid: dict[str, list] | None, random: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The option values of each run: the grid's product (its options in the order given) times the
    random samples. ConfigError names the field of the request at fault (``grid.lr``, ``random.space``...)."""
    if not grid and not random:
        raise ConfigError("grid", "A sweep needs a grid of options or a random space to sample")
    points: list[dict[str, Any]] = [{}]
    if grid is not None:
        points = _grid(grid)
    if random is not None:
        samples = _samples(random)
        if grid and set(grid) & set(samples[0]):
            both = sorted(set(grid) & set(samples[0]))
            raise ConfigError("random.space", f"{', '.join(both)} is both in the grid and in the random space")
        points = [{**p, **s} for p in points for s in samples]
    return points


def _options() -> dict[str, Any]:
    return {o.name: o for o in TrainConfig.options()}


def _known(name: str, field: str) -> Any:
    options = _options()
    if name not in options:
        raise ConfigError(field, f"Unknown training option '{name}' (options: {', '.join(options)})")
    return options[name]


def _grid(grid: Any) -> list[dict[str, Any]]:
    if not isinstance(grid, dict) or not grid:
        raise ConfigError("grid", "The grid must map at least one option to a list of its values")
    for name, values in grid.items():
        _known(name, f"grid.{name}")
        if not isinstance(values, list) or not values:
            raise ConfigError(f"grid.{name}", f"Give {name} a list of at least one value")
    names = list(grid)
    return [dict(zip(names, values, strict=True)) for values in itertools.product(*(grid[n] for n in names))]


def _samples(random: Any) -> list[dict[str, Any]]:
    if not isinstance(random, dict):
        raise ConfigError("random", 'random is {"samples": n, "seed"?: s, "space": {option: {"min", "max", "log"?}}}')
    n, seed, space = random.get("samples"), random.get("seed", 0), random.get("space")
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_SAMPLES:
        raise ConfigError("random.samples", f"samples must be a whole number from 1 to {MAX_SAMPLES}, got {n!r}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ConfigError("random.seed", f"seed must be a whole number, got {seed!r}")
    if not isinstance(space, dict) or not space:
        raise ConfigError("random.space", "The space must map at least one option to its range")
    ranges = {}
    for name, bounds in space.items():
        field = f"random.space.{name}"
        option = _known(name, field)
        if option.kind not in ("int", "float"):
            raise ConfigError(field, f"{name} is a {option.kind} option: sample numbers only (int or float options)")
        if not isinstance(bounds, dict) or set(bounds) - {"min", "max", "log"} or not {"min", "max"} <= set(bounds):
            raise ConfigError(field, f'Give {name} a range: {{"min": a, "max": b, "log"?: true}}')
        lo, hi, log = bounds["min"], bounds["max"], bounds.get("log", False)
        numbers = all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in (lo, hi))
        if not numbers or not lo <= hi:
            raise ConfigError(field, f"min and max must be numbers with min ≤ max, got {lo!r} and {hi!r}")
        if not isinstance(log, bool) or (log and lo <= 0):
            raise ConfigError(f"{field}.log", "A log range needs min > 0 (and log is true or false)")
        ranges[name] = (lo, hi, log, option.kind)
    rng = random_module.Random(seed)
    samples = []
    for _ in range(n):
        sample = {}
        for name, (lo, hi, log, kind) in ranges.items():
            value = math.exp(rng.uniform(math.log(lo), math.log(hi))) if log else rng.uniform(lo, hi)
            sample[name] = round(value) if kind == "int" else value
        samples.append(sample)
    return samples
