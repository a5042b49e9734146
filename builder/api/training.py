"""The training engine's options, for the browser's Train dialog (one definition: TrainConfig)."""

from __future__ import annotations

from ninja import Router

from builder.api.schemas import TrainingOptions

router = Router(tags=["training"])


@router.get("/options", auth=None, response=TrainingOptions)
def training_options(request):
    from builder.engine.training import TrainConfig

    return {"fields": TrainConfig.schema()}
