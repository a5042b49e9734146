"""Small helpers shared by the test modules."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

MLP_GRAPH: dict[str, Any] = {
    "format": "netbuilder.graph/1",
    "name": "MyNetwork",
    "nodes": [
        {"id": "x", "type": "Input", "params": {"shape": [784]}},
        {"id": "fc1", "type": "Linear", "params": {"out_features": 128}},
        {"id": "act", "type": "ReLU", "params": {}},
        {"id": "fc2", "type": "Linear", "params": {"out_features": 10}},
        {"id": "y", "type": "Output", "params": {}},
    ],
    "edges": [
        {"source": "x", "target": "fc1"},
        {"source": "fc1", "target": "act"},
        {"source": "act", "target": "fc2"},
        {"source": "fc2", "target": "y"},
    ],
}


# Digits (1×8×8 images, 10 classes) → Flatten → 32 → ReLU → 10.
DIGITS_MLP = {
    "format": "netbuilder.graph/1",
    "name": "DigitsMLP",
    "nodes": [
        {"id": "x", "type": "Input", "params": {"shape": [1, 8, 8]}},
        {"id": "flat", "type": "Flatten"},
        {"id": "fc1", "type": "Linear", "params": {"out_features": 32}},
        {"id": "act", "type": "ReLU"},
        {"id": "fc2", "type": "Linear", "params": {"out_features": 10}},
        {"id": "y", "type": "Output"},
    ],
    "edges": [
        {"source": a, "target": b}
        for a, b in [("x", "flat"), ("flat", "fc1"), ("fc1", "act"), ("act", "fc2"), ("fc2", "y")]
    ],
}


class ApiClient:
    """JSON requests to the API with a bearer token (`as_user`) or the client's session."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.headers: dict[str, str] = {}

    def as_user(self, user) -> ApiClient:
        from builder.services.tokens import token_create

        other = ApiClient(self.client)
        other.headers = {"Authorization": f"Bearer {token_create(user=user)}"}
        return other

    def _call(self, method: str, path: str, body: Any = None, **extra):
        kwargs: dict[str, Any] = {"headers": {**self.headers, **extra.pop("headers", {})}}
        if body is not None:
            kwargs["data"] = json.dumps(body)
            kwargs["content_type"] = "application/json"
        return getattr(self.client, method)(path, **kwargs, **extra)

    def get(self, path: str, **extra):
        return self._call("get", path, **extra)

    def post(self, path: str, body: Any = None, **extra):
        return self._call("post", path, body, **extra)

    def patch(self, path: str, body: Any = None, **extra):
        return self._call("patch", path, body, **extra)

    def put(self, path: str, body: Any = None, **extra):
        return self._call("put", path, body, **extra)

    def delete(self, path: str, **extra):
        return self._call("delete", path, **extra)
