import io
import zipfile

import numpy as np
import pytest
import torch
from PIL import Image

from builder.engine.training import DatasetError, UploadLimits, load_upload


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text)
    return path


def png(color: tuple[int, int, int], size: int = 10) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (size, size), color).save(buf, format="PNG")
    return buf.getvalue()


def make_zip(tmp_path, members: dict[str, bytes], name: str = "images.zip"):
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as zf:
        for member, data in members.items():
            zf.writestr(member, data)
    return path


def test_a_csv_becomes_standardised_features_and_named_classes(tmp_path):
    path = write(
        tmp_path, "flowers.csv", "width,height,species\n1,10,rose\n2,20,tulip\n3,30,rose\n4,40,lily\n"
    )

    ds = load_upload(path, kind="csv", options={"target": "species"})

    assert ds.task == "classification" and ds.classes == ["lily", "rose", "tulip"]
    assert ds.y.tolist() == [1, 2, 1, 0]
    assert ds.x.shape == (4, 2)
    assert torch.allclose(ds.x.mean(0), torch.zeros(2), atol=1e-6)
    assert ds.info["standardized"]["mean"] == [2.5, 25.0]


def test_a_csv_with_a_continuous_target_is_a_regression(tmp_path):
    rows = "\n".join(f"{i},{i * 0.5 + 0.25}" for i in range(30))
    ds = load_upload(write(tmp_path, "r.csv", "x,y\n" + rows + "\n"), kind="csv", options={})

    assert ds.task == "regression" and ds.y.shape == (30, 1) and float(ds.y[3, 0]) == 1.75


def test_a_csv_with_a_ragged_row_names_the_line(tmp_path):
    path = write(tmp_path, "bad.csv", "a,b,label\n1,2,0\n3,4\n5,6,1\n")

    with pytest.raises(DatasetError) as e:
        load_upload(path, kind="csv", options={})

    assert e.value.message == "Line 3 has 2 cells; the header has 3"
    assert e.value.row == 3


def test_a_csv_with_a_non_numeric_cell_names_line_and_column(tmp_path):
    path = write(tmp_path, "bad.csv", "age,income,label\n30,100,0\n41,lots,1\n")

    with pytest.raises(DatasetError) as e:
        load_upload(path, kind="csv", options={})

    assert e.value.message == ("Line 3, column 'income': 'lots' is not a number (to read the column as text, "
                               "set the option text: income)")
    assert (e.value.row, e.value.column) == (3, "income")


def test_a_csv_target_that_does_not_exist_lists_the_columns(tmp_path):
    path = write(tmp_path, "t.csv", "a,b\n1,2\n3,4\n")

    with pytest.raises(DatasetError, match="No column 'price'; the columns are a, b"):
        load_upload(path, kind="csv", options={"target": "price"})


def test_a_csv_past_the_row_limit_names_the_limit(tmp_path):
    path = write(tmp_path, "big.csv", "a,b\n" + "1,0\n2,1\n" * 10)

    with pytest.raises(DatasetError, match="big.csv has more than 5 rows, the limit"):
        load_upload(path, kind="csv", options={}, limits=UploadLimits(max_rows=5))


def test_an_upload_past_the_size_limit_is_refused_before_parsing(tmp_path):
    path = write(tmp_path, "big.csv", "a,b\n" + "1,0\n" * 1000)

    with pytest.raises(DatasetError, match=r"big.csv is 0.0 MB; uploads are limited to 0.0 MB"):
        load_upload(path, kind="csv", options={}, limits=UploadLimits(max_bytes=100))


def test_an_npz_with_integer_labels_is_a_classification(tmp_path):
    path = tmp_path / "data.npz"
    np.savez(path, x=np.random.default_rng(0).normal(size=(20, 3, 4, 4)), y=np.arange(20) % 4)

    ds = load_upload(path, kind="npz", options={})
    preview = ds.preview(3)

    assert ds.input_shape == (3, 4, 4) and ds.classes == ["0", "1", "2", "3"]
    assert preview["class_counts"] == {"0": 5, "1": 5, "2": 5, "3": 5}
    assert [s["y"] for s in preview["preview"]] == [0, 1, 2]
    assert len(preview["preview"][0]["x"]) == 3


def test_an_npz_whose_y_does_not_match_x_says_the_shapes(tmp_path):
    path = tmp_path / "data.npz"
    np.savez(path, x=np.zeros((10, 2)), y=np.zeros(9, dtype=np.int64))

    with pytest.raises(
        DatasetError, match=r"y must have shape \(10,\) or \(10, k\) to match x; it has shape \[9\]"
    ):
        load_upload(path, kind="npz", options={})


def test_an_npz_without_x_and_y_lists_what_it_holds(tmp_path):
    path = tmp_path / "data.npz"
    np.savez(path, features=np.zeros((10, 2)))

    with pytest.raises(DatasetError, match="data.npz needs arrays named x and y; it holds features"):
        load_upload(path, kind="npz", options={})


def test_an_image_zip_becomes_resized_images_with_folder_classes(tmp_path):
    path = make_zip(
        tmp_path,
        {
            "pets/cat/1.png": png((255, 0, 0)),
            "pets/cat/2.png": png((250, 0, 0)),
            "pets/dog/1.png": png((0, 0, 255), size=20),
            "__MACOSX/pets/._1.png": b"junk",
        },
    )

    ds = load_upload(path, kind="imagezip", options={"size": 8})

    assert ds.classes == ["cat", "dog"] and ds.y.tolist() == [0, 0, 1]
    assert ds.x.shape == (3, 3, 8, 8)
    assert float(ds.x[0, 0].mean()) == 1.0 and float(ds.x[2, 2].mean()) == 1.0


def test_a_zip_that_escapes_its_folder_is_refused(tmp_path):
    path = make_zip(tmp_path, {"cat/1.png": png((1, 2, 3)), "../../etc/evil.png": png((1, 2, 3))})

    with pytest.raises(DatasetError) as e:
        load_upload(path, kind="imagezip", options={})

    assert e.value.message == "'../../etc/evil.png' in images.zip points outside the zip's folder"
    assert e.value.file == "../../etc/evil.png"


def test_a_zip_that_expands_past_the_limit_is_refused_before_decoding(tmp_path):
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a/zeros.png", b"\0" * 2_000_000)
        zf.writestr("b/zeros.png", b"\0" * 2_000_000)

    with pytest.raises(DatasetError, match="bomb.zip expands past 1.0 MB, the limit"):
        load_upload(path, kind="imagezip", options={}, limits=UploadLimits(max_expanded_bytes=2**20))


def test_a_broken_image_in_a_zip_is_named(tmp_path):
    path = make_zip(tmp_path, {"cat/1.png": png((1, 2, 3)), "dog/2.png": b"not a png"})

    with pytest.raises(DatasetError, match="'dog/2.png' is not a readable image") as e:
        load_upload(path, kind="imagezip", options={})

    assert e.value.file == "dog/2.png"


def test_images_outside_class_folders_are_refused(tmp_path):
    path = make_zip(tmp_path, {"cat/1.png": png((1, 2, 3)), "stray.png": png((1, 2, 3))})

    with pytest.raises(DatasetError, match="'stray.png' is not in a class folder"):
        load_upload(path, kind="imagezip", options={})


def test_an_unknown_upload_option_is_named(tmp_path):
    path = write(tmp_path, "t.csv", "a,b\n1,0\n2,1\n")

    with pytest.raises(DatasetError) as e:
        load_upload(path, kind="csv", options={"targte": "b"})

    assert e.value.field == "targte"


def test_an_npz_of_int64_tokens_stays_int64_and_says_so_in_its_facts(tmp_path):
    from builder.engine.training import DatasetFacts, RunPlanError, plan_run

    path = tmp_path / "tokens.npz"
    x = np.random.default_rng(0).integers(0, 50, size=(30, 12))  # int64 token ids
    np.savez(path, x=x, y=np.arange(30) % 3)
    ds = load_upload(path, kind="npz", options={})
    facts = DatasetFacts.of_description(ds.describe())  # what a stored upload is checked against

    assert ds.x.dtype == torch.int64 and torch.equal(ds.x, torch.from_numpy(x))
    assert ds.describe()["dtype"] == facts.dtype == "int64" and ds.info["vocab_size"] == facts.vocab_size == int(x.max()) + 1
    assert facts.decoded_bytes == 30 * 12 * 8
    graph = {"format": "netbuilder.graph/1", "nodes": [
        {"id": "feats", "type": "Input", "params": {"shape": [12]}},
        {"id": "fc", "type": "Linear", "params": {"out_features": 3}}, {"id": "y", "type": "Output"}],
        "edges": [{"source": "feats", "target": "fc"}, {"source": "fc", "target": "y"}]}
    with pytest.raises(RunPlanError) as e:
        plan_run(graph, facts, {})
    assert (e.value.node, e.value.field) == ("feats", "dtype")
    assert "gives int64 inputs (token ids for an Embedding), but Input 'feats' has dtype float32" in e.value.message


def test_an_npz_dtype_option_says_whether_integers_are_tokens_or_features(tmp_path):
    path = tmp_path / "pixels.npz"
    np.savez(path, x=np.arange(40, dtype=np.int64).reshape(10, 4), y=np.arange(10) % 2)
    assert load_upload(path, kind="npz", options={"dtype": "float32"}).x.dtype == torch.float32
    uint8 = tmp_path / "uint8.npz"
    np.savez(uint8, x=np.zeros((10, 4), dtype=np.uint8), y=np.arange(10) % 2)
    assert load_upload(uint8, kind="npz", options={}).x.dtype == torch.float32  # auto: uint8 images are features
    floats = tmp_path / "floats.npz"
    np.savez(floats, x=np.full((10, 4), 0.5), y=np.arange(10) % 2)
    with pytest.raises(DatasetError, match="x with dtype int64 must hold integers") as e:
        load_upload(floats, kind="npz", options={"dtype": "int64"})
    assert e.value.field == "x"


def test_a_negative_token_id_is_refused_naming_its_sample(tmp_path):
    path = tmp_path / "tokens.npz"
    x = np.zeros((10, 4), dtype=np.int64)
    x[6, 2] = -1
    np.savez(path, x=x, y=np.arange(10) % 2)
    with pytest.raises(DatasetError) as e:
        load_upload(path, kind="npz", options={})
    assert e.value.message == "x holds token ids, which must be 0 or more; found -1 (first in sample 6)"
    assert (e.value.field, e.value.row) == ("x", 6)


def test_an_npz_with_a_label_per_position_is_a_sequence_classification(tmp_path):
    path = tmp_path / "tags.npz"
    x = np.random.default_rng(1).integers(0, 9, size=(20, 5))
    np.savez(path, x=x, y=x % 3)  # a tag per token
    ds = load_upload(path, kind="npz", options={"task": "classification"})

    assert ds.task == "classification" and ds.label_shape == (5,) and ds.classes == ["0", "1", "2"]
    assert torch.equal(ds.y, torch.from_numpy(x % 3)) and ds.describe()["label_shape"] == [5]
    assert load_upload(path, kind="npz", options={}).task == "regression"  # auto: a 2-D y is values, as before
