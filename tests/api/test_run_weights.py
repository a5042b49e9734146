"""GET /api/runs/{id}/weights: what a finished run learned, per tensor, owner-scoped."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from django.conf import settings

from builder.engine.executor import RunSpec, run
from builder.engine.graph import list_templates
from builder.models import TrainingRun
from builder.services import runs as services

pytestmark = [pytest.mark.django_db]

LINEAR_REGRESSION = next(t["graph"] for t in list_templates() if t["id"] == "linear_regression")
TRUE_W, TRUE_B = 2.5, -0.75


def train_to_the_end(run_id: int) -> TrainingRun:
    """Claim the queued run and train it in this process, the way a worker would, storing its files."""
    record = services.run_claim(worker="test")
    assert record is not None and record.pk == run_id
    out = services.run_files_dir(run_id)
    spec = RunSpec(
        run_id=run_id,
        graph=record.graph,
        dataset=record.dataset,
        dataset_options=record.dataset_options,
        config=record.config,
        out_dir=str(out),
        checkpoint_dir=str(out / "checkpoints"),
        data_dir=str(settings.NETBUILDER_DATA_DIR),
    )
    final = run(spec, lambda message: None, stop=lambda: False, suspend=lambda: False)
    assert final["type"] == "finished", final["data"]
    runs_dir = Path(settings.NETBUILDER_RUNS_DIR)
    files = {k: str(Path(v).relative_to(runs_dir)) for k, v in final["outcome"]["files"].items()}
    return services.run_finish(run_id=run_id, worker="test", status=final["data"]["status"], files=files)


@pytest.fixture
def trained(api, alice):
    """A linear-regression run on `linear` with w and b chosen, trained to the end."""
    body = {
        "graph": LINEAR_REGRESSION,
        "dataset": "linear",
        "dataset_options": {"features": 1, "weight": [TRUE_W], "bias": TRUE_B, "noise": 0.01, "size": 512},
        "config": {"optimizer": "adam", "lr": 0.05, "loss": "MSELoss", "epochs": 40, "batch_size": 32},
    }
    created = api.as_user(alice).post("/api/runs", body)
    assert created.status_code == 201, created.json()
    return train_to_the_end(created.json()["id"])


@pytest.fixture
def saved(api, alice):
    """A run marked succeeded with a model.pth of a few tensors, as a bigger model would leave it."""
    state = {
        "linear.weight": torch.randn(64, 100),
        "linear.bias": torch.randn(64),
        "norm.running_var": torch.ones(4096),
        "norm.num_batches_tracked": torch.tensor(7),
    }
    body = {"graph": LINEAR_REGRESSION, "dataset": "linear", "dataset_options": {"features": 1}}
    run_id = api.as_user(alice).post("/api/runs", body).json()["id"]
    folder = services.run_files_dir(run_id)
    folder.mkdir(parents=True)
    torch.save(state, folder / "model.pth")
    TrainingRun.objects.filter(pk=run_id).update(status="succeeded", files={"pth": f"{run_id}/model.pth"})
    return run_id, state


def test_the_weights_of_a_linear_regression_are_the_datasets_true_w_and_b(api, alice, trained):
    response = api.as_user(alice).get(f"/api/runs/{trained.pk}/weights")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["id"] == trained.pk and body["status"] == "succeeded"
    tensors = {t["name"]: t for t in body["tensors"]}
    assert list(tensors) == ["linear.weight", "linear.bias"]
    weight, bias = tensors["linear.weight"], tensors["linear.bias"]
    assert (weight["node"], weight["shape"], weight["numel"]) == ("linear", [1, 1], 1)
    assert (bias["node"], bias["shape"], bias["numel"]) == ("linear", [1], 1)
    assert abs(weight["values"][0][0] - TRUE_W) < 0.05
    assert abs(bias["values"][0] - TRUE_B) < 0.05
    assert weight["mean"] == weight["min"] == weight["max"] == weight["values"][0][0]
    assert weight["std"] == 0.0


def test_the_datasets_description_carries_the_true_w_and_b(api, alice):
    options = '{"features": 1, "weight": [2.5], "bias": -0.75}'
    preview = api.as_user(alice).get(f"/api/datasets/builtin/linear/preview?options={options}").json()
    assert preview["info"] == {"w": [TRUE_W], "b": TRUE_B}
    assert preview["options"]["weight"] == [TRUE_W]


def test_a_weight_of_the_wrong_length_names_the_option(api, alice):
    body = {
        "graph": LINEAR_REGRESSION,
        "dataset": "linear",
        "dataset_options": {"features": 1, "weight": [1.0, 2.0]},
    }
    response = api.as_user(alice).post("/api/runs", body)
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "field": "dataset_options.weight",
            "message": "Option weight has 2 number(s); it needs one per feature (1)",
        }
    ]


def test_every_tensor_has_a_32_bin_histogram_counting_all_its_elements_and_values_only_when_small(
    api, alice, saved
):
    run_id, state = saved
    tensors = {t["name"]: t for t in api.as_user(alice).get(f"/api/runs/{run_id}/weights").json()["tensors"]}
    assert list(tensors) == list(state)
    for name, t in tensors.items():
        assert len(t["histogram"]["edges"]) == 33 and len(t["histogram"]["counts"]) == 32
        assert sum(t["histogram"]["counts"]) == t["numel"] == state[name].numel()
        assert t["histogram"]["edges"][0] <= t["min"] <= t["max"] <= t["histogram"]["edges"][-1]
    assert tensors["linear.weight"]["numel"] == 6400 and tensors["linear.weight"]["values"] is None
    assert len(tensors["linear.bias"]["values"]) == 64
    assert tensors["norm.running_var"]["values"] == [1.0] * 4096  # 4,096 elements: still small enough
    assert tensors["norm.num_batches_tracked"]["values"] == 7.0
    assert tensors["norm.running_var"]["node"] == "norm"
    big = state["linear.weight"]
    assert tensors["linear.weight"]["mean"] == pytest.approx(float(big.mean()), abs=1e-6)
    assert tensors["linear.weight"]["std"] == pytest.approx(float(big.std(correction=0)), abs=1e-6)


def test_a_strangers_run_is_not_found(api, alice, bob, saved):
    run_id, _ = saved
    assert api.as_user(alice).get(f"/api/runs/{run_id}/weights").status_code == 200
    response = api.as_user(bob).get(f"/api/runs/{run_id}/weights")
    assert response.status_code == 404
    assert response.json()["detail"] == f"No run {run_id}"


def test_a_weights_file_gone_from_the_server_is_named(api, alice, saved):
    run_id, _ = saved
    (services.run_files_dir(run_id) / "model.pth").unlink()
    response = api.as_user(alice).get(f"/api/runs/{run_id}/weights")
    assert response.status_code == 404
    assert response.json()["detail"] == f"Run {run_id}'s model.pth is missing on this server"


def test_a_run_without_saved_weights_says_why(api, alice):
    body = {"graph": LINEAR_REGRESSION, "dataset": "linear", "dataset_options": {"features": 1}}
    run_id = api.as_user(alice).post("/api/runs", body).json()["id"]
    queued = api.as_user(alice).get(f"/api/runs/{run_id}/weights")
    assert queued.status_code == 409
    assert queued.json()["detail"] == (
        f"Run {run_id} has no saved weights yet: they are written when it ends (status queued)"
    )
    TrainingRun.objects.filter(pk=run_id).update(status="failed")
    failed = api.as_user(alice).get(f"/api/runs/{run_id}/weights")
    assert failed.status_code == 404
    assert failed.json()["detail"] == f"Run {run_id} has no saved weights (status failed)"
