"""NetBuilder's stored objects. Every one has an owner; selectors filter by it."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ApiToken(models.Model):
    """A personal token for scripts; only its SHA-256 is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=12, help_text="First characters, to tell tokens apart.")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user} {self.prefix}…"


class Architecture(models.Model):
    """A saved, named graph; each change of the graph is a new `ArchitectureVersion`."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="architectures")
    name = models.CharField(max_length=200)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class ArchitectureVersion(models.Model):
    architecture = models.ForeignKey(Architecture, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    graph = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["version"]
        constraints = [
            models.UniqueConstraint(fields=["architecture", "version"], name="unique_architecture_version")
        ]

    def __str__(self) -> str:
        return f"{self.architecture_id} v{self.version}"


class UploadedDataset(models.Model):
    """A dataset file a user uploaded (CSV, .npz or a zip of an ImageFolder tree)."""

    class Kind(models.TextChoices):
        CSV = "csv"
        NPZ = "npz"
        IMAGEZIP = "imagezip"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="datasets")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    path = models.CharField(max_length=500)
    size_bytes = models.BigIntegerField()
    options = models.JSONField(default=dict)
    description = models.JSONField(default=dict, help_text="Shape, task, classes, preview.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"


class RunStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    STOPPED = "stopped"


ACTIVE_STATUSES = (RunStatus.QUEUED, RunStatus.RUNNING)
FINAL_STATUSES = (RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.STOPPED)


class Sweep(models.Model):
    """A set of runs made at once from one request: a grid or random sample of options, or several designs."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sweeps")
    name = models.CharField(max_length=200, blank=True)
    request = models.JSONField(default=dict, help_text="What was asked for: the options varied and how.")
    options = models.JSONField(default=list, help_text="The config options the sweep varies, in order.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"sweep {self.pk} ({self.name})"


class TrainingRun(models.Model):
    """One training job: a frozen graph, a dataset and a configuration, claimed by one worker."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="runs")
    architecture = models.ForeignKey(
        Architecture, on_delete=models.SET_NULL, null=True, blank=True, related_name="runs"
    )
    architecture_version = models.PositiveIntegerField(null=True, blank=True)
    name = models.CharField(max_length=200, blank=True)
    graph = models.JSONField()
    dataset = models.CharField(max_length=200, help_text="A built-in dataset name, or 'upload:<id>'.")
    dataset_options = models.JSONField(default=dict)
    config = models.JSONField(default=dict)
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED, db_index=True)
    stop_requested = models.BooleanField(default=False)
    worker = models.CharField(max_length=200, blank=True)
    device = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    trained_seconds = models.FloatField(
        default=0.0, help_text="Training time over every attempt so far; NETBUILDER_MAX_RUN_SECONDS limits it.")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    step = models.PositiveIntegerField(default=0)
    epoch = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True, help_text="The message shown to the user.")
    error_traceback = models.TextField(blank=True, help_text="Shown to the run's owner only.")
    final_metrics = models.JSONField(default=dict)
    files = models.JSONField(default=dict, help_text="kind -> path relative to NETBUILDER_RUNS_DIR")
    checkpoint = models.CharField(max_length=500, blank=True)
    init_weights = models.ForeignKey(
        "WeightsFile", on_delete=models.SET_NULL, null=True, blank=True, related_name="runs",
        help_text="Weights loaded into the model before its first step.",
    )
    # The queue: workers claim queued runs that are not held, highest priority first, then oldest.
    priority = models.IntegerField(default=0)
    held = models.BooleanField(default=False, help_text="A held queued run is not claimed until released.")
    parent = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="children",
        help_text="The run this one continues from (its last checkpoint).",
    )
    sweep = models.ForeignKey(Sweep, on_delete=models.CASCADE, null=True, blank=True, related_name="runs")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"]), models.Index(fields=["status", "-priority", "created_at"])]

    def __str__(self) -> str:
        return f"run {self.pk} ({self.status})"


class RunEvent(models.Model):
    """A stored message of a run's stream (metrics, epoch summaries, logs), in arrival order."""

    run = models.ForeignKey(TrainingRun, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=16)
    step = models.PositiveIntegerField(default=0)
    data = models.JSONField()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["run", "type", "step"])]

    def __str__(self) -> str:
        return f"run {self.run_id} {self.type} @{self.step}"


class WeightsFile(models.Model):
    """A state dict (.pth or .safetensors) a user uploaded to start runs from."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="weights_files")
    name = models.CharField(max_length=200)
    path = models.CharField(max_length=500)
    size_bytes = models.BigIntegerField()
    tensors = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.tensors} tensors)"


class LibraryBlock(models.Model):
    """A block a user saved to reuse in other architectures: its definition as a graph's `blocks` holds it
    (docs/graph-format.md "Blocks"), the blocks it uses, and the input shapes it was checked with."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="library_blocks")
    name = models.CharField(max_length=100)
    definition = models.JSONField(help_text="the block: params, nodes, edges")
    uses = models.JSONField(default=dict, help_text="the blocks it uses, by name, inner ones too")
    input_shapes = models.JSONField(default=list, help_text="the shapes of its inputs it compiles with")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"block {self.name}"
