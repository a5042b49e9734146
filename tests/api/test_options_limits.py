"""The API publishes the limits in force, and the limits it publishes are the ones it enforces."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from builder.engine.settings import engine_settings
from tests.helpers import DIGITS_MLP

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def _epochs_option(api) -> dict:
    response = api.get("/api/training/options")
    assert response.status_code == 200
    return next(f for f in response.json()["fields"] if f["name"] == "epochs")


def test_the_advertised_epoch_limit_is_the_one_a_submission_meets(api, alice, settings):
    settings.NETBUILDER_MAX_EPOCHS = 12
    epochs = _epochs_option(api)
    assert (epochs["max"], epochs["setting"]) == (12, "NETBUILDER_MAX_EPOCHS")

    as_alice = api.as_user(alice)
    refused = as_alice.post("/api/runs", {"graph": DIGITS_MLP, "dataset": "digits", "config": {"epochs": 13}})
    accepted = as_alice.post("/api/runs", {"graph": DIGITS_MLP, "dataset": "digits", "config": {"epochs": 12}})

    assert refused.status_code == 400
    assert refused.json()["detail"] == "config.epochs: epochs must be at most 12 (NETBUILDER_MAX_EPOCHS), got 13"
    assert accepted.status_code == 201, accepted.json()
    assert accepted.json()["config"]["epochs"] == 12


def test_the_default_epoch_limit_advertised_is_the_settings_value(api, settings):
    assert _epochs_option(api)["max"] == settings.NETBUILDER_MAX_EPOCHS == engine_settings().max_epochs


@pytest.mark.parametrize("value", [10.0, 100000.0, True])
def test_epochs_that_are_not_an_integer_are_refused_naming_the_field(api, alice, value):
    response = api.as_user(alice).post(
        "/api/runs", {"graph": DIGITS_MLP, "dataset": "digits", "config": {"epochs": value}}
    )

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "config.epochs", "message": f"epochs must be an integer, got {value!r}"}
    ]
    assert not response.json().get("id")


def test_the_layer_catalog_advertises_the_parameter_limit_in_force(api, alice, settings):
    settings.NETBUILDER_MAX_PARAMS = 100_000
    doc = api.get("/api/layers").json()
    check = api.as_user(alice).post("/api/graphs/validate", DIGITS_MLP | {"nodes": [
        *DIGITS_MLP["nodes"][:2], {"id": "fc1", "type": "Linear", "params": {"out_features": 2000}},
        *DIGITS_MLP["nodes"][3:]]})

    assert doc["limits"] == {"max_params": 100_000, "settings": {"max_params": "NETBUILDER_MAX_PARAMS"}}
    assert "over the limit of 100,000 (NETBUILDER_MAX_PARAMS)" in json.dumps(check.json())


def test_the_momentum_advertised_and_used_by_default_is_pytorchs_zero(api):
    momentum = next(f for f in api.get("/api/training/options").json()["fields"] if f["name"] == "momentum")

    assert momentum["default"] == 0.0


def test_a_weights_dir_setting_reaches_the_missing_weights_message(settings, tmp_path):
    from builder.engine.graph import validate
    from tests.pretrained.conftest import backbone_graph

    settings.NETBUILDER_WEIGHTS_DIR = tmp_path / "elsewhere"
    [error] = validate(backbone_graph(weights="default"))["errors"]

    assert engine_settings().weights_dir == tmp_path / "elsewhere"
    assert f"place resnet18-f37072fd.pth in {tmp_path / 'elsewhere' / 'hub' / 'checkpoints'}/" in error["message"]


def test_with_only_the_var_dir_set_missing_weights_are_looked_for_under_it(tmp_path):
    var = (tmp_path / "var").resolve()
    env = {k: v for k, v in os.environ.items() if k not in ("NETBUILDER_WEIGHTS_DIR", "TORCH_HOME")}
    env |= {"NETBUILDER_VAR_DIR": str(var), "DJANGO_SETTINGS_MODULE": "netbuilder.settings"}
    script = (
        "import django, json; django.setup()\n"
        "from builder.engine.graph import validate\n"
        "from tests.pretrained.conftest import backbone_graph\n"
        "print(json.dumps(validate(backbone_graph(weights='default'))['errors']))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=300, check=True)
    [error] = json.loads(out.stdout.strip().splitlines()[-1])

    assert error["field"] == "weights"
    assert f"place resnet18-f37072fd.pth in {var / 'weights' / 'hub' / 'checkpoints'}/" in error["message"]


def _graph_body(size: int) -> bytes:
    """A graph document padded to exactly `size` bytes of JSON."""
    bare = len(json.dumps({**DIGITS_MLP, "padding": ""}).encode())
    body = json.dumps({**DIGITS_MLP, "padding": "x" * (size - bare)}).encode()
    assert len(body) == size
    return body


def test_a_graph_body_just_over_netbuilder_max_graph_bytes_is_a_413_naming_the_setting(api, alice, settings):
    limit = settings.NETBUILDER_MAX_GRAPH_BYTES
    me = api.as_user(alice)

    def post(body: bytes):
        return me.client.post("/api/graphs/validate", data=body, content_type="application/json", headers=me.headers)

    over = post(_graph_body(limit + 1))
    assert over.status_code == 413
    detail = over.json()["detail"]
    assert f"over the {limit:,}-byte limit" in detail and "(NETBUILDER_MAX_GRAPH_BYTES)" in detail
    assert post(_graph_body(limit)).status_code != 413


def test_the_netbuilder_max_graph_bytes_setting_is_the_request_body_limit(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATA_UPLOAD_MAX_MEMORY_SIZE"}
    env |= {"NETBUILDER_VAR_DIR": str(tmp_path / "var"), "DJANGO_SETTINGS_MODULE": "netbuilder.settings",
            "NETBUILDER_MAX_GRAPH_BYTES": "12345"}
    script = "import django; django.setup()\nfrom django.conf import settings\nprint(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)\n"
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=300, check=True)
    assert out.stdout.strip().splitlines()[-1] == "12345"
