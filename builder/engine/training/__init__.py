"""The training engine: datasets, the training loop, metrics, checkpoints and the files a user takes home.

Plain Python over torch; it knows nothing of Django. A run reports through `callback(message)`, with
the messages of the run protocol (`builder.engine.training.events`), which the websocket carries as they are.

    >>> from torch import nn
    >>> from builder.engine.training import TrainConfig, load_dataset, train
    >>> ds = load_dataset("digits")
    >>> model = nn.Sequential(nn.Flatten(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    >>> result = train(model, ds, TrainConfig.from_dict({"epochs": 5}, dataset=ds))
    >>> result.status, result.metrics["val_accuracy"] > 0.9
    ('succeeded', True)
"""

from . import events
from .artifacts import write_artifacts, write_onnx
from .checks import check_compatibility, resolve_device
from .config import LOSSES, OPTIMIZERS, PRECISIONS, SCHEDULERS, TrainConfig
from .datasets import (
    UPLOAD_OPTIONS,
    Dataset,
    DatasetFacts,
    UploadLimits,
    describe_dataset,
    list_datasets,
    load_dataset,
    load_upload,
)
from .errors import ConfigError, DatasetError, RunPlanError, TrainingError
from .loop import TrainResult, train
from .plan import RunPlan, plan_run
from .preprocessing import export_preprocessing
from .probe import probe_graph

__all__ = [
    "LOSSES",
    "OPTIMIZERS",
    "PRECISIONS",
    "SCHEDULERS",
    "ConfigError",
    "Dataset",
    "DatasetFacts",
    "describe_dataset",
    "DatasetError",
    "RunPlan",
    "RunPlanError",
    "TrainConfig",
    "TrainResult",
    "TrainingError",
    "UPLOAD_OPTIONS",
    "UploadLimits",
    "check_compatibility",
    "events",
    "plan_run",
    "probe_graph",
    "export_preprocessing",
    "list_datasets",
    "load_dataset",
    "load_upload",
    "resolve_device",
    "train",
    "write_artifacts",
    "write_onnx",
]
