"""ASGI entry point: HTTP to Django behind the per-route body limits, websockets through Origin
checks and auth, and the `training` channel to the run workers (`manage.py runworker training`)."""

import os
import sys

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "netbuilder.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ChannelNameRouter, ProtocolTypeRouter, URLRouter  # noqa: E402

from builder.routing import channel_routes, websocket_urlpatterns  # noqa: E402
from builder.ws_auth import websocket_stack  # noqa: E402
from netbuilder.body_limits import BodyLimitMiddleware  # noqa: E402

if "daphne.server" in sys.modules:
    # Served by Daphne (`daphne ...` or `manage.py serve`): bound bodies while Twisted receives them.
    from netbuilder import daphne_limits

    daphne_limits.install()

application = ProtocolTypeRouter(
    {
        "http": BodyLimitMiddleware(django_asgi_app),
        "websocket": websocket_stack(URLRouter(websocket_urlpatterns)),
        "channel": ChannelNameRouter(channel_routes),
    }
)

# Load the URLconf (and with it torch and the API) now, then take everything loaded so far out of the
# garbage collector's sight: otherwise every few large requests a full collection walks those ~200,000
# long-lived objects, a pause of 100-200 ms (the p95 of validating a 1,000-node graph, bench/bench_graph.py).
import gc  # noqa: E402

from django.urls import get_resolver  # noqa: E402

get_resolver().url_patterns  # noqa: B018
gc.collect()
gc.freeze()
