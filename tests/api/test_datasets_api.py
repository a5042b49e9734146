"""Datasets over HTTP: the built-in list, previews, and uploads that are checked before they are kept."""

from __future__ import annotations

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from builder.engine.graph import validate
from builder.engine.training import ConfigError, DatasetError, TrainConfig, load_dataset
from builder.models import UploadedDataset

pytestmark = [pytest.mark.django_db, pytest.mark.services]


def upload(client, headers, name: str, content: bytes, **fields):
    return client.post("/api/datasets/uploads", {"file": SimpleUploadedFile(name, content), **fields}, headers=headers)


def test_builtin_datasets_are_listed_with_their_shapes(api, alice):
    body = api.as_user(alice).get("/api/datasets").json()
    by_name = {d["name"]: d for d in body["builtin"]}
    assert by_name["digits"]["input_shape"] == [1, 8, 8]
    assert by_name["digits"]["classes"] == [str(i) for i in range(10)]
    assert by_name["diabetes"]["task"] == "regression"
    assert {"spirals", "moons", "circles", "xor", "gaussians", "random", "linear"} <= set(by_name)
    assert body["uploads"] == []


def test_builtin_preview_shows_samples_and_counts(api, alice):
    body = api.as_user(alice).get("/api/datasets/builtin/moons/preview?options=" + json.dumps({"size": 200})).json()
    assert body["samples"] == 200
    assert len(body["preview"]) == 8
    assert sum(body["class_counts"].values()) == 200


def test_a_csv_upload_is_described_and_previewed(api, client, alice):
    as_alice = api.as_user(alice)
    csv = b"a,b,label\n" + b"".join(f"{i},{i * 2},{'yes' if i % 2 else 'no'}\n".encode() for i in range(40))
    response = upload(client, as_alice.headers, "table.csv", csv, options=json.dumps({"target": "label"}))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["kind"], body["task"], body["input_shape"], body["samples"]) == ("csv", "classification", [2], 40)
    assert body["classes"] == ["no", "yes"]
    assert body["key"] == f"upload:{body['id']}"
    listed = as_alice.get("/api/datasets").json()["uploads"]
    assert [d["id"] for d in listed] == [body["id"]]


def test_a_csv_with_a_ragged_row_is_refused_naming_the_line_and_nothing_is_kept(api, client, alice, settings):
    as_alice = api.as_user(alice)
    csv = b"a,b,label\n1,2,x\n3,4\n"
    response = upload(client, as_alice.headers, "bad.csv", csv, options=json.dumps({"target": "label"}))
    assert response.status_code == 400
    assert response.json()["detail"] == "Line 3 has 2 cells; the header has 3"
    assert UploadedDataset.objects.count() == 0
    assert not any((settings.NETBUILDER_UPLOADS_DIR / str(alice.pk) / "datasets").iterdir())


def test_an_upload_over_the_limit_names_the_limit(api, client, alice, settings):
    settings.NETBUILDER_MAX_UPLOAD_BYTES = 100
    response = upload(client, api.as_user(alice).headers, "big.csv", b"x" * 101)
    assert response.status_code == 413
    assert "NETBUILDER_MAX_UPLOAD_BYTES" in response.json()["detail"]


def test_an_unknown_file_kind_is_refused(api, client, alice):
    response = upload(client, api.as_user(alice).headers, "model.exe", b"MZ")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "kind"


def test_an_npz_upload_works_and_another_user_cannot_see_it(api, client, alice, bob):
    import numpy as np

    buffer = io.BytesIO()
    np.savez(buffer, x=np.random.rand(30, 4).astype("float32"), y=np.arange(30) % 3)
    response = upload(client, api.as_user(alice).headers, "data.npz", buffer.getvalue())
    assert response.status_code == 201, response.json()
    dataset_id = response.json()["id"]
    as_bob = api.as_user(bob)
    assert as_bob.get(f"/api/datasets/uploads/{dataset_id}").status_code == 404
    assert as_bob.delete(f"/api/datasets/uploads/{dataset_id}").status_code == 404
    assert as_bob.get("/api/datasets").json()["uploads"] == []
    assert api.as_user(alice).delete(f"/api/datasets/uploads/{dataset_id}").status_code == 204


def test_training_options_come_from_the_engine_with_bounds_and_docs(api, alice):
    fields = {f["name"]: f for f in api.as_user(alice).get("/api/training/options").json()["fields"]}
    assert fields["batch_size"] == {"name": "batch_size", "kind": "int", "default": 64, "doc": "Samples per step",
                                    "required": False, "nullable": False, "inferred": False, "min": 1,
                                    "max": 1_000_000}
    assert fields["optimizer"]["choices"] == ["sgd", "adam", "adamw", "rmsprop"]
    assert fields["loss"]["nullable"] is True
    assert "CrossEntropyLoss" in fields["loss"]["choices"]
    assert (fields["lr"]["min"], fields["lr"]["min_exclusive"]) == (0.0, True)
    assert (fields["device"]["choices"], fields["device"]["pattern"]) == (["auto", "cpu", "cuda", "mps"], r"cuda:\d+")


def test_layer_parameters_training_dataset_and_upload_options_are_one_shape(api, alice):
    as_alice = api.as_user(alice)
    layers = as_alice.get("/api/layers").json()["layers"]
    datasets = as_alice.get("/api/datasets").json()
    published = {
        "layer": [p for layer in layers for p in layer["params"]],
        "training": as_alice.get("/api/training/options").json()["fields"],
        "dataset": [o for d in datasets["builtin"] for o in d["options"]],
        "upload": [o for options in datasets["upload_options"].values() for o in options],
    }
    core = {"name", "kind", "default", "doc", "required", "nullable", "inferred"}
    optional = {"min", "max", "min_exclusive", "max_exclusive", "choices", "pattern", "length", "setting"}

    for where, options in published.items():
        assert options, where
        for option in options:
            assert core <= option.keys() <= core | optional, (where, option)
            # a choice lists its values; another kind may name values besides its own (padding: "same")
            assert option["kind"] != "choice" or option["choices"], (where, option)
            assert "choices" not in option or all(isinstance(c, str) for c in option["choices"]), (where, option)
    linear = next(layer for layer in layers if layer["type"] == "Linear")
    assert next(p for p in linear["params"] if p["name"] == "out_features")["required"] is True
    standardize = next(o for o in datasets["upload_options"]["csv"] if o["name"] == "standardize")
    assert (standardize["kind"], standardize["default"]) == ("bool", True)
    size = next(o for o in datasets["upload_options"]["imagezip"] if o["name"] == "size")
    assert (size["default"], size["min"], size["max"]) == (32, 4, 256)


def test_a_layer_parameter_a_training_option_and_a_dataset_option_refuse_a_float_integer_in_one_wording():
    graph = {"format": "netbuilder.graph/1", "nodes": [
        {"id": "x", "type": "Input", "params": {"shape": [2]}},
        {"id": "fc", "type": "Linear", "params": {"out_features": 2.0}}], "edges": [{"source": "x", "target": "fc"}]}
    with pytest.raises(ConfigError) as config:
        TrainConfig(epochs=2.0)
    with pytest.raises(DatasetError) as dataset:
        load_dataset("moons", size=2.0)

    assert {"node": "fc", "field": "out_features", "message": "out_features must be an integer, got 2.0"} \
        in validate(graph)["errors"]
    assert config.value.message == "epochs must be an integer, got 2.0"
    assert dataset.value.message == "size must be an integer, got 2.0"


def test_every_option_of_the_schema_is_accepted_at_its_default():
    from builder.engine.training import TrainConfig

    defaults = {f["name"]: f["default"] for f in TrainConfig.schema()}
    assert TrainConfig(**defaults).to_dict() == TrainConfig().to_dict()
