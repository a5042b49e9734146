"""A CSV with a text column: token ids, a vocabulary from the training split only, and a model.py whose
tokenize() reads new text as training did."""

from __future__ import annotations

import pytest
import torch

from builder.engine.graph import compile_graph, export_python
from builder.engine.graph.preprocess import encode_texts
from builder.engine.training import DatasetError, UploadLimits, export_preprocessing, load_upload
from builder.engine.training.datasets.text import build_tokenizer
from builder.engine.training.datasets.uploads import TEXT_SPLIT_SEED, TEXT_VAL_FRACTION

REVIEWS = [("a great film", "pos"), ("a dull film", "neg"), ("great acting", "pos"), ("dull and slow", "neg"),
           ("great great fun", "pos"), ("slow film", "neg"), ("fun and great", "pos"), ("dull acting", "neg"),
           ("a fun ride", "pos"), ("so slow", "neg")]


def reviews_csv(tmp_path, rows=REVIEWS, header="id,review,label"):
    path = tmp_path / "reviews.csv"
    lines = [header] + [f"{i},{text},{label}" for i, (text, label) in enumerate(rows)]
    path.write_text("\n".join(lines) + "\n")
    return path


def split_of(n: int) -> tuple[list[int], list[int]]:
    """The rows a text upload holds out (validation) and trains on, as its loader splits them."""
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(TEXT_SPLIT_SEED)).tolist()
    n_val = max(1, round(n * TEXT_VAL_FRACTION))
    return perm[:n_val], perm[n_val:]


def test_a_text_column_becomes_token_ids_with_a_vocabulary_of_the_training_texts_only(tmp_path):
    rows = [(f"{text} by{i}", label) for i, (text, label) in enumerate(REVIEWS)]  # a word only this row has
    ds = load_upload(reviews_csv(tmp_path, rows), kind="csv", options={"text": "review", "tokens": "word"})
    val, train = split_of(len(REVIEWS))
    expected = build_tokenizer([rows[i][0] for i in train], unit="word")
    tokenizer = ds.info["tokenizer"]

    assert ds.dtype == "int64" and ds.fixed_split
    assert tokenizer["vocab"] == expected.vocab and tokenizer["vocab"][:2] == ["<pad>", "<unk>"]
    assert ds.vocab_size == len(expected.vocab)
    assert tokenizer["length"] == max(len(rows[i][0].split()) for i in train)
    assert ds.x.tolist() == encode_texts([rows[i][0] for i in train], **tokenizer).tolist()
    assert ds.x_val.tolist() == encode_texts([rows[i][0] for i in val], **tokenizer).tolist()
    assert ds.classes == ["neg", "pos"]
    assert ds.y.tolist() == [["neg", "pos"].index(rows[i][1]) for i in train]
    # A word that only a validation text has is unknown: the vocabulary never saw it.
    only_val = {w for i in val for w in rows[i][0].split()} - {w for i in train for w in rows[i][0].split()}
    assert only_val and not only_val & set(tokenizer["vocab"])
    assert "columns not read: id" in ds.description


def test_words_are_ordered_by_frequency_then_spelling_after_padding_and_unknown():
    tok = build_tokenizer(["b a a", "c b a"], unit="word")
    assert tok.vocab == ["<pad>", "<unk>", "a", "b", "c"] and (tok.pad_id, tok.unk_id, tok.length) == (0, 1, 3)
    assert encode_texts(["a z", "c c c c"], **tok.spec()).tolist() == [[2, 1, 0], [4, 4, 4]]


def test_characters_and_a_length_cut_and_pad_each_text(tmp_path):
    ds = load_upload(reviews_csv(tmp_path), kind="csv", options={"text": "review", "length": 6})
    tokenizer = ds.info["tokenizer"]
    assert tokenizer["unit"] == "char" and tokenizer["length"] == 6 and ds.input_shape == (6,)
    ids = encode_texts(["ab", "great film"], **tokenizer)
    vocab = tokenizer["vocab"]
    assert ids[1].tolist() == [vocab.index(c) for c in "great "]
    assert ids[0, 2:].tolist() == [0, 0, 0, 0]


@pytest.mark.parametrize(("options", "field", "message"), [
    ({"text": "body"}, "text", "No column 'body' for text; the columns are id, review, label"),
    ({"text": "label"}, "text", "Column 'label' can't be both the text and the target"),
    ({"text": "review", "tokens": "bytes"}, "tokens", "tokens must be one of 'char', 'word', got 'bytes'"),
    ({"text": "review", "length": 0}, "length", "length must be at least 1, got 0"),
])
def test_bad_text_options_name_the_option(tmp_path, options, field, message):
    with pytest.raises(DatasetError) as e:
        load_upload(reviews_csv(tmp_path), kind="csv", options=options)
    assert (e.value.field, e.value.message) == (field, message)


def test_texts_that_would_decode_past_the_limit_are_refused_naming_the_length(tmp_path):
    limits = UploadLimits(max_dataset_bytes=10 * 100 * 8 - 1)  # ten texts of 100 ids, one byte short
    with pytest.raises(DatasetError) as e:
        load_upload(reviews_csv(tmp_path), kind="csv", options={"text": "review", "length": 100}, limits=limits)
    assert e.value.field == "length" and "reviews.csv (10 texts of 100 tokens) would decode to" in e.value.message


BAG_OF_WORDS = {"format": "netbuilder.graph/1", "name": "Reviews", "nodes": [
    {"id": "tokens", "type": "Input", "params": {"shape": [3], "dtype": "int64"}},
    {"id": "embed", "type": "Embedding", "params": {"num_embeddings": 12, "embedding_dim": 4}},
    {"id": "pool", "type": "Mean", "params": {"dim": 1}},
    {"id": "head", "type": "Linear", "params": {"out_features": 2}}, {"id": "y", "type": "Output"}],
    "edges": [{"source": "tokens", "target": "embed"}, {"source": "embed", "target": "pool"},
              {"source": "pool", "target": "head"}, {"source": "head", "target": "y"}]}


def test_model_py_holds_the_vocabulary_and_tokenize_reads_new_text_as_training_did(tmp_path):
    ds = load_upload(reviews_csv(tmp_path), kind="csv", options={"text": "review", "tokens": "word"})
    preprocessing = export_preprocessing(ds)
    assert preprocessing == {"tokens": ds.info["tokenizer"]}
    graph = {**BAG_OF_WORDS, "nodes": [dict(n) for n in BAG_OF_WORDS["nodes"]]}
    graph["nodes"][0] = {**graph["nodes"][0], "params": {"shape": [ds.input_shape[0]], "dtype": "int64"}}
    graph["nodes"][1] = {**graph["nodes"][1], "params": {"num_embeddings": ds.vocab_size, "embedding_dim": 4}}
    source = export_python(graph, preprocessing=preprocessing)
    namespace: dict = {}
    exec(compile(source, "model.py", "exec"), namespace)

    texts = [REVIEWS[i][0] for i in split_of(len(REVIEWS))[1]]
    assert namespace["TOKENIZER"] == ds.info["tokenizer"]
    assert namespace["tokenize"](texts).tolist() == ds.x.tolist()
    assert namespace["tokenize"](["a brand new film"]).tolist()[0][:2] == [ds.info["tokenizer"]["vocab"].index("a"), 1]
    gm = compile_graph(graph).eval()
    net = namespace["Reviews"]().eval()
    net.load_state_dict(gm.state_dict())
    with torch.no_grad():
        torch.testing.assert_close(net(namespace["tokenize"](texts)), gm(ds.x))


def test_texts_of_several_lengths_without_padding_are_refused_in_plain_words():
    spec = {"unit": "char", "vocab": ["a", "b"], "length": None, "pad_id": None, "unk_id": None}
    assert encode_texts(["ab", "ba"], **spec).tolist() == [[0, 1], [1, 0]]
    with pytest.raises(ValueError, match="the texts have 1 to 2 tokens, and without padding they must have one length"):
        encode_texts(["ab", "b"], **spec)


def test_a_model_without_token_inputs_has_no_tokenizer():
    assert "tokenize" not in export_python(BAG_OF_WORDS) and "TOKENIZER" not in export_python(BAG_OF_WORDS)


def test_the_lstm_template_trains_on_an_uploaded_text_csv_and_its_model_py_reads_raw_text(tmp_path):
    import importlib.util
    import random

    from builder.engine.executor import RunSpec, run
    from builder.engine.graph import list_templates

    words = {"pos": ["great", "fun", "superb", "lovely"], "neg": ["dull", "slow", "awful", "bland"]}
    filler = ["the", "film", "was", "a", "plot", "and", "cast"]
    rng = random.Random(0)
    rows = []
    for _ in range(400):
        label = rng.choice(["pos", "neg"])
        text = [rng.choice(filler) for _ in range(rng.randint(3, 8))]
        text.insert(rng.randrange(len(text) + 1), rng.choice(words[label]))
        rows.append((" ".join(text), label))
    path = reviews_csv(tmp_path, rows)
    graph = next(t["graph"] for t in list_templates() if t["id"] == "lstm_text")
    graph = {**graph, "nodes": [{**n, "params": {**n["params"], "out_features": 2}} if n["id"] == "fc" else n
                                for n in graph["nodes"]]}
    options = {"text": "review", "tokens": "word", "length": 16}  # as the template's Input
    spec = RunSpec(run_id=1, graph=graph, dataset="", dataset_options={}, config={"epochs": 30, "seed": 0,
                   "units": False, "batch_size": 16, "lr": 0.003}, out_dir=str(tmp_path / "out"),
                   checkpoint_dir=str(tmp_path / "out" / "checkpoints"), data_dir=str(tmp_path / "data"),
                   upload={"path": str(path), "kind": "csv", "options": options, "max_bytes": 2**20})
    final = run(spec, lambda message: None, stop=lambda: False, suspend=lambda: False)

    assert final["data"]["status"] == "succeeded", final["data"]
    assert final["data"]["metrics"]["val_accuracy"] > 0.9
    out = tmp_path / "out"
    assert {"pth", "model_py", "onnx"} <= set(final["data"]["files"])
    module_spec = importlib.util.spec_from_file_location("text_model", out / "model.py")
    model = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(model)
    net = model.LSTMClassifier().eval()
    net.load_state_dict(torch.load(out / "model.pth", weights_only=True))
    ids = model.tokenize(["the film was superb", "a dull plot and cast"])
    with torch.no_grad():
        scores = net(ids)
    assert scores.argmax(1).tolist() == [1, 0]  # classes in order: neg, pos
    import onnxruntime

    session = onnxruntime.InferenceSession(str(out / "model.onnx"), providers=["CPUExecutionProvider"])
    (onnx_scores,) = session.run(None, {session.get_inputs()[0].name: ids.numpy()})
    torch.testing.assert_close(torch.from_numpy(onnx_scores), scores, atol=1e-5, rtol=1e-5)
