"""Token inputs end to end: the `sequences` and `chars` sets, int64 Inputs checked against the data at
submit time, class-per-position targets, and the sequence templates trained to above chance."""

from __future__ import annotations

import math

import pytest
import torch

from builder.engine.executor import RunSpec, run
from builder.engine.graph import list_templates
from builder.engine.graph.preprocess import encode_texts
from builder.engine.training import (
    ConfigError,
    RunPlanError,
    TrainConfig,
    check_compatibility,
    describe_dataset,
    load_dataset,
    plan_run,
    train,
)
from builder.engine.training.checks import build_loss, loss_targets
from builder.engine.training.datasets import sequences
from builder.engine.training.metrics import confusion_matrix, evaluate


def template(template_id: str) -> dict:
    return next(t["graph"] for t in list_templates() if t["id"] == template_id)


def float_graph(length: int = 16, classes: int = 4) -> dict:
    return {"format": "netbuilder.graph/1", "nodes": [
        {"id": "x", "type": "Input", "params": {"shape": [length]}},
        {"id": "fc", "type": "Linear", "params": {"out_features": classes}}, {"id": "y", "type": "Output"}],
        "edges": [{"source": "x", "target": "fc"}, {"source": "fc", "target": "y"}]}


def tokens_graph(*, length: int = 16, vocab: int = 4, classes: int = 4) -> dict:
    return {"format": "netbuilder.graph/1", "nodes": [
        {"id": "tokens", "type": "Input", "params": {"shape": [length], "dtype": "int64"}},
        {"id": "embed", "type": "Embedding", "params": {"num_embeddings": vocab, "embedding_dim": 8}},
        {"id": "pool", "type": "Mean", "params": {"dim": 1}},
        {"id": "fc", "type": "Linear", "params": {"out_features": classes}}, {"id": "y", "type": "Output"}],
        "edges": [{"source": "tokens", "target": "embed"}, {"source": "embed", "target": "pool"},
                  {"source": "pool", "target": "fc"}, {"source": "fc", "target": "y"}]}


# The sets ------------------------------------------------------------------------------------------


def test_each_sequence_task_labels_the_tokens_by_its_rule():
    ds = {task: load_dataset("sequences", task=task, length=6, vocab=4, size=50, seed=1) for task in sequences.TASKS}
    x = ds["majority"].x
    assert x.dtype == torch.int64 and x.shape == (50, 6) and 0 <= int(x.min()) and int(x.max()) == 3
    for task in sequences.TASKS:  # the same seed draws the same tokens whatever the task
        assert torch.equal(ds[task].x, x)
    for row in range(50):
        tokens = x[row].tolist()
        counts = [tokens.count(t) for t in range(4)]
        assert int(ds["majority"].y[row]) == counts.index(max(counts))  # a tie goes to the smallest token
        assert int(ds["parity"].y[row]) == sum(tokens) % 2
        assert ds["sort"].y[row].tolist() == sorted(tokens)
        assert ds["reverse"].y[row].tolist() == tokens[::-1]
    assert ds["parity"].classes == ["even", "odd"] and ds["majority"].classes == ["0", "1", "2", "3"]
    assert (ds["majority"].label_shape, ds["sort"].label_shape, ds["reverse"].y.shape) == ((), (6,), (50, 6))
    assert ds["sort"].describe()["label_shape"] == [6] and "label_shape" not in ds["majority"].describe()


def test_a_tie_in_majority_goes_to_the_smallest_token():
    ds = load_dataset("sequences", task="majority", length=2, vocab=3, size=200, seed=0)
    ties = [(row, int(label)) for row, label in zip(ds.x.tolist(), ds.y, strict=True) if row[0] != row[1]]
    assert ties and all(label == min(row) for row, label in ties)


@pytest.mark.parametrize("task", sequences.TASKS)
def test_the_facts_of_each_sequence_task_are_what_loading_it_gives(task):
    facts = describe_dataset("sequences", task=task, length=12, vocab=7, size=100)
    loaded = load_dataset("sequences", task=task, length=12, vocab=7, size=100)

    assert (facts.dtype, facts.input_shape, facts.label_shape, facts.classes, facts.vocab_size) == (
        "int64", (12,), loaded.label_shape, loaded.classes, 7)
    assert facts.describe()["dtype"] == loaded.describe()["dtype"] == "int64"
    # int64 tokens, and int64 labels per position where there are some
    assert facts.decoded_bytes == 100 * 12 * 8 + (100 * 12 * 8 if task in ("sort", "reverse") else 0)


def test_chars_are_windows_of_pythons_docstrings_with_the_next_character_as_target():
    ds = load_dataset("chars", length=40, size=64, seed=2)
    text, modules = sequences.corpus()
    vocab = ds.info["tokenizer"]["vocab"]

    assert ds.x.dtype == torch.int64 and ds.x.shape == ds.y.shape == (64, 40) and ds.label_shape == (40,)
    assert len(vocab) == len(ds.classes) == ds.info["vocab_size"] == 96 and list(vocab) == ds.classes
    assert torch.equal(ds.x[:, 1:], ds.y[:, :-1])  # each target is the next input
    window = "".join(vocab[i] for i in ds.x[0].tolist()) + vocab[int(ds.y[0, -1])]
    assert window in text and len(text) == ds.info["text_chars"] <= sequences.CORPUS_MAX_CHARS
    assert "argparse" in modules and ds.info["modules"] == modules
    assert "Return" in text  # English prose, as the docstrings are
    assert encode_texts([window[:-1]], **ds.info["tokenizer"]).tolist() == [ds.x[0].tolist()]
    again, other = load_dataset("chars", length=40, size=64, seed=2), load_dataset("chars", length=40, size=64, seed=3)
    assert torch.equal(again.x, ds.x) and not torch.equal(other.x, ds.x)


def test_chars_with_target_next_label_each_window_by_the_character_after_it():
    by_position = load_dataset("chars", length=20, size=50, seed=4)
    ds = load_dataset("chars", length=20, size=50, seed=4, target="next")
    facts = describe_dataset("chars", length=20, size=50, seed=4, target="next")

    assert torch.equal(ds.x, by_position.x) and ds.y.shape == (50,) and ds.label_shape == ()
    assert torch.equal(ds.y, by_position.y[:, -1])  # the last position's next character
    assert (facts.label_shape, facts.input_shape, facts.num_classes) == ((), (20,), 96)


def with_96_classes(template_id: str) -> dict:
    """A one-class-per-sequence template widened to the characters' vocabulary (96 ids, 96 classes)."""
    widths = {"embed": {"num_embeddings": 96}, "fc": {"out_features": 96}}
    graph = template(template_id)
    return {**graph, "nodes": [{**n, "params": {**n.get("params", {}), **widths.get(n["id"], {})}}
                               for n in graph["nodes"]]}


def test_the_lstm_template_predicts_the_character_after_a_window_better_than_the_commonest():
    ds = load_dataset("chars", length=16, size=3000, target="next")
    plan = plan_run(with_96_classes("lstm_text"), ds, {"epochs": 8, "device": "cpu", "health": False, "units": False})
    torch.manual_seed(0)
    result = train(plan.compile(), ds, plan.config)

    assert result.status == "succeeded", result.error
    assert result.metrics["val_accuracy"] > chance(ds.y) + 0.05


def test_the_transformer_template_learns_the_characters_distribution_at_least():
    # Mean-pooled over the window, it is slow to learn which character comes last: its loss falls well
    # below a uniform guess's in a few epochs, its accuracy only later (char_lstm fits this set better).
    ds = load_dataset("chars", length=16, size=3000, target="next")
    config = {"epochs": 4, "batch_size": 32, "device": "cpu", "health": False, "units": False}
    plan = plan_run(with_96_classes("transformer_encoder"), ds, config)
    torch.manual_seed(0)
    result = train(plan.compile(), ds, plan.config)

    assert result.status == "succeeded", result.error
    assert result.metrics["val_loss"] < math.log(96) - 1


def test_a_preview_of_tokens_shows_ids_and_labels_per_position():
    preview = load_dataset("sequences", task="reverse", length=4, size=20).preview(2)
    first = preview["preview"][0]
    assert first["y"] == first["x"][::-1] and all(isinstance(v, int) for v in first["x"])
    assert sum(preview["class_counts"].values()) == 20 * 4  # every position counts


# Submit-time checks ---------------------------------------------------------------------------------


@pytest.mark.parametrize("source", ["facts", "data"])
def test_a_float_input_for_token_data_is_refused_naming_the_input_and_its_dtype(source):
    dataset = describe_dataset("sequences") if source == "facts" else load_dataset("sequences")
    with pytest.raises(RunPlanError) as e:
        plan_run(float_graph(), dataset, {})

    assert (e.value.node, e.value.field) == ("x", "dtype")
    assert e.value.message == ("The dataset 'sequences' gives int64 inputs (token ids for an Embedding), but Input "
                               "'x' has dtype float32; set its dtype to int64")
    assert e.value.to_dict() == {"node": "x", "field": "dtype",
                                 "message": "dataset gives int64; set dtype to int64"}


def test_token_ids_for_float_data_are_refused_naming_the_input():
    with pytest.raises(RunPlanError) as e:
        plan_run(tokens_graph(length=2, classes=2), describe_dataset("moons"), {})
    assert (e.value.node, e.value.field) == ("tokens", "dtype")
    assert "gives float32 inputs (float features), but Input 'tokens' has dtype int64" in e.value.message


def test_an_embedding_smaller_than_the_vocabulary_is_refused_before_a_step():
    with pytest.raises(RunPlanError) as e:
        plan_run(tokens_graph(vocab=3), describe_dataset("sequences", vocab=4), {})
    assert (e.value.node, e.value.field) == ("embed", "num_embeddings")
    assert e.value.message == ("The dataset 'sequences' has token ids 0 to 3, but Embedding 'embed' has "
                               "num_embeddings 3 (ids 0 to 2); set num_embeddings to at least 4")
    assert plan_run(tokens_graph(vocab=4), describe_dataset("sequences", vocab=4), {}).input["dtype"] == "int64"


def test_a_class_per_position_needs_scores_at_every_position():
    facts = describe_dataset("sequences", task="reverse", length=8, vocab=5)
    config = TrainConfig.from_dict({}, dataset=facts)
    assert check_compatibility((8, 5), facts, config) == (8, 5)
    with pytest.raises(ConfigError) as flat:
        check_compatibility((5,), facts, config)
    with pytest.raises(ConfigError) as classes:
        check_compatibility((8, 4), facts, config)
    assert flat.value.message == ("'Sequences' has a class per position ([8]), so CrossEntropyLoss needs outputs of "
                                  "shape [8, 5], scores for each of the 8 positions; the model gives [5]")
    assert classes.value.message == "CrossEntropyLoss needs 5 outputs for 5 classes; the model gives 4"


def test_the_loss_over_positions_is_the_mean_over_every_position():
    out = torch.randn(3, 4, 5)  # (B, L, C)
    y = torch.randint(0, 5, (3, 4))  # (B, L)
    expected = torch.nn.functional.cross_entropy(out.reshape(12, 5), y.reshape(12))
    torch.testing.assert_close(build_loss("CrossEntropyLoss")(out, y), expected)
    ds = load_dataset("sequences", task="sort", length=4, vocab=5, size=20)
    assert loss_targets(ds.y, dataset=ds, loss="MSELoss", outputs=5).shape == (20, 4, 5)  # one-hot per position
    assert loss_targets(ds.y, dataset=ds, loss="CrossEntropyLoss", outputs=5) is ds.y


def test_accuracy_top5_and_confusion_count_every_position():
    out = (-torch.arange(6.0)).expand(2, 3, 6)  # (B, L, C): class 0 first, class 5 last at every position
    labels = torch.tensor([[0, 1, 2], [3, 4, 5]])
    result = evaluate(torch.nn.Identity(), out, labels, labels, build_loss("CrossEntropyLoss"), batch_size=1)

    assert result.accuracy == pytest.approx(1 / 6) and result.top5 == 5 / 6  # of 6 positions: one is class 0, one is class 5
    assert result.predictions.shape == (2, 3) and not result.predictions.any()
    assert confusion_matrix(labels, result.predictions, 6) == [[1, 0, 0, 0, 0, 0]] * 6


# Training -------------------------------------------------------------------------------------------


def chance(y: torch.Tensor) -> float:
    """The accuracy of always answering the commonest class."""
    return torch.bincount(y.flatten()).max().item() / y.numel()


@pytest.mark.parametrize("template_id", ["lstm_text", "transformer_encoder"])
def test_the_sequence_templates_learn_the_majority_token_well_above_chance(template_id):
    ds = load_dataset("sequences", size=2000)
    plan = plan_run(template(template_id), ds, {"epochs": 6, "device": "cpu", "health": False, "units": False})
    torch.manual_seed(0)
    result = train(plan.compile(), ds, plan.config)

    assert result.status == "succeeded", result.error
    assert chance(ds.y) < 0.35 and result.metrics["val_accuracy"] > 0.8
    assert len(result.confusion) == 4


def test_a_char_lstm_predicts_the_next_character_better_than_the_commonest_one():
    ds = load_dataset("chars", size=1500)
    plan = plan_run(template("char_lstm"), ds, {"epochs": 3, "device": "cpu", "health": False, "units": False})
    torch.manual_seed(0)
    result = train(plan.compile(), ds, plan.config)

    assert result.status == "succeeded", result.error
    assert chance(ds.y) < 0.2 and result.metrics["val_accuracy"] > 0.25  # per character
    assert result.metrics["val_top5"] > result.metrics["val_accuracy"]


def test_the_executor_trains_a_template_on_token_data_and_writes_its_files(tmp_path):
    spec = RunSpec(run_id=1, graph=template("transformer_encoder"), dataset="sequences",
                   dataset_options={"size": 1500}, config={"epochs": 5, "seed": 0, "units": False},
                   out_dir=str(tmp_path / "out"), checkpoint_dir=str(tmp_path / "out" / "checkpoints"),
                   data_dir=str(tmp_path / "data"))
    messages: list[dict] = []
    final = run(spec, messages.append, stop=lambda: False, suspend=lambda: False)

    assert messages[0]["data"]["dataset"]["dtype"] == "int64"
    assert final["type"] == "finished" and final["data"]["status"] == "succeeded", final["data"]
    assert final["data"]["metrics"]["val_accuracy"] > 0.8
    assert {"pth", "model_py", "checkpoint", "onnx"} <= set(final["data"]["files"]), final["data"].get("onnx_error")
