"""Pictures of what the network computes, as it learns: every unit over the data's square, feature maps.

TensorFlow Playground draws each neuron's output over the input plane; :class:`UnitPictures` does it
for any compiled graph on 2-D data. The data's square (the decision boundary's, see
``metrics.data_range``) is sampled on a ``UNITS_SIZE`` × ``UNITS_SIZE`` grid and run through the model
node by node; every node whose output is a vector of at most ``UNITS_MAX`` values gets one picture per
unit, row-major, row r at the r-th step of y (ascending), column c at the c-th step of x::

    {node_id: {"size": S, "range": [min, max], "values": [[S*S values] per unit]}}

:class:`FeatureMaps` does the same for images: a fixed validation sample and, for every Conv/Pool node
with a (C, H, W) output, its first ``CHANNELS_MAX`` channels as greyscale pictures (the probe's picture
format: ``{"size": [h, w], "range": [lo, hi], "values": [[row], ...]}``), with the sample's label and
the model's prediction for it. Both run in eval mode without gradients, off the training step.
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.fx
from torch import nn

from builder.engine.graph.compile import node_layers

from .probe import CHANNELS_MAX, VALUES_MAX, NodeRecorder, picture, received_by, rounded

UNITS_SIZE = 16  # the grid's side: 36 units of Playground's spiral net are ~9k values, ~65 kB a message
UNITS_DIGITS = 3  # significant digits of a node's values, relative to its largest (a 0.1 % step of its scale)
UNITS_MAX = VALUES_MAX  # a node with at most this many outputs is drawn unit by unit
PICTURES_SECONDS = 0.1  # at most this often (and on the first and last epoch)
PICTURES_PER_RUN = 200  # a run's messages carry at most about this many sets of pictures
FEATURE_MAP_SIDE = 24  # a feature map is pooled to at most this on a side ...
FEATURE_MAP_VALUES = 100_000  # ... and smaller when a graph has many Conv/Pool nodes
FEATURE_MAP_LAYERS = ("Conv", "Pool")  # layer types whose name holds one of these


def digits_for(lo: float, hi: float, significant: int = UNITS_DIGITS) -> int:
    """Decimals that keep `significant` digits of the largest magnitude in [lo, hi] (a picture needs no more)."""
    scale = max(abs(lo), abs(hi))
    if not math.isfinite(scale) or scale == 0:
        return significant
    return min(12, max(0, significant - 1 - math.floor(math.log10(scale))))


def every_epochs(epochs: int) -> int:
    """Pictures every this many epochs, so that a run carries at most about PICTURES_PER_RUN sets."""
    return max(1, math.ceil(epochs / PICTURES_PER_RUN))


class UnitPictures:
    """Every ≤ UNITS_MAX-wide node's units over the square `x_range` × `y_range` of 2-D data."""

    def __init__(self, model: torch.fx.GraphModule, x_range: list[float], y_range: list[float], *,
                 device: torch.device, size: int = UNITS_SIZE) -> None:
        self.model, self.size = model, size
        xs = torch.linspace(x_range[0], x_range[1], size, device=device)
        ys = torch.linspace(y_range[0], y_range[1], size, device=device)
        grid_y, grid_x = torch.meshgrid(ys, xs, indexing="ij")  # (S, S) each
        self.points = torch.stack([grid_x.reshape(-1), grid_y.reshape(-1)], dim=1)  # (S*S, 2), row-major

    @classmethod
    def for_model(cls, model: nn.Module, x_range: list[float], y_range: list[float], *,
                  device: torch.device) -> UnitPictures | None:
        return cls(model, x_range, y_range, device=device) if isinstance(model, torch.fx.GraphModule) else None

    def measure(self) -> dict[str, dict[str, Any]]:
        was_training = self.model.training
        self.model.eval()
        recorder = NodeRecorder(self.model)
        try:
            with torch.no_grad():
                recorder.run(self.points)
        finally:
            self.model.train(was_training)
        out: dict[str, dict[str, Any]] = {}
        for node, value in recorder.values.items():
            if not isinstance(value, torch.Tensor) or value.dim() != 2 or not 0 < value.shape[1] <= UNITS_MAX:
                continue
            v = value.detach().float()  # (S*S, units)
            finite = v[torch.isfinite(v)]
            lo, hi = (float(finite.min()), float(finite.max())) if finite.numel() else (0.0, 0.0)
            out[node] = {"size": self.size, "range": [lo, hi], "values": rounded(v.T, digits_for(lo, hi))}
        return out


class FeatureMaps:
    """A fixed sample's feature maps at every Conv/Pool node of a model on images."""

    def __init__(self, model: torch.fx.GraphModule, net: nn.Module, sample: torch.Tensor, *, index: int,
                 label: Any, classify: bool) -> None:
        self.model, self.net = model, net
        self.sample = sample  # (1, C, H, W): as the dataset holds it
        self.index, self.label, self.classify = index, label, classify
        self.nodes = [node for node, layer in node_layers(model).items()
                      if any(part in layer for part in FEATURE_MAP_LAYERS)]

    @classmethod
    def for_model(cls, model: nn.Module, net: nn.Module, x_val: torch.Tensor, labels: torch.Tensor, *,
                  classify: bool) -> FeatureMaps | None:
        """None unless `model` is a compiled graph on images, with Conv/Pool nodes and a validation sample."""
        if not isinstance(model, torch.fx.GraphModule) or x_val.dim() != 4 or not x_val.shape[0]:
            return None
        label = labels[0]
        maps = cls(model, net, x_val[:1], index=0, label=int(label) if classify else rounded(label.flatten()),
                   classify=classify)
        return maps if maps.nodes else None

    def measure(self) -> dict[str, Any]:
        was_training = self.net.training
        self.net.eval()
        recorder = NodeRecorder(self.model)
        try:
            with torch.no_grad():
                out = recorder.run(received_by(self.model, self.net, self.sample))  # resized, normalised as trained
        finally:
            self.net.train(was_training)
        outputs: dict[str, torch.Tensor] = {node: v for node in self.nodes
                                            if isinstance(v := recorder.values.get(node), torch.Tensor) and v.dim() == 4}
        side = FEATURE_MAP_SIDE
        if outputs:  # many Conv/Pool nodes: smaller pictures
            side = max(8, min(side, int(math.sqrt(FEATURE_MAP_VALUES / (len(outputs) * CHANNELS_MAX)))))
        prediction = self._prediction(out)
        image = self.sample[0].float()
        return {
            "sample": {"index": self.index, "label": self.label, "prediction": prediction,
                       "image": {"channels": [picture(c, side=FEATURE_MAP_SIDE * 2) for c in image[:3]],
                                 "of": int(image.shape[0])}},
            "nodes": {node: {"channels": [picture(c, side=side) for c in v[0, :CHANNELS_MAX].float()],
                             "of": int(v.shape[1])} for node, v in outputs.items()},
        }

    def _prediction(self, out: Any) -> Any:
        if not isinstance(out, torch.Tensor):
            return None
        return int(out[0].float().argmax()) if self.classify else rounded(out[0].float().flatten())
