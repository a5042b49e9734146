"""Token models from the browser: the LSTM template trains on a built-in sequence task, the transformer encoder
on the character set (next character of a window), and a run's model.py tokenizes raw text."""

from __future__ import annotations

import importlib.util

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_builder import load_template, set_param

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def train(page: Page, dataset: str, options: dict[str, str], epochs: str, *, refused: str | None = None) -> int:
    """Submits the builder's graph from the Train dialog and waits for the run to succeed; its id. With
    `refused`, the dialog first shows that refusal for the dataset at its defaults."""
    page.get_by_test_id("train-button").click()
    dialog = page.get_by_test_id("train-dialog")
    dialog.get_by_test_id(f"dataset-item-{dataset}").click()
    if refused is not None:
        expect(dialog.get_by_test_id("train-error")).to_contain_text(refused, timeout=30_000)
    for name, value in options.items():
        field = dialog.get_by_test_id("dataset-options").get_by_test_id(f"param-{name}")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    dialog.get_by_test_id("config-form").get_by_test_id("param-epochs").fill(epochs)
    expect(dialog.get_by_test_id("train-check")).to_contain_text("Ready:", timeout=30_000)
    dialog.get_by_test_id("train-submit").click()
    page.wait_for_url("**/runs/*/")
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "succeeded", timeout=240_000)
    return int(page.url.rstrip("/").rsplit("/", 1)[1])


def test_the_lstm_template_trains_on_a_sequence_task_from_the_builder(page: Page, live_server, screenshot):
    load_template(page, "lstm_text")
    run_id = train(page, "sequences", {"task": "majority", "size": "1500"}, "6")
    screenshot()
    status, run = live_server.api.get(f"/api/runs/{run_id}")
    assert status == 200 and run["dataset"] == "sequences"
    assert run["final_metrics"]["val_accuracy"] > 0.8  # chance: about 0.3


def test_the_transformer_template_trains_on_the_characters_and_its_model_py_tokenizes_text(
        page: Page, live_server, tmp_path, screenshot):
    load_template(page, "transformer_encoder")
    set_param(page, "fc", "out_features", "96")  # a class per character of the vocabulary
    expect(page.get_by_test_id("node-shape-fc")).to_have_text("(96)")
    # At the set's defaults the dialog says what does not fit: 32 characters a window, 16 tokens an Input.
    run_id = train(page, "chars", {"length": "16", "target": "next", "size": "1500"}, "2",
                   refused="Input 'tokens' expects [16]")
    with page.expect_download() as info:
        page.get_by_test_id("download-model_py").click()
    info.value.save_as(tmp_path / "model.py")
    with page.expect_download() as info:
        page.get_by_test_id("download-pth").click()
    info.value.save_as(tmp_path / "model.pth")
    screenshot()

    import torch

    spec = importlib.util.spec_from_file_location("netbuilder_chars_model", tmp_path / "model.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    ids = module.tokenize(["Return the value of"[:16]])
    assert ids.shape == (1, 16) and ids.dtype == torch.int64
    assert ids[0, 0].item() == module.TOKENIZER["vocab"].index("R")
    main = (tmp_path / "model.py").read_text().split(":", 1)[0].strip('"')  # the docstring names the class
    net = getattr(module, main)().eval()
    net.load_state_dict(torch.load(tmp_path / "model.pth", weights_only=True), strict=True)
    with torch.no_grad():
        assert net(ids).shape == (1, 96)
    status, run = live_server.api.get(f"/api/runs/{run_id}")
    assert run["dataset_options"]["target"] == "next" and run["final_metrics"]["epoch"] == 2


def test_a_setting_that_does_nothing_shows_as_a_warning_on_its_node_and_leaves_the_graph_valid(page: Page, screenshot):
    load_template(page, "lstm_text")
    set_param(page, "lstm", "dropout", "0.3")
    message = "dropout 0.3 only acts between stacked layers; with num_layers 1 it does nothing"
    expect(page.get_by_test_id("node-warning-lstm")).to_have_text(f"dropout: {message}")
    expect(page.get_by_test_id("inspector-warnings")).to_have_text(f"dropout: {message}")
    expect(page.get_by_test_id("summary-warnings")).to_have_text("1")
    expect(page.get_by_test_id("summary-status")).to_have_text("Valid")
    screenshot()
    set_param(page, "lstm", "num_layers", "2")  # now the dropout acts between the two layers
    expect(page.get_by_test_id("node-warning-lstm")).to_have_count(0)
    expect(page.get_by_test_id("summary-warnings")).to_have_count(0)


def test_a_tied_output_head_is_picked_in_the_inspector_and_the_server_says_when_sizes_differ(page: Page, screenshot):
    load_template(page, "char_lstm")  # embed 96 × 48 → LSTM 128 → next 128 → 96
    expect(page.get_by_test_id("summary-status")).to_have_text("Valid")
    params = int(page.get_by_test_id("summary-params").inner_text().replace(",", ""))
    page.get_by_test_id("node-next").click()
    expect(page.get_by_test_id("node-id-input")).to_have_value("next")
    page.get_by_test_id("node-tie").select_option("embed")
    weights = page.get_by_test_id("shared-weights")
    expect(weights).to_contain_text("ties to 'embed', whose weight is [96, 48], but this Linear's is [96, 128]")
    expect(page.get_by_test_id("summary-errors")).to_have_text("1")
    screenshot()
    set_param(page, "lstm", "hidden_size", "48")  # now the head's weight is the embedding's shape
    expect(page.get_by_test_id("summary-status")).to_have_text("Valid")
    lstm = 4 * 48 * (48 + 48) + 2 * 4 * 48  # an LSTM of 48 → 48 with both biases
    expect(page.get_by_test_id("summary-params")).to_have_text(f"{96 * 48 + lstm + 96:,}")  # the head adds its bias only
    assert params == 96 * 48 + 4 * 128 * (48 + 128) + 2 * 4 * 128 + 128 * 96 + 96
    page.get_by_test_id("node-next").click()
    expect(page.get_by_test_id("node-tie")).to_have_value("embed")


def test_the_transformer_template_trains_on_a_sequence_task_and_the_lstm_on_the_characters(page: Page, live_server):
    # The other two of the four (template, set) pairs, also from the builder.
    load_template(page, "transformer_encoder")
    run_id = train(page, "sequences", {"task": "majority", "size": "1500"}, "3")
    status, run = live_server.api.get(f"/api/runs/{run_id}")
    assert (status, run["dataset"], run["final_metrics"]["epoch"]) == (200, "sequences", 3)
    assert run["graph"]["nodes"][4]["params"]["block"] == "EncoderLayer"  # trained in its blocks

    page.goto("/")
    load_template(page, "lstm_text")
    set_param(page, "fc", "out_features", "96")
    expect(page.get_by_test_id("node-shape-fc")).to_have_text("(96)")
    run_id = train(page, "chars", {"length": "16", "target": "next", "size": "1500"}, "2",
                   refused="Input 'tokens' expects [16]")
    status, run = live_server.api.get(f"/api/runs/{run_id}")
    assert (status, run["dataset"], run["dataset_options"]["target"]) == (200, "chars", "next")
    assert run["final_metrics"]["epoch"] == 2
