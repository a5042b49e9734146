"""`POST /api/runs/check`: the submit's own checks and answers, with nothing queued."""

from __future__ import annotations

import copy

import pytest

from builder.models import TrainingRun
from tests.helpers import DIGITS_MLP, MLP_GRAPH

pytestmark = [pytest.mark.django_db]


def both(client, **body):
    """The check's answer, then the submit's answer to the same body."""
    body = {"graph": DIGITS_MLP, "dataset": "digits", **body}
    return client.post("/api/runs/check", body), client.post("/api/runs", body)


def test_a_good_request_answers_what_the_run_will_be_and_queues_nothing(api, alice):
    response = api.as_user(alice).post("/api/runs/check", {"graph": DIGITS_MLP, "dataset": "digits",
                                                          "config": {"epochs": 3}})
    assert response.status_code == 200, response.json()
    plan = response.json()
    assert plan["config"]["epochs"] == 3
    assert plan["dataset"]["name"] == "digits"
    assert plan["dataset"]["input_shape"] == [1, 8, 8]
    assert plan["input"] == {"node": "x", "shape": [1, 8, 8], "dtype": "float32"}
    assert plan["output"] == {"node": "y", "shape": [10]}
    assert plan["loss"] == "CrossEntropyLoss"
    assert TrainingRun.objects.count() == 0


@pytest.mark.parametrize("body", [
    {"graph": MLP_GRAPH},
    {"config": {"optimizer": "adamax"}},
    {"config": {"bogus": 1}},
    {"dataset": "imagenet"},
])
def test_a_bad_request_gets_the_same_error_as_a_submit(api, alice, body):
    check, submit = both(api.as_user(alice), **body)
    assert check.status_code == submit.status_code
    assert check.status_code in (400, 404, 422)
    assert check.json() == submit.json()
    assert TrainingRun.objects.count() == 0


def test_a_loss_that_does_not_fit_names_the_output_node(api, alice):
    graph = copy.deepcopy(DIGITS_MLP)
    graph["nodes"][4]["params"]["out_features"] = 1
    check, _ = both(api.as_user(alice), graph=graph)
    assert check.status_code == 400
    assert check.json()["detail"] == "CrossEntropyLoss needs 10 outputs for 10 classes; the model gives 1"
    assert check.json()["errors"][0]["node"] == "y"


def test_the_epoch_limit_is_checked_as_on_submit(api, alice, settings):
    settings.NETBUILDER_MAX_EPOCHS = 5
    check, submit = both(api.as_user(alice), config={"epochs": 6})
    assert check.status_code == 400
    assert "NETBUILDER_MAX_EPOCHS" in check.json()["detail"]
    assert check.json() == submit.json()


def test_a_strangers_architecture_is_not_found(api, alice, bob):
    created = api.as_user(bob).post("/api/architectures", {"name": "b", "graph": DIGITS_MLP})
    assert created.status_code == 201, created.json()
    response = api.as_user(alice).post("/api/runs/check", {"architecture": created.json()["id"], "dataset": "digits"})
    assert response.status_code == 404
