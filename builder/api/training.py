"""The training engine's options, for the browser's Train dialog (one definition: TrainConfig)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["training"])


@router.get("/options", auth=None)
def training_options(request):
    from builder.training import TrainConfig

    return {"fields": TrainConfig.schema()}
