"""A run's best epoch through the API: the best_pth download, best_epoch/best_metrics in its summary, and
early stopping refused where there is no validation."""

from __future__ import annotations

import pytest

from builder.models import RunStatus, TrainingRun
from builder.services import runs as services
from tests.helpers import DIGITS_MLP

pytestmark = [pytest.mark.django_db]

BEST = {"val_loss": 0.1234, "val_accuracy": 0.96, "val_top5": 1.0}


def finished_run(client, tmp_path) -> int:
    """A run stored as a worker stores one that ended: its files on disk, its final metrics on the row."""
    run_id = client.post("/api/runs", {"graph": DIGITS_MLP, "dataset": "digits",
                                       "config": {"epochs": 12, "early_stopping": 3}}).json()["id"]
    folder = services.run_files_dir(run_id)
    folder.mkdir(parents=True)
    (folder / "model.pth").write_bytes(b"last")
    (folder / "model-best.pth").write_bytes(b"best")
    TrainingRun.objects.filter(pk=run_id).update(
        status=RunStatus.SUCCEEDED,
        files={"pth": f"{run_id}/model.pth", "best_pth": f"{run_id}/model-best.pth"},
        final_metrics={"epoch": 10, "val_loss": 0.2, "best_epoch": 7, "best_metrics": BEST,
                       "stopped_early_at": 10, "confusion": [[1]], "classes": ["0"]})
    return run_id


def test_the_best_epochs_weights_download_as_model_best_pth(api, alice, tmp_path):
    as_alice = api.as_user(alice)
    run_id = finished_run(as_alice, tmp_path)

    best = as_alice.get(f"/api/runs/{run_id}/download?format=best_pth")

    assert best.status_code == 200
    assert b"".join(best.streaming_content) == b"best"
    assert best["Content-Disposition"] == 'attachment; filename="model-best.pth"'
    assert as_alice.get(f"/api/runs/{run_id}").json()["files"] == ["best_pth", "pth"]


def test_a_run_without_best_weights_says_so(api, alice):
    as_alice = api.as_user(alice)
    run_id = as_alice.post("/api/runs", {"graph": DIGITS_MLP, "dataset": "digits"}).json()["id"]

    missing = as_alice.get(f"/api/runs/{run_id}/download?format=best_pth")

    assert missing.status_code == 404
    assert missing.json()["detail"] == f"Run {run_id} has no model-best.pth (status queued)"


def test_run_summaries_carry_the_best_epoch_and_its_metrics(api, alice, tmp_path):
    as_alice = api.as_user(alice)
    run_id = finished_run(as_alice, tmp_path)
    queued = as_alice.post("/api/runs", {"graph": DIGITS_MLP, "dataset": "digits"}).json()

    listed = {r["id"]: r for r in as_alice.get("/api/runs").json()}
    detail = as_alice.get(f"/api/runs/{run_id}").json()

    for summary in (listed[run_id], detail):
        assert (summary["best_epoch"], summary["best_metrics"]) == (7, BEST)
        assert summary["final_metrics"]["stopped_early_at"] == 10
    assert (queued["best_epoch"], queued["best_metrics"]) == (None, None)
    assert (listed[queued["id"]]["best_epoch"], listed[queued["id"]]["best_metrics"]) == (None, None)


def test_early_stopping_without_validation_is_refused_by_check_and_submit_naming_the_option(api, alice):
    as_alice = api.as_user(alice)
    body = {"graph": DIGITS_MLP, "dataset": "digits", "config": {"val_fraction": 0, "early_stopping": 3}}

    check, submit = as_alice.post("/api/runs/check", body), as_alice.post("/api/runs", body)

    message = ("Early stopping watches the validation loss, but 'Digits (8×8)' with val_fraction 0 holds no "
               "samples out for validation; set val_fraction above 0 or leave early_stopping empty")
    for answer in (check, submit):
        assert answer.status_code == 400, answer.json()
        assert answer.json() == {"detail": f"config.early_stopping: {message}",
                                 "errors": [{"field": "config.early_stopping", "message": message}]}
    assert TrainingRun.objects.count() == 0
    allowed = as_alice.post("/api/runs/check", {**body, "config": {"val_fraction": 0.1, "early_stopping": 3}})
    assert allowed.status_code == 200 and allowed.json()["config"]["early_stopping"] == 3


def test_the_training_options_publish_early_stopping_and_min_delta(api, alice):
    options = {o["name"]: o for o in api.as_user(alice).get("/api/training/options").json()["fields"]}

    assert (options["early_stopping"]["default"], options["early_stopping"]["min"]) == (None, 1)
    assert (options["min_delta"]["default"], options["min_delta"]["min"]) == (0.0, 0.0)
