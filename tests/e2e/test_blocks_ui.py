"""A graph built from blocks in a real browser: the Tiny ResNet template validates, trains from the Train
dialog, and its downloaded model.py (with its class Residual) loads the run's model.pth in plain PyTorch."""

from __future__ import annotations

import importlib.util

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def test_the_blocks_template_trains_from_the_builder_and_its_model_py_loads_the_weights(
        page: Page, live_server, tmp_path, screenshot):
    page.get_by_test_id("templates-button").click()
    page.get_by_test_id("template-resnet_blocks").click()
    # The Block nodes get their shapes from the server's analysis through the blocks.
    expect(page.get_by_test_id("node-shape-stage1")).to_contain_text("16")
    expect(page.get_by_test_id("node-shape-stage2")).to_contain_text("32")
    expect(page.get_by_test_id("node-error-stage1")).to_have_count(0)
    page.get_by_test_id("train-button").click()
    dialog = page.get_by_test_id("train-dialog")
    dialog.get_by_test_id("dataset-item-shapes").click()
    dialog.get_by_test_id("dataset-options").get_by_test_id("param-size").fill("120")
    dialog.get_by_test_id("config-form").get_by_test_id("param-epochs").fill("1")
    expect(dialog.get_by_test_id("train-check")).to_contain_text("Ready:", timeout=30_000)
    screenshot("train")
    dialog.get_by_test_id("train-submit").click()
    page.wait_for_url("**/runs/*/")
    run_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "succeeded", timeout=180_000)
    for kind, filename in (("pth", "model.pth"), ("model_py", "model.py")):
        with page.expect_download() as info:
            page.get_by_test_id(f"download-{kind}").click()
        info.value.save_as(tmp_path / filename)
    screenshot()

    import torch

    source = (tmp_path / "model.py").read_text()
    assert "class Residual(nn.Module):" in source
    assert "self.stage1 = nn.ModuleList([Residual(channels=16), Residual(channels=16)])" in source
    spec = importlib.util.spec_from_file_location("netbuilder_blocks_model", tmp_path / "model.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    main = source.split(":", 1)[0].strip('"')  # the docstring's first line names the network's class
    net = getattr(module, main)().eval()
    net.load_state_dict(torch.load(tmp_path / "model.pth", weights_only=True), strict=True)
    with torch.no_grad():
        assert net(torch.rand(2, 3, 32, 32)).shape == (2, 6)
    status, run = live_server.api.get(f"/api/runs/{run_id}")
    assert run["final_metrics"]["epoch"] == 1
