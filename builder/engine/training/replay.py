"""Name the graph node a run-time failure came from, as torch.fx's ``Interpreter`` does.

The compiled GraphModule runs its generated forward at full speed, so training pays nothing for this:
only once a call into the model has failed does the loop replay that call with the GraphModule's forward
run node by node, and the fx node that raises names its graph node and layer type
(``meta["netbuilder_origin"]``, set by builder.engine.graph.compile).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.fx
from torch import nn

from .errors import ModelRuntimeError


class _NodeLocator(torch.fx.Interpreter):
    """Runs a GraphModule node by node; an error raised by a node comes out as ModelRuntimeError."""

    def __init__(self, module: torch.fx.GraphModule) -> None:
        super().__init__(module)
        self.extra_traceback = False  # the message stays torch's own; the node goes in its own field

    def run_node(self, n: torch.fx.Node) -> Any:
        try:
            return super().run_node(n)
        except torch.AcceleratorError:  # asynchronous (a device-side assert): it surfaces at a later node
            raise
        except Exception as e:
            origin = n.meta.get("netbuilder_origin")
            if origin is None:  # an fx node of the compiler's own plumbing (an output's getitem)
                raise
            node, layer = origin
            raise ModelRuntimeError(str(e).strip() or type(e).__name__, node=node, layer=layer) from e


def locate_failure(model: nn.Module, replay: Callable[[], Any]) -> ModelRuntimeError | None:
    """Call ``replay()`` (which runs `model`, perhaps inside a wrapper) with `model` interpreted node by node.

    Returns the error naming the failing node, or None when `model` is not a compiled graph or the replay
    doesn't fail inside it (the failure was in the loss, or in the backward pass), or fails with a device
    error, which CUDA reports at whichever later call synchronises, so no node can be named for it.
    """
    if not isinstance(model, torch.fx.GraphModule):
        return None
    model.forward = _NodeLocator(model).run  # type: ignore[method-assign]  # this instance only, for this call
    try:
        with torch.no_grad():
            replay()
    except ModelRuntimeError as e:
        return e
    except Exception:  # not inside the model: the caller keeps the plain message it has
        return None
    finally:
        del model.forward
    return None
