"""Token models over the API of a live embedded server: the LSTM and transformer templates train on a built-in
sequence task and on the character set, and each run's ONNX file answers as its model.py on int64 token ids."""

from __future__ import annotations

import importlib.util
from urllib.request import Request, urlopen

import pytest

from builder.engine.graph import list_templates

pytestmark = [pytest.mark.e2e]


def template(template_id: str, **widths: dict) -> dict:
    graph = next(t["graph"] for t in list_templates() if t["id"] == template_id)
    return {**graph, "nodes": [{**n, "params": {**n.get("params", {}), **widths.get(n["id"], {})}}
                               for n in graph["nodes"]]}


def download(live_server, run_id: int, fmt: str, path) -> None:
    api = live_server.api
    request = Request(f"{api.base}/api/runs/{run_id}/download?format={fmt}",
                      headers={"Authorization": f"Bearer {api.token}"})
    with urlopen(request, timeout=30) as response:
        path.write_bytes(response.read())


@pytest.mark.parametrize(("template_id", "dataset", "options"), [
    ("lstm_text", "sequences", {"task": "majority", "size": 800}),
    ("transformer_encoder", "sequences", {"task": "majority", "size": 800}),
    ("lstm_text", "chars", {"length": 16, "target": "next", "size": 800}),
    ("transformer_encoder", "chars", {"length": 16, "target": "next", "size": 800}),
])
def test_a_token_template_trains_over_the_api_and_its_onnx_answers_as_its_model_py(
        live_server, tmp_path, template_id, dataset, options):
    import onnxruntime
    import torch

    widths = {"embed": {"num_embeddings": 96}, "fc": {"out_features": 96}} if dataset == "chars" else {}
    status, run = live_server.api.post("/api/runs", {
        "graph": template(template_id, **widths), "dataset": dataset, "dataset_options": options,
        "config": {"epochs": 2, "seed": 0}})
    assert status == 201, run
    run = live_server.api.wait_for(run["id"], lambda r: r["status"] in ("succeeded", "failed"), timeout=240)
    assert run["status"] == "succeeded", run.get("error")
    # The ONNX file is written after the run's last message, off the run's own time.
    run = live_server.api.wait_for(run["id"], lambda r: "onnx" in r["files"] or r.get("onnx_error"), timeout=120)
    assert {"onnx", "model_py", "pth"} <= set(run["files"]), run.get("onnx_error")
    for fmt, name in (("py", "model.py"), ("pth", "model.pth"), ("onnx", "model.onnx")):
        download(live_server, run["id"], fmt, tmp_path / name)

    spec = importlib.util.spec_from_file_location(f"token_model_{run['id']}", tmp_path / "model.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    main = (tmp_path / "model.py").read_text().split(":", 1)[0].strip('"')
    net = getattr(module, main)().eval()
    net.load_state_dict(torch.load(tmp_path / "model.pth", weights_only=True), strict=True)
    tokens = torch.randint(0, 4 if dataset == "sequences" else 96, (5, 16))
    if dataset == "chars":  # the characters' model.py reads raw text too
        texts = ["The value of x. ", "Return a list of", "class Foo(Bar): ", "    def f(self):", "\n\nTo do this.   "]
        tokens = module.tokenize(texts)
    session = onnxruntime.InferenceSession(str(tmp_path / "model.onnx"), providers=["CPUExecutionProvider"])
    (onnx_out,) = session.run(None, {session.get_inputs()[0].name: tokens.numpy()})
    with torch.no_grad():
        torch.testing.assert_close(torch.from_numpy(onnx_out), net(tokens), atol=1e-5, rtol=1e-5)
    assert session.get_inputs()[0].type == "tensor(int64)"
