"""The JSON API: one NinjaAPI with a router per kind of object. Routers stay thin: validate the
input, call a service or selector, shape the output."""

from __future__ import annotations

from ninja import NinjaAPI, Router

from builder.api.architectures import router as architectures_router
from builder.api.auth import API_AUTH
from builder.api.blocks import router as blocks_router
from builder.api.datasets import router as datasets_router
from builder.api.errors import error_responses, install_error_handlers
from builder.api.graphs import router as graphs_router
from builder.api.pretrained import router as pretrained_router
from builder.api.runs import router as runs_router
from builder.api.schemas import Me
from builder.api.sweeps import router as sweeps_router
from builder.api.training import router as training_router

api = NinjaAPI(
    title="NetBuilder API",
    version="1",
    description="Design, train and ship PyTorch networks. See docs/api.md.",
    auth=API_AUTH,
    urls_namespace="api",
    docs_url="/docs",
)
install_error_handlers(api)

account_router = Router(tags=["account"])


@account_router.get("/me", response={200: Me, **error_responses(401)})
def me(request):
    return {"id": request.user.pk, "username": request.user.get_username()}


api.add_router("", account_router)
api.add_router("", graphs_router)
api.add_router("", pretrained_router)
api.add_router("/architectures", architectures_router)
api.add_router("/blocks", blocks_router)
api.add_router("/runs", runs_router)
api.add_router("/sweeps", sweeps_router)
api.add_router("/datasets", datasets_router)
api.add_router("/training", training_router)
