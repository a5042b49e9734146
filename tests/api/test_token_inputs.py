"""`POST /api/runs/check` with token data: an Input's dtype is checked against the dataset's, naming the node."""

from __future__ import annotations

import pytest

from builder.engine.graph import list_templates

pytestmark = [pytest.mark.django_db]

FLOAT_MLP = {"format": "netbuilder.graph/1", "nodes": [
    {"id": "x", "type": "Input", "params": {"shape": [16]}},
    {"id": "fc", "type": "Linear", "params": {"out_features": 4}}, {"id": "y", "type": "Output"}],
    "edges": [{"source": "x", "target": "fc"}, {"source": "fc", "target": "y"}]}


def test_a_float_input_for_the_sequences_set_is_a_400_naming_the_input_and_dtype(api, alice):
    response = api.as_user(alice).post("/api/runs/check", {"graph": FLOAT_MLP, "dataset": "sequences"})
    assert response.status_code == 400, response.json()
    assert response.json()["detail"] == ("The dataset 'sequences' gives int64 inputs (token ids for an Embedding), "
                                         "but Input 'x' has dtype float32; set its dtype to int64")
    assert response.json()["errors"][0] == {"node": "x", "field": "dtype",
                                            "message": "dataset gives int64; set dtype to int64"}


def test_the_lstm_template_checks_out_on_the_sequences_set(api, alice):
    graph = next(t["graph"] for t in list_templates() if t["id"] == "lstm_text")
    response = api.as_user(alice).post("/api/runs/check", {"graph": graph, "dataset": "sequences"})
    assert response.status_code == 200, response.json()
    assert response.json()["input"] == {"node": "tokens", "shape": [16], "dtype": "int64"}
    assert response.json()["dataset"]["dtype"] == "int64"


def test_a_probe_of_a_character_model_answers_the_targets_of_every_position(api, alice):
    graph = next(t["graph"] for t in list_templates() if t["id"] == "char_lstm")
    response = api.as_user(alice).post("/api/graphs/probe", {"graph": graph, "dataset": "chars", "sample": 2})
    assert response.status_code == 200, response.json()
    from builder.engine.training import load_dataset

    label = response.json()["sample"]["label"]
    assert label == load_dataset("chars").y[2].tolist() and all(isinstance(c, int) for c in label)
    assert response.json()["nodes"]["next"]["shape"] == [32, 96]


def test_a_probe_with_a_float_input_for_token_data_names_the_input_and_dtype(api, alice):
    response = api.as_user(alice).post("/api/graphs/probe", {"graph": FLOAT_MLP, "dataset": "sequences"})
    assert response.status_code == 400, response.json()
    assert response.json()["errors"][0] == {"node": "x", "field": "dtype",
                                            "message": "dataset gives int64; set dtype to int64"}


def test_a_csv_with_a_text_column_uploads_as_token_ids_that_the_lstm_template_checks_out_on(api, client, alice):
    import json

    from django.core.files.uploadedfile import SimpleUploadedFile

    as_alice = api.as_user(alice)
    rows = "".join(f"{i},{'a fine film' if i % 2 else 'a dull plot'} number {i},{'pos' if i % 2 else 'neg'}\n"
                   for i in range(20))
    response = client.post("/api/datasets/uploads", {
        "file": SimpleUploadedFile("reviews.csv", ("id,review,label\n" + rows).encode()),
        "options": json.dumps({"target": "label", "text": "review", "tokens": "word", "length": 16})},
        headers=as_alice.headers)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["dtype"], body["input_shape"], body["classes"]) == ("int64", [16], ["neg", "pos"])
    assert body["preview"]["validation"] == {"fixed": True, "samples": 4}
    tokenizer = body["preview"]["info"]["tokenizer"]
    assert tokenizer["unit"] == "word" and tokenizer["vocab"][:4] == ["<pad>", "<unk>", "a", "number"]

    lstm = next(t["graph"] for t in list_templates() if t["id"] == "lstm_text")
    lstm = {**lstm, "nodes": [{**n, "params": {"out_features": 2}} if n["id"] == "fc" else n for n in lstm["nodes"]]}
    ok = as_alice.post("/api/runs/check", {"graph": lstm, "dataset": body["key"]})
    assert ok.status_code == 200, ok.json()
    assert ok.json()["input"] == {"node": "tokens", "shape": [16], "dtype": "int64"}
    refused = as_alice.post("/api/runs/check", {"graph": FLOAT_MLP, "dataset": body["key"]})
    assert refused.status_code == 400
    assert refused.json()["errors"][0] == {"node": "x", "field": "dtype",
                                           "message": "dataset gives int64; set dtype to int64"}
