"""Block edits over the API: make a block of selected nodes, ungroup a use (builder.engine.graph.blocks)."""

from __future__ import annotations

import pytest

from tests.graph.test_blocks import FLAT_RESIDUAL, TINY_RESNET

pytestmark = [pytest.mark.django_db]


def test_make_block_answers_the_graph_with_the_block_and_ungroup_writes_it_back_out(api, alice):
    as_alice = api.as_user(alice)
    made = as_alice.post("/api/graphs/make-block", {"graph": FLAT_RESIDUAL, "nodes": ["fc1", "act", "add"], "name": "Skip"})
    assert made.status_code == 200, made.json()
    graph = made.json()["graph"]
    assert list(graph["blocks"]) == ["Skip"] and any(n["id"] == "skip" and n["type"] == "Block" for n in graph["nodes"])
    checked = as_alice.post("/api/graphs/validate", graph).json()
    assert checked["ok"] and checked["nodes"]["skip/1/fc1"]["shape"] == [8]
    back = as_alice.post("/api/graphs/ungroup", {"graph": graph, "node": "skip"})
    assert back.status_code == 200, back.json()
    assert {n["id"] for n in back.json()["graph"]["nodes"]} == {"x", "skip_1_fc1", "skip_1_act", "skip_1_add", "head", "y"}
    assert "Skip" not in back.json()["graph"].get("blocks", {})


@pytest.mark.parametrize(("path", "body", "field", "words"), [
    ("make-block", {"graph": FLAT_RESIDUAL, "nodes": ["fc1", "add"], "name": "Skip"}, "nodes", "feeds itself through 'act'"),
    ("make-block", {"graph": FLAT_RESIDUAL, "nodes": ["nope"], "name": "Skip"}, "nodes", "No node 'nope'"),
    ("make-block", {"graph": FLAT_RESIDUAL, "nodes": ["fc1"], "name": "not a class"}, "name", "a class name"),
    ("ungroup", {"graph": TINY_RESNET, "node": "stem"}, "node", "'stem' is not a Block node"),
])
def test_a_block_edit_that_cannot_be_made_is_a_400_naming_the_field(api, alice, path, body, field, words):
    response = api.as_user(alice).post(f"/api/graphs/{path}", body)
    assert response.status_code == 400, response.json()
    assert response.json()["errors"][0]["field"] == field
    assert words in response.json()["detail"]
