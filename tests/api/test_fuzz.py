"""The API against its own OpenAPI schema (schemathesis, issue #18): fuzzed, no answer is a 5xx and each
is documented (its status code listed for the operation, its body of the schema declared for it); and a
tour of good requests, one or more per operation, gets documented 2xx answers."""

from __future__ import annotations

import io
import json

import pytest
import schemathesis
import torch
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from builder.engine.graph import compile_graph, list_templates
from builder.services import runs as run_services

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
GRAPH = next(t["graph"] for t in list_templates() if t["id"] == "playground_mlp")  # 2 inputs, 2 classes
DATASET = "moons"
CSV = b"a,b,label\n" + b"".join(f"{i},{i % 7},{'yes' if i % 2 else 'no'}\n".encode() for i in range(40))

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())


def weights_file() -> bytes:
    buffer = io.BytesIO()
    torch.save(compile_graph(GRAPH).state_dict(), buffer)
    return buffer.getvalue()


def named(content: bytes, name: str) -> io.BytesIO:
    file = io.BytesIO(content)
    file.name = name
    return file


@pytest.fixture
def bearer(alice, token_for) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(alice)}"}


@pytest.fixture
def mine(api, alice, client, bearer) -> dict[str, int]:
    """One of each of alice's objects, so that requests (fuzzed ones too) find real ones: an architecture,
    an uploaded dataset, a weights file, a finished run with its model.pth and a queued run."""
    as_alice = api.as_user(alice)
    architecture = as_alice.post("/api/architectures", {"name": "playground", "graph": GRAPH}).json()["id"]
    upload = {"file": named(CSV, "table.csv"), "options": json.dumps({"target": "label"})}
    dataset = client.post("/api/datasets/uploads", upload, headers=bearer).json()["id"]
    weights = {"file": named(weights_file(), "playground.pth")}
    weights_id = client.post("/api/weights", weights, headers=bearer).json()["id"]
    finished = as_alice.post("/api/runs", {"graph": GRAPH, "dataset": DATASET}).json()["id"]
    assert run_services.run_claim(worker="test").pk == finished
    out = run_services.run_files_dir(finished)
    out.mkdir(parents=True)
    (out / "model.pth").write_bytes(weights_file())
    files = {"pth": f"{finished}/model.pth"}
    run_services.run_finish(run_id=finished, worker="test", status="succeeded", files=files)
    queued = as_alice.post("/api/runs", {"graph": GRAPH, "dataset": DATASET}).json()["id"]
    return {"architecture": architecture, "dataset": dataset, "weights": weights_id, "finished": finished,
            "queued": queued}


@schema.parametrize()
@settings(
    max_examples=20, derandomize=True, database=None, deadline=None,
    phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck),
)
def test_every_fuzzed_answer_is_documented_and_none_is_a_server_error(case, mine, bearer):
    case.call_and_validate(headers=bearer, checks=CHECKS)


def test_a_good_request_to_every_operation_gets_a_documented_2xx(mine, bearer):
    visited = set()

    def call(method: str, path: str, status: int, *, form: dict | None = None, **request):
        """The answer to one request, checked as the fuzzed ones are; `form`: multipart fields, sent as is."""
        visited.add((method, path))
        case = schema[path][method].Case(**request)
        response = case.call_and_validate(headers=bearer, checks=CHECKS, **({"data": form} if form else {}))
        assert response.status_code == status, response.content[:500]
        is_json = response.headers["content-type"][0].startswith("application/json")
        return response.json() if is_json and response.content else None

    def graph_file():
        return {"file": (io.BytesIO(json.dumps(GRAPH).encode()), "graph.json")}

    def weights_form():
        return {"file": (io.BytesIO(weights_file()), "playground.pth"), "graph": json.dumps(GRAPH)}

    arch = {"architecture_id": mine["architecture"]}
    queued, finished = {"run_id": mine["queued"]}, {"run_id": mine["finished"]}
    backbone = {**GRAPH, "nodes": [{"id": "x", "type": "Input", "params": {"shape": [3, 64, 64]}},
                                   {"id": "net", "type": "TorchvisionModel", "params": {"arch": "resnet18"}},
                                   {"id": "y", "type": "Output"}],
                "edges": [{"source": "x", "target": "net"}, {"source": "net", "target": "y"}]}

    assert call("GET", "/api/me", 200)["username"] == "alice"
    assert call("GET", "/api/layers", 200)["format"] == "netbuilder.catalog/1"
    assert call("GET", "/api/templates", 200)[0]["graph"]
    assert call("GET", "/api/torchvision", 200)[0]["arch"] == "resnet18"
    assert call("GET", "/api/training/options", 200)["fields"][0]["name"] == "epochs"
    assert call("POST", "/api/graphs/validate", 200, body=GRAPH)["ok"] is True
    assert call("POST", "/api/graphs/export", 200, body={"graph": GRAPH}) is None
    assert call("POST", "/api/graphs/import", 200, form=graph_file())["validation"]["ok"] is True
    tv = call("POST", "/api/torchvision/{arch}/graph", 200, path_parameters={"arch": "resnet18"},
              query={"num_classes": 2, "image_size": 64})
    assert tv["name"] == "resnet18"
    assert len(call("POST", "/api/graphs/expand", 200, body={"graph": backbone, "node": "net"})["nodes"]) > 3
    assert call("POST", "/api/graphs/probe", 200, body={"graph": GRAPH, "dataset": DATASET})["sample"]["index"] == 0

    assert call("GET", "/api/architectures", 200)[0]["id"] == mine["architecture"]
    assert call("POST", "/api/architectures", 201, body={"name": "copy", "graph": GRAPH})["version"] == 1
    assert call("GET", "/api/architectures/{architecture_id}", 200, path_parameters=arch)["versions"]
    updated = call("PUT", "/api/architectures/{architecture_id}", 200, path_parameters=arch,
                   body={"graph": {**GRAPH, "name": "v2"}})
    assert updated["version"] == 2
    first = call("GET", "/api/architectures/{architecture_id}/versions/{version}", 200,
                 path_parameters={**arch, "version": 1})
    assert first["graph"] == GRAPH
    copy = call("POST", "/api/architectures/{architecture_id}/duplicate", 201, path_parameters=arch, body={})
    copy = {"architecture_id": copy["id"]}
    call("DELETE", "/api/architectures/{architecture_id}", 204, path_parameters=copy)

    assert call("GET", "/api/datasets", 200)["uploads"][0]["id"] == mine["dataset"]
    builtin = call("GET", "/api/datasets/builtin/{name}/preview", 200, path_parameters={"name": DATASET})
    assert builtin["class_counts"] == {"0": 500, "1": 500}
    csv = {"file": (io.BytesIO(CSV), "table.csv"), "options": json.dumps({"target": "label"})}
    uploaded = {"dataset_id": call("POST", "/api/datasets/uploads", 201, form=csv)["id"]}
    preview = call("GET", "/api/datasets/uploads/{dataset_id}", 200, path_parameters=uploaded)["preview"]
    assert preview["samples"] == 40
    call("DELETE", "/api/datasets/uploads/{dataset_id}", 204, path_parameters=uploaded)

    assert call("POST", "/api/weights/check", 200, form=weights_form())["ok"] is True
    kept = call("POST", "/api/weights", 201, form=weights_form())
    assert kept["report"]["ok"] is True
    assert len(call("GET", "/api/weights", 200)) == 2
    call("DELETE", "/api/weights/{weights_id}", 204, path_parameters={"weights_id": kept["id"]})

    plan = call("POST", "/api/runs/check", 200, body={"graph": GRAPH, "dataset": DATASET})
    assert plan["input"]["shape"] == [2]
    extra = call("POST", "/api/runs", 201, body={"graph": GRAPH, "dataset": f"upload:{mine['dataset']}"})
    assert [r["id"] for r in call("GET", "/api/runs", 200)][-1] == mine["finished"]
    assert call("GET", "/api/runs/{run_id}", 200, path_parameters=finished)["files"] == ["pth"]
    assert call("GET", "/api/runs/{run_id}/metrics", 200, path_parameters=finished)["status"] == "succeeded"
    assert call("GET", "/api/runs/{run_id}/weights", 200, path_parameters=finished)["tensors"]
    call("GET", "/api/runs/{run_id}/download", 200, path_parameters=finished, query={"format": "pth"})
    assert call("GET", "/api/runs/{run_id}/pictures", 200, path_parameters=finished)["run"] == mine["finished"]
    assert call("POST", "/api/runs/{run_id}/hold", 200, path_parameters=queued)["held"] is True
    assert call("POST", "/api/runs/{run_id}/release", 200, path_parameters=queued)["queue_position"] == 1
    assert call("PATCH", "/api/runs/{run_id}", 200, path_parameters=queued, body={"priority": 3})["priority"] == 3
    checkpoint = run_services.run_checkpoint_path(mine["finished"])
    checkpoint.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"epoch": 1}, checkpoint)
    child = call("POST", "/api/runs/{run_id}/continue", 201, path_parameters=finished, body={"epochs": 1})
    assert child["parent"] == mine["finished"]
    sweep_body = {"graph": GRAPH, "dataset": DATASET, "config": {"epochs": 1}, "grid": {"lr": [0.1, 0.01]}}
    assert call("POST", "/api/sweeps/check", 200, body=sweep_body)["count"] == 2
    sweep = {"sweep_id": call("POST", "/api/sweeps", 201, body=sweep_body)["id"]}
    assert call("GET", "/api/sweeps", 200)[0]["id"] == sweep["sweep_id"]
    assert len(call("GET", "/api/sweeps/{sweep_id}", 200, path_parameters=sweep)["runs"]) == 2
    assert call("POST", "/api/sweeps/{sweep_id}/stop", 200, path_parameters=sweep)["status"] == "stopped"
    call("DELETE", "/api/sweeps/{sweep_id}", 204, path_parameters=sweep)
    middle = [n["id"] for n in GRAPH["nodes"] if n["type"] not in ("Input", "Output")][:2]
    blocked = call("POST", "/api/graphs/make-block", 200, body={"graph": GRAPH, "nodes": middle, "name": "Pair"})
    block_node = next(n["id"] for n in blocked["graph"]["nodes"] if n["type"] == "Block")
    flat = call("POST", "/api/graphs/ungroup", 200, body={"graph": blocked["graph"], "node": block_node})
    assert not any(n["type"] == "Block" for n in flat["graph"]["nodes"])
    pair = blocked["graph"]["blocks"]["Pair"]
    kept_block = call("POST", "/api/blocks", 201, body={"name": "Pair", "block": pair, "input_shapes": [[2]]})
    assert [b["name"] for b in call("GET", "/api/blocks", 200)] == ["Pair"]
    call("DELETE", "/api/blocks/{block_id}", 204, path_parameters={"block_id": kept_block["id"]})
    assert call("POST", "/api/runs/{run_id}/stop", 200, path_parameters=queued)["status"] == "stopped"
    call("DELETE", "/api/runs/{run_id}", 204, path_parameters={"run_id": extra["id"]})

    operations = {(op.ok().method.upper(), op.ok().path) for op in schema.get_all_operations()}
    assert operations - visited == set()
