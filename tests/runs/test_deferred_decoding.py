"""A run check or submission whose dataset is big (over NETBUILDER_CHECK_DECODE_BYTES) decodes nothing in
the request: it is checked by the dataset's facts, queued at once, and the run's own process loads and
checks the data, a problem there being the run's failure."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from builder.engine.executor import RunSpec, run
from builder.models import TrainingRun, UploadedDataset
from tests.helpers import MLP_GRAPH

pytestmark = [pytest.mark.django_db]

TABLE = b"a,b,label\n" + b"".join(f"{i},{i % 7},{'xy'[i % 2]}\n".encode() for i in range(40))
TABLE_GRAPH = {
    "format": "netbuilder.graph/1", "name": "Table",
    "nodes": [{"id": "x", "type": "Input", "params": {"shape": [2]}},
              {"id": "fc", "type": "Linear", "params": {"out_features": 2}}, {"id": "y", "type": "Output"}],
    "edges": [{"source": "x", "target": "fc"}, {"source": "fc", "target": "y"}],
}


def test_a_big_builtin_set_is_checked_by_its_facts_with_the_same_answers(api, alice, settings):
    settings.NETBUILDER_CHECK_DECODE_BYTES = 1 << 20  # random: 1,000 × 784 float32 = 3.1 MB
    client = api.as_user(alice)

    plan = client.post("/api/runs/check", {"graph": MLP_GRAPH, "dataset": "random"})
    wrong = copy.deepcopy(MLP_GRAPH)
    wrong["nodes"][0]["params"]["shape"] = [100]
    refused = client.post("/api/runs", {"graph": wrong, "dataset": "random"})
    too_few = client.post("/api/runs", {"graph": MLP_GRAPH, "dataset": "random", "dataset_options": {"classes": 12}})

    assert plan.status_code == 200, plan.json()
    assert plan.json()["dataset"] == {
        "name": "random", "title": "Random (seed article)", "description": plan.json()["dataset"]["description"],
        "task": "classification", "input_shape": [784], "dtype": "float32", "decoded": False, "samples": 1000,
        "options": {"size": 1000, "features": 784, "classes": 10, "seed": 0},
        "classes": [str(i) for i in range(10)]}
    assert plan.json()["output"] == {"node": "y", "shape": [10]}
    assert refused.status_code == 400
    assert refused.json()["detail"] == "The dataset 'random' gives inputs of shape [784], but Input 'x' expects [100]"
    assert refused.json()["errors"] == [{"node": "x", "field": "shape", "message": "dataset gives [784]"}]
    assert too_few.status_code == 400
    assert "12 classes" in too_few.json()["detail"]
    assert TrainingRun.objects.count() == 0


def test_a_small_set_is_still_decoded_and_described_in_full(api, alice):
    plan = api.as_user(alice).post("/api/runs/check", {"graph": MLP_GRAPH, "dataset": "random"}).json()

    assert "decoded" not in plan["dataset"]
    assert plan["dataset"]["validation"] == {"fixed": False, "fraction": 0.2}


def test_a_big_upload_is_queued_without_decoding_and_its_run_fails_in_its_own_process(api, alice, settings,
                                                                                      tmp_path):
    client = api.as_user(alice)
    response = client.client.post("/api/datasets/uploads", {"file": SimpleUploadedFile("t.csv", TABLE)},
                                  headers=client.headers)
    assert response.status_code == 201, response.json()
    upload = UploadedDataset.objects.get(pk=response.json()["id"])
    Path(upload.path).unlink()  # decoding it now fails: proof of whether a request decodes it
    body = {"graph": TABLE_GRAPH, "dataset": f"upload:{upload.pk}", "config": {"epochs": 1}}

    decoded = client.post("/api/runs", body)
    settings.NETBUILDER_CHECK_DECODE_BYTES = 0
    queued = client.post("/api/runs", body)
    run_row = TrainingRun.objects.get(pk=queued.json()["id"])
    spec = RunSpec(run_id=run_row.pk, graph=run_row.graph, dataset=run_row.dataset,
                   dataset_options=run_row.dataset_options, config=run_row.config, out_dir=str(tmp_path / "out"),
                   checkpoint_dir=str(tmp_path / "ck"), data_dir=str(tmp_path),
                   upload={"path": upload.path, "kind": upload.kind, "options": upload.options,
                           "max_bytes": settings.NETBUILDER_MAX_UPLOAD_BYTES})
    final = run(spec, lambda message: None, stop=lambda: False, suspend=lambda: False)

    assert decoded.status_code == 400
    assert decoded.json()["detail"] == f"dataset_options: Uploaded file {Path(upload.path).name} is missing"
    assert queued.status_code == 201, queued.json()
    assert run_row.status == "queued"
    assert (final["type"], final["data"]["message"]) == ("failed", f"Uploaded file {Path(upload.path).name} is missing")


def test_a_run_whose_data_does_not_fit_its_input_fails_naming_the_input_node(tmp_path):
    wrong = copy.deepcopy(MLP_GRAPH)
    wrong["nodes"][0]["params"]["shape"] = [100]
    spec = RunSpec(run_id=1, graph=wrong, dataset="random", dataset_options={}, config={"epochs": 1},
                   out_dir=str(tmp_path / "out"), checkpoint_dir=str(tmp_path / "ck"), data_dir=str(tmp_path))

    final = run(spec, lambda message: None, stop=lambda: False, suspend=lambda: False)

    assert final["type"] == "failed"
    assert (final["data"]["node"], final["data"]["layer"]) == ("x", "Input")
    assert final["data"]["message"] == "The dataset 'random' gives inputs of shape [784], but Input 'x' expects [100]"


def test_a_big_sets_preview_is_its_facts_and_samples_of_a_smaller_draw(api, alice, settings):
    settings.NETBUILDER_CHECK_DECODE_BYTES = 1 << 20  # 1 MiB: 334 samples of 784 float32 values
    client = api.as_user(alice)

    big = client.get('/api/datasets/builtin/random/preview?options={"size": 100000}').json()
    small = client.get('/api/datasets/builtin/random/preview?options={"size": 100}').json()

    assert (big["samples"], big["decoded"], big["preview_of"]) == (100_000, False, {"size": (1 << 20) // (784 * 4)})
    assert big["options"]["size"] == 100_000
    assert len(big["preview"]) == 8 and len(big["preview"][0]["x"]) == 32  # a long row shows its first 32 values
    assert "class_counts" not in big
    assert "preview_of" not in small and sum(small["class_counts"].values()) == 100
