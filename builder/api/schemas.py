"""Request and response schemas of the JSON API (pydantic, through django-ninja).

Every answer is declared here, so `/api/openapi.json` documents it and the browser's wire types are
generated from it (`make api-types`). Answers that services and selectors build as dicts are
TypedDicts: validated as they are, with `NotRequired` for a key that may be absent (never null).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, NotRequired

from ninja import Schema
from pydantic import ConfigDict, Field
from typing_extensions import TypedDict  # pydantic takes typing's only from Python 3.12

from builder.engine.options import Kind as OptionKind
from builder.models import RunStatus

MAX_ID = 2**63 - 1  # ids are 64-bit: a larger number could never name a row, and the database can't take it
Id = Annotated[int, Field(ge=0, le=MAX_ID)]  # an id in a path, a query or a body: bounded, so it answers 422

Number = int | float  # as the service gives it: 3 stays 3, not 3.0
Value = bool | int | float | str | list[Number] | list[str] | None  # a parameter's or an option's value
UploadKind = Literal["csv", "npz", "imagezip"]
Graph = Annotated[dict[str, Any], Field(description="a netbuilder.graph/1 document (docs/graph-format.md)")]
Shape = list[int]
RunStatusName = Literal[tuple(RunStatus.values)]
FileKind = Literal["pth", "best_pth", "safetensors", "checkpoint", "model_py", "onnx", "graph"]
OPEN = ConfigDict(extra="allow")  # an object that may carry more keys than the ones named; they are kept


# Errors -------------------------------------------------------------------------------------------


class ErrorItem(TypedDict):
    __pydantic_config__ = OPEN
    message: str
    node: NotRequired[str | None]
    field: NotRequired[str | None]
    loc: NotRequired[list[str]]


class ErrorOut(TypedDict):
    """Every 4xx answer (builder/api/errors.py)."""

    detail: str
    errors: list[ErrorItem]


# Account, architectures ---------------------------------------------------------------------------


class Me(Schema):
    id: int
    username: str


class ArchitectureIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    graph: dict[str, Any]


class ArchitecturePatch(Schema):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    graph: dict[str, Any] | None = None


class DuplicateIn(Schema):
    name: str | None = Field(default=None, min_length=1, max_length=200)


class VersionOut(Schema):
    version: int
    created_at: datetime


class ArchitectureSummary(Schema):
    id: int
    name: str
    version: int
    created_at: datetime
    updated_at: datetime


class ArchitectureOut(ArchitectureSummary):
    graph: Graph
    versions: list[VersionOut]


class ArchitectureVersionOut(Schema):
    id: int
    name: str
    version: int
    graph: Graph
    created_at: datetime


# The compiler -------------------------------------------------------------------------------------


class OptionSpec(TypedDict):
    """One typed, bounded option (builder.engine.options.Option): a layer's parameter, a training option,
    a dataset's or an upload's option all have this shape."""

    name: str
    kind: OptionKind
    default: Value
    doc: str
    required: bool
    nullable: bool
    inferred: bool
    min: NotRequired[Number]
    max: NotRequired[Number]
    min_exclusive: NotRequired[bool]
    max_exclusive: NotRequired[bool]
    choices: NotRequired[list[str]]
    pattern: NotRequired[str]
    length: NotRequired[int | None]
    setting: NotRequired[str]


class LayerInputs(TypedDict):
    min: int
    max: int | None
    names: NotRequired[list[str]]


class LayerSpec(TypedDict):
    type: str
    category: str
    doc: str
    inputs: LayerInputs
    outputs: Annotated[int | None, Field(description="null when it depends on the parameters (Split)")]
    params: list[OptionSpec]
    shareable: Annotated[bool, Field(description="another node of this type may call its module (node key share)")]
    ties_to: Annotated[str | None, Field(description="the type whose weight a node of this type may take (node key "
                                                     "tie): Embedding for a Linear; null: none")]


class CatalogLimits(TypedDict):
    max_params: int
    settings: dict[str, str]


class Catalog(TypedDict):
    format: str
    categories: list[str]
    layers: list[LayerSpec]
    limits: CatalogLimits


class NodeReport(TypedDict):
    shape: Shape | None
    shapes: list[Shape]
    params: int | None
    flops: int | None


class ValidationResult(TypedDict):
    ok: bool
    params: int
    trainable_params: int
    flops: int
    param_bytes: int
    output_shapes: list[Shape | None]
    nodes: dict[str, NodeReport]
    errors: list[ErrorItem]
    warnings: Annotated[list[ErrorItem], Field(description="settings that are legal but do nothing (an LSTM's "
                                                           "dropout with num_layers 1); they never make ok false")]


class ExportIn(Schema):
    graph: dict[str, Any]
    format: Literal["py", "json"] = "py"


class MakeBlockIn(Schema):
    graph: dict[str, Any]
    nodes: list[str] = Field(max_length=10_000, description="the node ids that become the block")
    name: str = Field(max_length=100, description="the block's name, a class name (Residual)")


class UngroupIn(Schema):
    graph: dict[str, Any]
    node: str = Field(max_length=200, description="the Block node to write out as its layers")


class LibraryBlockIn(Schema):
    name: str = Field(min_length=1, max_length=100, description="the block's name, a class name (Residual)")
    block: dict[str, Any] = Field(description="the block as a graph's `blocks` holds it: params, nodes, edges")
    uses: dict[str, dict[str, Any]] = Field(default_factory=dict, description="the blocks it uses, by name")
    input_shapes: list[Annotated[list[Annotated[int, Field(ge=1, le=1_000_000)]], Field(max_length=8)]] = Field(
        max_length=64, description="the shapes of its inputs (no batch dimension) it must compile with")


class LibraryBlockOut(Schema):
    id: int
    name: str
    block: dict[str, Any]
    uses: dict[str, dict[str, Any]]
    input_shapes: list[list[int]]
    created_at: datetime


class GraphOut(TypedDict):
    graph: dict[str, Any]


class ProbeIn(Schema):
    graph: dict[str, Any]
    dataset: str | int
    dataset_options: dict[str, Any] = Field(default_factory=dict)
    sample: int = Field(default=0, description="the index of the dataset sample to run through the graph")
    run: Id | None = Field(default=None, description="a run whose trained weights the graph runs with")


class ProbeSample(TypedDict):
    index: int
    label: Annotated[int | list[int] | list[float], Field(description="a class, a class per position (a "
                                                                      "sequence), or target values")]


class NodeProbe(TypedDict):
    shape: list[int]
    mean: NotRequired[float]
    std: NotRequired[float]
    min: NotRequired[float]
    max: NotRequired[float]
    preview: NotRequired[Annotated[dict[str, Any], Field(
        description='{"kind": "values", "values": [...], "truncated"?} for vectors; {"kind": "heatmap", '
                    '"size", "range", "values"} for 2-D outputs; {"kind": "channels", "channels": [heatmap], '
                    '"of": C} for 3-D ones (the first 16, each at most 32 × 32)')]]
    parts: NotRequired[list[dict[str, Any]]]


class ProbeOut(TypedDict):
    sample: ProbeSample
    nodes: dict[str, NodeProbe]


class Template(TypedDict):
    id: str
    name: str
    description: str
    graph: Graph


# Pretrained models, imports and weights files -----------------------------------------------------


class ExpandIn(Schema):
    graph: dict[str, Any]
    node: str


class TorchvisionHead(TypedDict):
    module: str
    in_features: int
    out_features: int


class TorchvisionWeights(TypedDict):
    file: str
    path: str
    available: bool


class TorchvisionTransforms(TypedDict):
    mean: list[float]
    std: list[float]
    resize: int
    crop: int


class TorchvisionInput(TypedDict):
    min_size: int
    fixed_size: int | None


class TorchvisionArch(TypedDict):
    arch: str
    params: int
    gflops: Number
    head: TorchvisionHead
    weights: TorchvisionWeights
    transforms: TorchvisionTransforms
    input: TorchvisionInput
    expandable: bool
    expand_problem: str | None


class ImportedGraph(TypedDict):
    graph: Graph
    validation: ValidationResult


class Mismatch(TypedDict):
    key: str
    expected: Shape
    got: Shape


class WeightsReport(TypedDict):
    matched: list[str]
    renamed: dict[str, str]
    missing: list[str]
    unexpected: list[str]
    mismatched: list[Mismatch]
    ok: bool


class WeightsCheck(WeightsReport):
    file: str
    tensors: int


class WeightsFileOut(TypedDict):
    id: int
    name: str
    size_bytes: int
    tensors: int
    created_at: str
    report: NotRequired[WeightsReport]


# Datasets and training options --------------------------------------------------------------------


class BuiltinDataset(TypedDict):
    name: str
    title: str
    description: str
    source: str
    task: str
    input_shape: Shape
    dtype: str
    options: list[OptionSpec]
    defaults: dict[str, Value]
    available: bool
    classes: NotRequired[list[str]]
    label_shape: Annotated[NotRequired[Shape], Field(description="a class per position: the labels' shape per "
                                                     "sample, e.g. [L] for a sequence (absent: one class per sample)")]
    target_size: NotRequired[int]


class DatasetValidation(TypedDict):
    fixed: bool
    samples: NotRequired[int]
    fraction: NotRequired[float]


class DatasetDescription(TypedDict):
    name: str
    title: str
    description: str
    task: str
    input_shape: Shape
    dtype: str
    samples: NotRequired[int]
    validation: NotRequired[DatasetValidation]
    options: dict[str, Any]
    classes: NotRequired[list[str]]
    label_shape: Annotated[NotRequired[Shape], Field(description="a class per position: the labels' shape per "
                                                     "sample, e.g. [L] for a sequence (absent: one class per sample)")]
    target_size: NotRequired[int]
    info: NotRequired[dict[str, Any]]
    decoded: Annotated[NotRequired[bool], Field(description="false: described by its facts without decoding "
                                                "(over NETBUILDER_CHECK_DECODE_BYTES); the run's process loads it")]


class PreviewSample(TypedDict):
    x: Any
    y: Any
    truncated: NotRequired[bool]


class PreviewOf(TypedDict):
    size: int


class DatasetPreview(DatasetDescription):
    preview: list[PreviewSample]
    preview_of: Annotated[NotRequired[PreviewOf], Field(description="a set over NETBUILDER_CHECK_DECODE_BYTES: "
                                                        "the samples shown come from a draw of this size")]
    class_counts: NotRequired[dict[str, int]]
    target_mean: NotRequired[list[float]]
    target_std: NotRequired[list[float]]


class UploadedDatasetOut(TypedDict):
    id: int
    key: Annotated[str, Field(description="upload:ID, the name a run gives as its dataset")]
    name: str
    kind: UploadKind
    size_bytes: int
    options: dict[str, Any]
    task: str
    input_shape: Shape
    dtype: Annotated[str, Field(description="of the inputs: float32, or int64 token ids (for an Embedding)")]
    samples: int
    classes: list[str] | None
    target_size: int | None
    created_at: str
    preview: NotRequired[DatasetPreview]


class DatasetList(TypedDict):
    builtin: list[BuiltinDataset]
    uploads: list[UploadedDatasetOut]
    max_upload_bytes: int
    max_dataset_bytes: int
    upload_options: dict[UploadKind, list[OptionSpec]]


class TrainingOptions(TypedDict):
    fields: list[OptionSpec]


# Runs ---------------------------------------------------------------------------------------------


class RunIn(Schema):
    graph: dict[str, Any] | None = None
    architecture: Id | None = None
    architecture_version: Id | None = None
    dataset: str | int
    dataset_options: dict[str, Any] = Field(default_factory=dict)
    config: dict[str, Any] = Field(default_factory=dict)
    name: str = Field(default="", max_length=200)
    init_weights: Id | None = Field(default=None, description="id of an uploaded weights file to start from")


PRIORITY_MAX = 1_000_000


class RunContinueIn(Schema):
    epochs: int = Field(ge=1, description="epochs to train on from the run's last checkpoint")
    config: dict[str, Any] = Field(default_factory=dict, description="training options to change")


class RunPatchIn(Schema):
    priority: int = Field(ge=-PRIORITY_MAX, le=PRIORITY_MAX)


class SweepIn(Schema):
    name: str = Field(default="", max_length=200)
    graph: dict[str, Any] | None = None
    architecture: Id | None = None
    architectures: list[Id] | None = Field(default=None, max_length=64, description="several designs to compare")
    dataset: str | int
    dataset_options: dict[str, Any] = Field(default_factory=dict)
    config: dict[str, Any] = Field(default_factory=dict, description="the options every run shares")
    grid: dict[str, list[Any]] | None = Field(default=None, description="option -> values: every combination")
    random: dict[str, Any] | None = Field(
        default=None, description='{"samples": n, "seed"?: s, "space": {option: {"min", "max", "log"?}}}')


class PlanInput(TypedDict):
    node: str
    shape: Shape
    dtype: str


class PlanOutput(TypedDict):
    node: str
    shape: Shape


class RunPlan(TypedDict):
    config: dict[str, Any]
    dataset: DatasetDescription
    input: PlanInput
    output: PlanOutput
    loss: str | None


class RunSummary(TypedDict):
    id: int
    name: str
    status: RunStatusName
    dataset: str
    architecture: int | None
    architecture_version: int | None
    worker: str
    device: str
    step: int
    epoch: int
    error: str
    final_metrics: dict[str, Any]
    best_epoch: Annotated[int | None, Field(description="the epoch of lowest val loss (runs with validation)")]
    best_metrics: Annotated[dict[str, float] | None, Field(description="that epoch's val_loss, val_accuracy, "
                                                                      "val_top5 and val_r2, those it has")]
    created_at: str
    started_at: str | None
    finished_at: str | None
    duration_s: float | None
    priority: Annotated[int, Field(description="workers take queued runs of higher priority first, then the oldest")]
    held: Annotated[bool, Field(description="a held queued run waits until it is released")]
    queue_position: Annotated[int | None, Field(description="1: the queued run a worker takes next; null when not waiting")]
    parent: Annotated[int | None, Field(description="the run this one continues")]
    sweep: int | None


class RunDetail(RunSummary):
    graph: Graph
    dataset_options: dict[str, Any]
    config: dict[str, Any]
    files: Annotated[list[FileKind], Field(description="the kinds of file GET /api/runs/{id}/download has")]
    onnx_error: str | None
    traceback: str
    stop_requested: bool


class SweepSummary(TypedDict):
    id: int
    name: str
    status: RunStatusName
    options: Annotated[list[str], Field(description="the training options the sweep varies")]
    runs: list[int]
    created_at: str


class SweepPlanRun(TypedDict):
    design: str
    values: dict[str, Any]
    config: dict[str, Any]


class SweepPlanOut(TypedDict):
    options: list[str]
    count: Annotated[int, Field(description="the runs POST /api/sweeps would queue")]
    runs: list[SweepPlanRun]


class SweepRun(RunSummary):
    config: dict[str, Any]
    params: int
    flops: int
    architecture_name: Annotated[str | None, Field(description="the saved architecture's name; null: the run's "
                                                   "own graph")]


class SweepDetail(TypedDict):
    id: int
    name: str
    status: RunStatusName
    options: list[str]
    created_at: str
    request: dict[str, Any]
    runs: list[SweepRun]


class StreamEvent(TypedDict):
    type: str
    data: dict[str, Any]


class RunMetrics(TypedDict):
    id: int
    status: RunStatusName
    events: list[StreamEvent]


class RunPictures(TypedDict):
    run: int
    epoch: Annotated[int | None, Field(description="the epoch of the pictures (or of the health) shown")]
    units: Annotated[dict[str, Any] | None, Field(description="2-D data: every unit over the data's square")]
    feature_maps: Annotated[dict[str, Any] | None, Field(description="images: a fixed sample's feature maps")]
    health: Annotated[dict[str, Any] | None, Field(description="every node's last training-health measures")]


class HistogramOut(Schema):
    edges: list[float] = Field(description="33 bin edges, lowest first")
    counts: list[int] = Field(description="32 counts of finite elements")


class TensorOut(Schema):
    name: str = Field(description="state-dict key, e.g. 'linear.weight'")
    node: str = Field(description="id of the graph node whose layer holds the tensor")
    shape: list[int]
    dtype: str
    numel: int
    nonfinite: int = Field(description="elements that are NaN or infinite (left out of the statistics)")
    mean: float | None
    std: float | None = Field(description="population standard deviation")
    min: float | None
    max: float | None
    histogram: HistogramOut
    values: Any = Field(
        default=None, description="the values as nested lists, for tensors of at most 4,096 elements"
    )


class RunWeightsOut(Schema):
    id: int
    status: RunStatusName
    tensors: list[TensorOut] = Field(description="every parameter and buffer of the trained model, in order")


def file_answer(*media_types: str) -> dict[str, Any]:
    """`openapi_extra` documenting a 200 that is a file (a JSON file is an object)."""
    binary = {"type": "string", "format": "binary"}
    content = {t: {"schema": {"type": "object"} if t == "application/json" else binary} for t in media_types}
    return {"responses": {200: {"description": "The file", "content": content}}}
