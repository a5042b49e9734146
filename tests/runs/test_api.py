"""The runs API: submit (with every check before queueing), list, read, stop, delete, download."""

from __future__ import annotations

import copy
import json

import pytest

from builder.models import RunEvent, RunStatus, TrainingRun
from builder.services import runs as services
from tests.helpers import DIGITS_MLP, MLP_GRAPH

pytestmark = [pytest.mark.django_db, pytest.mark.services]



def submit(client, **body):
    return client.post("/api/runs", {"graph": DIGITS_MLP, "dataset": "digits", **body})


def test_a_good_submission_is_queued_with_a_frozen_graph_and_normalised_config(api, alice):
    response = submit(api.as_user(alice), config={"epochs": 3, "loss": "CrossEntropyLoss"})
    assert response.status_code == 201, response.json()
    run = response.json()
    assert run["status"] == "queued"
    assert run["graph"] == DIGITS_MLP
    assert run["config"]["epochs"] == 3
    assert run["config"]["loss"] == "CrossEntropyLoss"
    assert TrainingRun.objects.get(pk=run["id"]).owner == alice


def test_loss_that_does_not_fit_the_classes_is_refused_before_queueing(api, alice):
    graph = copy.deepcopy(DIGITS_MLP)
    graph["nodes"][4]["params"]["out_features"] = 1
    response = submit(api.as_user(alice), graph=graph)
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "CrossEntropyLoss needs 10 outputs for 10 classes; the model gives 1"
    assert body["errors"][0]["node"] == "y"
    assert TrainingRun.objects.count() == 0


def test_input_shape_that_does_not_fit_the_dataset_names_the_input_node(api, alice):
    response = submit(api.as_user(alice), graph=MLP_GRAPH)
    assert response.status_code == 400
    assert response.json()["detail"] == "The dataset 'digits' gives inputs of shape [1, 8, 8], but Input 'x' expects [784]"
    assert response.json()["errors"][0] == {"node": "x", "field": "shape", "message": "dataset gives [1, 8, 8]"}


def test_a_broken_graph_lists_its_node_errors(api, alice):
    graph = copy.deepcopy(DIGITS_MLP)
    graph["nodes"][2]["params"]["in_features"] = 7
    response = submit(api.as_user(alice), graph=graph)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors[0]["node"] == "fc1"
    assert "in_features" in errors[0]["message"] and "64" in errors[0]["message"]


@pytest.mark.parametrize(("config", "field", "words"), [
    ({"optimizer": "adamax"}, "config.optimizer", "adamax"),
    ({"batch_size": 0}, "config.batch_size", "batch_size must be at least 1"),
    ({"bogus": 1}, "config.bogus", "Unknown training option 'bogus'"),
])
def test_bad_configuration_names_the_field(api, alice, config, field, words):
    response = submit(api.as_user(alice), config=config)
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["field"] == field
    assert words in error["message"]


def test_unknown_dataset_is_named(api, alice):
    response = api.as_user(alice).post("/api/runs", {"graph": DIGITS_MLP, "dataset": "imagenet"})
    assert response.status_code == 400
    assert response.json()["detail"].startswith("Unknown dataset 'imagenet'; choose one of")


def test_a_strangers_upload_is_not_found(api, alice, bob):
    response = api.as_user(alice).post("/api/runs", {"graph": DIGITS_MLP, "dataset": "upload:12345"})
    assert response.status_code == 404


def test_the_active_run_limit_is_named(api, alice, settings):
    settings.NETBUILDER_MAX_ACTIVE_RUNS = 2
    as_alice = api.as_user(alice)
    assert submit(as_alice).status_code == 201
    assert submit(as_alice).status_code == 201
    response = submit(as_alice)
    assert response.status_code == 429
    assert "the limit is 2 (NETBUILDER_MAX_ACTIVE_RUNS)" in response.json()["detail"]


def test_the_epoch_limit_is_named(api, alice, settings):
    settings.NETBUILDER_MAX_EPOCHS = 5
    response = submit(api.as_user(alice), config={"epochs": 6})
    assert response.status_code == 400
    assert response.json()["detail"] == "config.epochs: epochs must be at most 5 (NETBUILDER_MAX_EPOCHS), got 6"
    assert response.json()["errors"] == [{"field": "config.epochs",
                                          "message": "epochs must be at most 5 (NETBUILDER_MAX_EPOCHS), got 6"}]


def test_a_saved_architecture_can_be_trained_by_id_and_its_version_is_recorded(api, alice):
    as_alice = api.as_user(alice)
    arch = as_alice.post("/api/architectures", {"name": "digits", "graph": DIGITS_MLP}).json()
    response = as_alice.post("/api/runs", {"architecture": arch["id"], "dataset": "digits"})
    assert response.status_code == 201
    assert (response.json()["architecture"], response.json()["architecture_version"]) == (arch["id"], 1)
    listed = as_alice.get(f"/api/runs?architecture={arch['id']}").json()
    assert [r["id"] for r in listed] == [response.json()["id"]]


def test_stopping_a_queued_run_ends_it_at_once(api, alice):
    as_alice = api.as_user(alice)
    run_id = submit(as_alice).json()["id"]
    stopped = as_alice.post(f"/api/runs/{run_id}/stop")
    assert stopped.status_code == 200
    assert stopped.json()["status"] == "stopped"
    assert services.run_claim(worker="w") is None
    again = as_alice.post(f"/api/runs/{run_id}/stop")
    assert again.status_code == 409
    assert again.json()["detail"] == f"Run {run_id} has already ended (stopped)"


def test_a_strangers_run_is_404_for_every_verb(api, alice, bob):
    run_id = submit(api.as_user(alice)).json()["id"]
    as_bob = api.as_user(bob)
    for response in (
        as_bob.get(f"/api/runs/{run_id}"),
        as_bob.get(f"/api/runs/{run_id}/metrics"),
        as_bob.get(f"/api/runs/{run_id}/pictures"),
        as_bob.post(f"/api/runs/{run_id}/stop"),
        as_bob.get(f"/api/runs/{run_id}/download?format=pth"),
        as_bob.delete(f"/api/runs/{run_id}"),
    ):
        assert response.status_code == 404
        assert response.json()["detail"] == f"No run {run_id}"
    assert as_bob.get("/api/runs").json() == []
    assert TrainingRun.objects.filter(pk=run_id).exists()


def test_a_runs_pictures_are_the_latest_stored_units_feature_maps_and_health(api, alice):
    as_alice = api.as_user(alice)
    run_id = submit(as_alice).json()["id"]
    assert as_alice.get(f"/api/runs/{run_id}/pictures").json() == {
        "run": run_id, "epoch": None, "units": None, "feature_maps": None, "health": None}
    unit = {"size": 2, "range": [0, 1], "values": [[0, 1, 1, 0]]}
    services.run_events_append(run_id=run_id, events=[
        {"type": "epoch", "step": 10, "data": {"epoch": 1, "units": {"fc": unit}, "health": {"fc": {"act_mean": 1}}}},
        {"type": "epoch", "step": 20, "data": {"epoch": 2, "units": {"fc": {**unit, "range": [0, 2]}},
                                               "feature_maps": {"nodes": {}}}},
        {"type": "epoch", "step": 30, "data": {"epoch": 3, "health": {"fc": {"act_mean": 3}}}},
        {"type": "log", "step": 30, "data": {"message": "units"}},
    ])
    assert as_alice.get(f"/api/runs/{run_id}/pictures").json() == {
        "run": run_id, "epoch": 2, "units": {"fc": {**unit, "range": [0, 2]}}, "feature_maps": {"nodes": {}},
        "health": {"fc": {"act_mean": 3}}}


def test_claiming_takes_the_oldest_queued_run_once(api, alice):
    as_alice = api.as_user(alice)
    first = submit(as_alice).json()["id"]
    second = submit(as_alice).json()["id"]
    assert services.run_claim(worker="w1").pk == first
    assert services.run_claim(worker="w2").pk == second
    assert services.run_claim(worker="w3") is None
    assert TrainingRun.objects.get(pk=first).worker == "w1"


def test_metrics_after_a_step_returns_only_later_points(api, alice):
    as_alice = api.as_user(alice)
    run_id = submit(as_alice).json()["id"]
    services.run_events_append(run_id=run_id, events=[
        {"type": "metrics", "step": 20, "data": {"step": 20, "points": [{"step": 10}, {"step": 20}]}},
        {"type": "epoch", "step": 20, "data": {"epoch": 1}},
        {"type": "metrics", "step": 40, "data": {"step": 40, "points": [{"step": 30}, {"step": 40}]}},
    ])
    body = as_alice.get(f"/api/runs/{run_id}/metrics?after=15").json()
    points = [p["step"] for e in body["events"] if e["type"] == "metrics" for p in e["data"]["points"]]
    assert points == [20, 30, 40]
    assert as_alice.get(f"/api/runs/{run_id}/metrics?after=-1").status_code == 422


def test_stale_running_run_without_checkpoint_fails_with_the_reason(api, alice):
    run_id = submit(api.as_user(alice)).json()["id"]
    run = services.run_claim(worker="ghost")
    assert run.pk == run_id
    assert services.runs_recover_stale(stale_seconds=-1) == [run_id]
    run = TrainingRun.objects.get(pk=run_id)
    assert run.status == RunStatus.FAILED
    assert run.error == "The worker running this run (ghost) stopped answering (no checkpoint to resume from)."
    assert RunEvent.objects.filter(run=run, type="failed").exists()


def test_stale_running_run_with_a_checkpoint_is_requeued(api, alice):
    run_id = submit(api.as_user(alice)).json()["id"]
    services.run_claim(worker="ghost")
    checkpoint = services.run_checkpoint_path(run_id)
    checkpoint.parent.mkdir(parents=True)
    checkpoint.write_bytes(b"stand-in")
    assert services.runs_recover_stale(stale_seconds=-1) == [run_id]
    run = TrainingRun.objects.get(pk=run_id)
    assert (run.status, run.worker, run.checkpoint) == (RunStatus.QUEUED, "", str(checkpoint))
    assert services.run_claim(worker="rescuer").pk == run_id


def test_a_run_that_went_stale_max_attempts_times_fails_with_the_reason_instead_of_another_requeue(api, alice):
    run_id = submit(api.as_user(alice)).json()["id"]
    checkpoint = services.run_checkpoint_path(run_id)
    checkpoint.parent.mkdir(parents=True)
    checkpoint.write_bytes(b"stand-in")
    for attempt in range(1, services.MAX_ATTEMPTS):
        assert services.run_claim(worker=f"ghost{attempt}").pk == run_id
        assert services.runs_recover_stale(stale_seconds=-1) == [run_id]
        assert TrainingRun.objects.get(pk=run_id).status == RunStatus.QUEUED, attempt
    last = f"ghost{services.MAX_ATTEMPTS}"
    assert services.run_claim(worker=last).pk == run_id
    assert services.runs_recover_stale(stale_seconds=-1) == [run_id]
    run = TrainingRun.objects.get(pk=run_id)
    assert (run.status, run.attempts) == (RunStatus.FAILED, 3)
    assert run.error == f"The worker running this run ({last}) stopped answering (3 attempts)."
    assert services.run_claim(worker="rescuer") is None


def test_stopping_a_running_run_tells_its_worker_at_its_next_check(api, alice):
    as_alice = api.as_user(alice)
    run_id = submit(as_alice).json()["id"]
    services.run_claim(worker="w1")
    assert services.run_stop_requested(run_id=run_id, worker="w1") is False
    assert services.run_heartbeat(run_id=run_id, worker="w1", step=3, epoch=0) is False
    stopping = as_alice.post(f"/api/runs/{run_id}/stop")
    assert stopping.status_code == 200
    assert stopping.json()["status"] == "running"  # it ends when its process has checkpointed
    assert services.run_stop_requested(run_id=run_id, worker="w1") is True
    assert services.run_heartbeat(run_id=run_id, worker="w1", step=4, epoch=0) is True


def test_download_of_a_run_without_files_says_so(api, alice):
    as_alice = api.as_user(alice)
    run_id = submit(as_alice).json()["id"]
    response = as_alice.get(f"/api/runs/{run_id}/download?format=pth")
    assert response.status_code == 404
    assert response.json()["detail"] == f"Run {run_id} has no model.pth (status queued)"
    bad = as_alice.get(f"/api/runs/{run_id}/download?format=exe")
    assert bad.status_code == 422
    assert "Unknown format 'exe'" in bad.json()["detail"]


def test_delete_removes_the_run_and_its_files(api, alice):
    as_alice = api.as_user(alice)
    run_id = submit(as_alice).json()["id"]
    folder = services.run_files_dir(run_id)
    folder.mkdir(parents=True)
    (folder / "model.pth").write_bytes(b"x")
    assert as_alice.delete(f"/api/runs/{run_id}").status_code == 204
    assert not TrainingRun.objects.filter(pk=run_id).exists()
    assert not folder.exists()


def upload_weights(client, headers, state: dict, name: str = "w.pth"):
    import io

    import torch
    from django.core.files.uploadedfile import SimpleUploadedFile

    buffer = io.BytesIO()
    torch.save(state, buffer)
    return client.post("/api/weights", {"file": SimpleUploadedFile(name, buffer.getvalue()),
                                        "graph": json.dumps(DIGITS_MLP)}, headers=headers)


def test_a_run_can_start_from_uploaded_weights_that_fit(api, client, alice):
    from builder.engine.graph import compile_graph

    as_alice = api.as_user(alice)
    response = upload_weights(client, as_alice.headers, compile_graph(DIGITS_MLP).state_dict())
    assert response.status_code == 201, response.json()
    weights = response.json()
    assert weights["report"]["ok"] is True
    assert sorted(weights["report"]["matched"]) == ["fc1.bias", "fc1.weight", "fc2.bias", "fc2.weight"]
    run = submit(as_alice, init_weights=weights["id"])
    assert run.status_code == 201, run.json()
    assert TrainingRun.objects.get(pk=run.json()["id"]).init_weights_id == weights["id"]


def test_weights_that_do_not_fit_refuse_the_run_with_the_report(api, client, alice):
    import torch

    as_alice = api.as_user(alice)
    weights = upload_weights(client, as_alice.headers, {"fc1.weight": torch.zeros(3, 3)}).json()
    assert weights["report"]["ok"] is False
    response = submit(as_alice, init_weights=weights["id"])
    assert response.status_code == 400
    assert response.json()["detail"].startswith("The weights don't fit this model:")
    assert response.json()["errors"][0]["field"] == "init_weights"


def test_a_strangers_weights_are_not_found(api, client, alice, bob):
    from builder.engine.graph import compile_graph

    weights = upload_weights(client, api.as_user(alice).headers, compile_graph(DIGITS_MLP).state_dict()).json()
    response = submit(api.as_user(bob), init_weights=weights["id"])
    assert response.status_code == 404
    assert response.json()["detail"] == f"No weights file {weights['id']}"


def test_a_pickle_that_runs_code_is_refused_and_not_kept(api, client, alice, tmp_path):
    import pickle

    from django.core.files.uploadedfile import SimpleUploadedFile

    from builder.models import WeightsFile

    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    evil = pickle.dumps(Payload())
    response = client.post("/api/weights", {"file": SimpleUploadedFile("evil.pth", evil)},
                           headers=api.as_user(alice).headers)
    assert response.status_code == 422
    assert response.json()["detail"].startswith("evil.pth ")  # the user's file name, never the stored one
    assert not marker.exists()
    assert WeightsFile.objects.count() == 0
    check = client.post("/api/weights/check", {"file": SimpleUploadedFile("evil.pth", evil), "graph": json.dumps(MLP_GRAPH)},
                        headers=api.as_user(alice).headers)
    assert (check.status_code, check.json()["detail"]) == (422, response.json()["detail"])


def test_a_resumed_run_drops_later_messages_and_restores_lost_epoch_summaries(api, alice):
    run_id = submit(api.as_user(alice)).json()["id"]
    services.run_events_append(run_id=run_id, events=[
        {"type": "epoch", "step": 10, "data": {"epoch": 1, "step": 10}},
        {"type": "metrics", "step": 15, "data": {"step": 15, "points": [{"step": 15}]}},
        {"type": "metrics", "step": 25, "data": {"step": 25, "points": [{"step": 25}]}},
        {"type": "log", "step": 25, "data": {"message": "Worker w stopped answering"}},
    ])
    # The checkpoint is at step 20, after epoch 2, whose summary the dead worker never stored.
    # It carries every point so far (15 is stored; 16-20 were still in the dead worker's buffer).
    services.run_events_resume(run_id=run_id, step=20, history=[
        {"epoch": 1, "step": 10, "train_loss": 0.9}, {"epoch": 2, "step": 20, "train_loss": 0.5}],
        points=[{"step": s} for s in range(1, 21)])
    events = list(RunEvent.objects.filter(run_id=run_id).order_by("id").values_list("type", "step", "data"))
    assert [(t, s) for t, s, _ in events] == [
        ("epoch", 10), ("metrics", 15), ("log", 25), ("metrics", 20), ("epoch", 20)]
    assert events[-2][2] == {"step": 20, "points": [{"step": s} for s in range(16, 21)]}
    assert events[-1][2] == {"epoch": 2, "step": 20, "train_loss": 0.5, "restored": True}
    points = [p["step"] for t, _, data in events if t == "metrics" for p in data["points"]]
    assert points == [15, 16, 17, 18, 19, 20]  # each point once: the resumed run sends those after 20


def test_metrics_after_a_step_still_returns_the_epoch_summary_at_that_step(api, alice):
    as_alice = api.as_user(alice)
    run_id = submit(as_alice).json()["id"]
    services.run_events_append(run_id=run_id, events=[
        {"type": "metrics", "step": 20, "data": {"step": 20, "points": [{"step": 20}]}},
        {"type": "epoch", "step": 20, "data": {"epoch": 1}},
    ])
    body = as_alice.get(f"/api/runs/{run_id}/metrics?after=20").json()
    assert body["events"] == [{"type": "epoch", "data": {"epoch": 1}}]


def test_downloads_serve_the_runs_files_and_a_zip_of_all(api, alice):
    import io
    import zipfile

    as_alice = api.as_user(alice)
    run_id = submit(as_alice).json()["id"]
    folder = services.run_files_dir(run_id)
    folder.mkdir(parents=True)
    (folder / "model.pth").write_bytes(b"weights")
    (folder / "model.py").write_text("class DigitsMLP: ...\n")
    TrainingRun.objects.filter(pk=run_id).update(
        status=RunStatus.SUCCEEDED, files={"pth": f"{run_id}/model.pth", "model_py": f"{run_id}/model.py",
                                           "onnx_error": "ONNX can't export this layer"})
    pth = as_alice.get(f"/api/runs/{run_id}/download?format=pth")
    assert pth.status_code == 200
    assert b"".join(pth.streaming_content) == b"weights"
    assert pth["Content-Disposition"] == 'attachment; filename="model.pth"'
    onnx = as_alice.get(f"/api/runs/{run_id}/download?format=onnx")
    assert onnx.status_code == 404
    assert onnx.json()["detail"] == f"Run {run_id} has no model.onnx: ONNX can't export this layer"
    archive = zipfile.ZipFile(io.BytesIO(as_alice.get(f"/api/runs/{run_id}/download?format=zip").content))
    assert sorted(archive.namelist()) == ["model.pth", "model.py"]
    assert archive.read("model.py") == b"class DigitsMLP: ...\n"
