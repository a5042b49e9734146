"""The block library over the API (builder.services.blocks): save a block checked in isolation, list and
delete it; another user's blocks are not there."""

from __future__ import annotations

import copy

import pytest

from tests.graph.test_blocks import TINY_RESNET

pytestmark = [pytest.mark.django_db]

RESIDUAL = TINY_RESNET["blocks"]["Residual"]  # channels defaults to 64: its input must have 64 channels
SAVED = {"name": "Residual", "block": RESIDUAL, "input_shapes": [[64, 8, 8]]}


def with_param(block: dict, node: str, name: str, value) -> dict:
    changed = copy.deepcopy(block)
    next(n for n in changed["nodes"] if n["id"] == node)["params"][name] = value
    return changed


def test_a_saved_block_comes_back_in_the_list_as_it_was_sent_and_leaves_it_when_deleted(api, alice):
    as_alice = api.as_user(alice)
    created = as_alice.post("/api/blocks", SAVED)
    assert created.status_code == 201, created.json()
    saved = created.json()
    assert (saved["name"], saved["block"], saved["uses"], saved["input_shapes"]) == ("Residual", RESIDUAL, {}, [[64, 8, 8]])
    listed = as_alice.get("/api/blocks").json()
    assert [(b["id"], b["name"], b["block"]) for b in listed] == [(saved["id"], "Residual", RESIDUAL)]
    assert as_alice.delete(f"/api/blocks/{saved['id']}").status_code == 204
    assert as_alice.get("/api/blocks").json() == []


def test_a_block_that_uses_another_is_saved_with_it(api, alice):
    stage = {"params": {}, "nodes": [{"id": "x", "type": "Input"},
                                     {"id": "r", "type": "Block", "params": {"block": "Residual", "repeat": 2}},
                                     {"id": "y", "type": "Output"}],
             "edges": [{"source": "x", "target": "r"}, {"source": "r", "target": "y"}]}
    body = {"name": "Stage", "block": stage, "uses": {"Residual": RESIDUAL}, "input_shapes": [[64, 4, 4]]}
    created = api.as_user(alice).post("/api/blocks", body)
    assert created.status_code == 201, created.json()
    assert created.json()["uses"] == {"Residual": RESIDUAL}


def test_another_users_block_is_a_404_to_delete_and_not_in_their_list(api, alice, bob):
    saved = api.as_user(alice).post("/api/blocks", SAVED).json()
    as_bob = api.as_user(bob)
    assert as_bob.get("/api/blocks").json() == []
    refused = as_bob.delete(f"/api/blocks/{saved['id']}")
    assert refused.status_code == 404
    assert refused.json()["detail"] == f"No library block {saved['id']}"
    assert [b["id"] for b in api.as_user(alice).get("/api/blocks").json()] == [saved["id"]]


@pytest.mark.parametrize(("body", "node", "field", "detail"), [
    ({**SAVED, "block": with_param(RESIDUAL, "c1", "kernel_size", 0)}, "c1", "kernel_size",
     "Block 'Residual' does not compile: c1: kernel_size: kernel_size must be at least 1, got 0"),
    ({**SAVED, "block": with_param(RESIDUAL, "c2", "out_channels", "$width")}, "c2", "out_channels",
     "Block 'Residual' does not compile: c2: out_channels: '$width' is not a parameter of block 'Residual' "
     "(it has channels)"),
    ({**SAVED, "input_shapes": [[16, 8, 8]]}, "add", None,
     "Block 'Residual' does not compile: add: Add cannot combine shapes [64, 8, 8] and [16, 8, 8]: "
     "they must be equal or 1 where they differ"),
    ({**SAVED, "input_shapes": []}, None, "input_shapes",
     "Block 'Residual' takes 1 input: give as many input_shapes, got 0"),
    ({**SAVED, "block": {"nodes": 5, "edges": []}}, None, "nodes",
     "Block 'Residual' does not compile: nodes: blocks.Residual.nodes: Input should be a valid list"),
    ({**SAVED, "name": "residual"}, None, "name",
     "A block's name is a class name (Residual, DenseLayer), got 'residual'"),
])
def test_a_block_that_does_not_compile_alone_is_a_400_naming_the_node_and_field(api, alice, body, node, field, detail):
    response = api.as_user(alice).post("/api/blocks", body)
    assert response.status_code == 400, response.json()
    assert response.json()["detail"] == detail
    first = response.json()["errors"][0]
    assert (first.get("node"), first.get("field")) == (node, field)
    assert api.as_user(alice).get("/api/blocks").json() == []
