"""The models API: torchvision architectures, expand, graph import and the weights check."""

from __future__ import annotations

import io
import json

import pytest
import torch
from django.core.files.uploadedfile import SimpleUploadedFile

from builder.engine.graph import compile_graph
from tests.helpers import MLP_GRAPH

from .conftest import backbone_graph

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.pretrained.urls")]


def test_the_architecture_list_says_which_weights_files_are_present(client, resnet18_file):
    archs = {a["arch"]: a for a in client.get("/api/torchvision").json()}
    assert archs["resnet18"]["params"] == 11_689_512 and archs["resnet18"]["expandable"] is True
    assert archs["resnet18"]["weights"] == {"file": "resnet18-f37072fd.pth", "path": str(resnet18_file.absolute()),
                                            "available": True}
    assert archs["resnet50"]["weights"]["available"] is False
    assert archs["vit_b_16"]["expandable"] is False and "vit_b_16 can't be expanded" in archs["vit_b_16"][
        "expand_problem"]
    assert archs["mobilenet_v2"]["transforms"]["mean"] == [0.485, 0.456, 0.406]


def test_an_architecture_comes_as_an_editable_graph_and_an_unknown_one_is_404(api, alice):
    me = api.as_user(alice)
    graph = me.post("/api/torchvision/resnet18/graph?num_classes=4&image_size=64").json()
    assert graph["format"] == "netbuilder.graph/1" and graph["nodes"][-2]["id"] == "fc"
    assert graph["nodes"][-2]["params"]["out_features"] == 4
    response = me.post("/api/torchvision/resnet19/graph")
    assert response.status_code == 404 and "unknown architecture 'resnet19'" in response.json()["detail"]


def test_expand_answers_the_graph_with_the_node_replaced_or_the_node_error(api, alice, weights_dir):
    me = api.as_user(alice)
    expanded = me.post("/api/graphs/expand", {"graph": backbone_graph(head="drop"), "node": "net"}).json()
    assert "net_layer4_1_conv2" in {n["id"] for n in expanded["nodes"]}
    response = me.post("/api/graphs/expand", {"graph": backbone_graph(), "node": "y"})
    assert response.status_code == 400
    assert response.json()["errors"] == [{"node": "y", "field": "type",
                                          "message": "only TorchvisionModel nodes expand; 'y' is a Output"}]


def test_an_imported_graph_file_is_validated_with_per_node_errors(api, alice):
    me = api.as_user(alice)
    broken = json.loads(json.dumps(MLP_GRAPH))
    broken["nodes"][1]["params"]["out_features"] = 0
    upload = SimpleUploadedFile("net.json", json.dumps(broken).encode(), content_type="application/json")
    answer = me.client.post("/api/graphs/import", {"file": upload}, headers=me.headers).json()
    assert answer["graph"] == broken and answer["validation"]["ok"] is False
    assert answer["validation"]["errors"] == [{"node": "fc1", "field": "out_features",
                                               "message": "out_features must be at least 1, got 0"}]
    assert me.post("/api/graphs/import", MLP_GRAPH).json()["validation"]["ok"] is True
    not_json = SimpleUploadedFile("net.json", b"{nodes", content_type="application/json")
    assert me.client.post("/api/graphs/import", {"file": not_json}, headers=me.headers).status_code == 422


def test_the_weights_check_reports_matches_before_anything_is_applied(api, alice):
    me = api.as_user(alice)
    state = compile_graph(MLP_GRAPH).state_dict()
    state["fc2.weight"] = torch.zeros(5, 128)
    buffer = io.BytesIO()
    torch.save(state, buffer)
    upload = SimpleUploadedFile("mlp.pth", buffer.getvalue())
    report = me.client.post("/api/weights/check", {"file": upload, "graph": json.dumps(MLP_GRAPH)},
                            headers=me.headers).json()
    assert report["ok"] is False and report["tensors"] == 4
    assert report["mismatched"] == [{"key": "fc2.weight", "expected": [10, 128], "got": [5, 128]}]
    assert sorted(report["matched"]) == ["fc1.bias", "fc1.weight", "fc2.bias"]
    pickle = SimpleUploadedFile("model.pkl", b"x")
    response = me.client.post("/api/weights/check", {"file": pickle, "graph": json.dumps(MLP_GRAPH)},
                              headers=me.headers)
    assert response.status_code == 422 and "not a weights file" in response.json()["detail"]


def test_the_weights_list_holds_only_the_callers_files(api, alice, bob):
    def upload(user, name: str) -> int:
        buffer = io.BytesIO()
        torch.save({"w": torch.zeros(2)}, buffer)
        me = api.as_user(user)
        response = me.client.post("/api/weights", {"file": SimpleUploadedFile(f"{name}.pth", buffer.getvalue()),
                                                   "name": name}, headers=me.headers)
        assert response.status_code == 201, response.json()
        return response.json()["id"]

    mine = upload(alice, "alices")
    theirs = upload(bob, "bobs")
    listed = api.as_user(alice).get("/api/weights").json()
    assert [(w["id"], w["name"]) for w in listed] == [(mine, "alices")]
    assert [w["id"] for w in api.as_user(bob).get("/api/weights").json()] == [theirs]
