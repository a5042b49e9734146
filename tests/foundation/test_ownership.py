"""Nobody sees or touches another user's objects: 404, not 403, so ids don't leak."""

from __future__ import annotations

import pytest

from builder.models import Architecture
from tests.helpers import MLP_GRAPH

pytestmark = [pytest.mark.django_db, pytest.mark.services]


@pytest.fixture
def alices_arch(api, alice):
    response = api.as_user(alice).post("/api/architectures", {"name": "mine", "graph": MLP_GRAPH})
    assert response.status_code == 201, response.content
    return response.json()


def test_owner_creates_lists_and_reads_an_architecture(api, alice, alices_arch):
    as_alice = api.as_user(alice)
    assert [a["name"] for a in as_alice.get("/api/architectures").json()] == ["mine"]
    got = as_alice.get(f"/api/architectures/{alices_arch['id']}").json()
    assert got["graph"] == MLP_GRAPH
    assert got["version"] == 1
    assert [v["version"] for v in got["versions"]] == [1]


def test_another_user_gets_404_for_every_verb(api, bob, alices_arch):
    as_bob = api.as_user(bob)
    arch_id = alices_arch["id"]
    assert as_bob.get("/api/architectures").json() == []
    for response in (
        as_bob.get(f"/api/architectures/{arch_id}"),
        as_bob.put(f"/api/architectures/{arch_id}", {"name": "stolen"}),
        as_bob.post(f"/api/architectures/{arch_id}/duplicate", {}),
        as_bob.get(f"/api/architectures/{arch_id}/versions/1"),
        as_bob.delete(f"/api/architectures/{arch_id}"),
    ):
        assert response.status_code == 404
        assert response.json()["detail"] == f"No architecture {arch_id}"
    arch = Architecture.objects.get(pk=arch_id)
    assert arch.name == "mine"


def test_a_missing_id_and_a_strangers_id_answer_alike(api, bob, alices_arch):
    as_bob = api.as_user(bob)
    missing = as_bob.get("/api/architectures/999999")
    strangers = as_bob.get(f"/api/architectures/{alices_arch['id']}")
    assert missing.status_code == strangers.status_code == 404
    assert missing.json().keys() == strangers.json().keys()


def test_changing_the_graph_makes_a_new_version_and_renaming_does_not(api, alice, alices_arch):
    as_alice = api.as_user(alice)
    arch_id = alices_arch["id"]
    renamed = as_alice.put(f"/api/architectures/{arch_id}", {"name": "renamed"}).json()
    assert (renamed["name"], renamed["version"]) == ("renamed", 1)
    graph2 = {**MLP_GRAPH, "name": "Wider"}
    changed = as_alice.put(f"/api/architectures/{arch_id}", {"graph": graph2}).json()
    assert changed["version"] == 2
    assert changed["graph"]["name"] == "Wider"
    assert as_alice.get(f"/api/architectures/{arch_id}/versions/1").json()["graph"] == MLP_GRAPH


def test_duplicate_and_delete(api, alice, alices_arch):
    as_alice = api.as_user(alice)
    copy = as_alice.post(f"/api/architectures/{alices_arch['id']}/duplicate", {"name": "copy"})
    assert copy.status_code == 201
    assert copy.json()["graph"] == MLP_GRAPH and copy.json()["id"] != alices_arch["id"]
    assert as_alice.delete(f"/api/architectures/{alices_arch['id']}").status_code == 204
    assert [a["name"] for a in as_alice.get("/api/architectures").json()] == ["copy"]


def test_bad_input_gets_json_4xx_naming_the_field(api, alice):
    as_alice = api.as_user(alice)
    response = as_alice.post("/api/architectures", {"name": "", "graph": MLP_GRAPH})
    assert response.status_code == 422
    body = response.json()
    assert body["errors"][0]["field"] == "name"
    not_a_graph = as_alice.post("/api/architectures", {"name": "x", "graph": {"nodes": []}})
    assert not_a_graph.status_code == 422
    assert not_a_graph.json()["errors"] == [{"field": "format", "message": 'must be "netbuilder.graph/1"'}]


def test_malformed_json_body_is_a_json_4xx(api, alice):
    as_alice = api.as_user(alice)
    response = as_alice.client.post(
        "/api/architectures", data="{not json", content_type="application/json", headers=as_alice.headers
    )
    assert 400 <= response.status_code < 500
    assert "detail" in response.json()


def test_an_unknown_api_path_is_a_json_404(api, alice):
    response = api.as_user(alice).get("/api/no-such-thing")
    assert response.status_code == 404
    assert response.json() == {"detail": "No API endpoint /api/no-such-thing", "errors": []}


def test_a_body_over_the_limit_is_a_json_413_naming_the_limit(api, alice, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api.as_user(alice).post("/api/graphs/validate", {**MLP_GRAPH, "padding": "x" * 2000})
    assert response.status_code == 413
    assert response.json()["detail"] == "The request body is over the 1,000-byte limit (NETBUILDER_MAX_GRAPH_BYTES)"


def test_a_wrong_method_is_a_json_405(api, alice):
    response = api.as_user(alice).delete("/api/architectures")
    assert response.status_code == 405
    assert response.json() == {"detail": "Method Not Allowed", "errors": []}
