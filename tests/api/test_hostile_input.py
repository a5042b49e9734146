"""Hostile input: every malformed, oversized or lying request gets a 4xx JSON answer that names what is
wrong (issue #18), never a 500."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from builder.models import UploadedDataset
from tests.helpers import DIGITS_MLP

pytestmark = pytest.mark.django_db

TOO_BIG = "99999999999999999999999"  # past 64 bits


def upload(client, headers, name: str, content: bytes, **fields):
    return client.post("/api/datasets/uploads", {"file": SimpleUploadedFile(name, content), **fields}, headers=headers)


def png(colour: tuple[int, int, int]) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (6, 6), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def image_zip() -> bytes:
    """Two classes of one PNG each, stored uncompressed so that a test can edit their bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("a/one.png", png((255, 0, 0)))
        zf.writestr("b/two.png", png((0, 0, 255)))
    return buffer.getvalue()


def npy_header_only(shape: tuple[int, ...], descr: str = "<f8") -> bytes:
    """A .npy file whose header declares `shape` but that holds no data at all."""
    header = repr({"descr": descr, "fortran_order": False, "shape": shape}).encode("latin1")
    header += b" " * (63 - (10 + len(header)) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header


# --- 1. integers past 64 bits -------------------------------------------------------------------


def test_a_query_id_past_64_bits_is_422_naming_the_parameter(api, alice):
    response = api.as_user(alice).get(f"/api/runs?architecture={TOO_BIG}")
    assert response.status_code == 422
    body = response.json()
    assert body["errors"][0]["field"] == "architecture"
    assert "less than or equal to 9223372036854775807" in body["errors"][0]["message"]


@pytest.mark.parametrize(
    "method,path,field",
    [
        ("get", f"/api/runs/{TOO_BIG}", "run_id"),
        ("delete", f"/api/runs/{TOO_BIG}", "run_id"),
        ("post", f"/api/runs/{TOO_BIG}/stop", "run_id"),
        ("get", f"/api/architectures/{TOO_BIG}", "architecture_id"),
        ("get", f"/api/datasets/uploads/{TOO_BIG}", "dataset_id"),
        ("delete", f"/api/weights/{TOO_BIG}", "weights_id"),
    ],
)
def test_a_path_id_past_64_bits_is_422_naming_the_parameter(api, alice, method, path, field):
    response = getattr(api.as_user(alice), method)(path)
    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["field"] == field


@pytest.mark.parametrize("key", ["architecture", "init_weights"])
def test_a_body_id_past_64_bits_is_422_naming_the_field(api, alice, key):
    body = {"graph": DIGITS_MLP, "dataset": "digits", key: int(TOO_BIG)}
    response = api.as_user(alice).post("/api/runs", body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == key


def test_an_upload_id_past_64_bits_is_not_found(api, alice):
    response = api.as_user(alice).post("/api/runs", {"graph": DIGITS_MLP, "dataset": f"upload:{TOO_BIG}"})
    assert response.status_code == 404
    assert response.json()["errors"] == [{"field": "dataset", "message": "not found"}]


# --- 2. zips that lie -------------------------------------------------------------------------------


def test_an_image_zip_member_with_a_bad_crc_is_named(api, client, alice):
    data = bytearray(image_zip())
    at = data.index(b"b/two.png") + len("b/two.png") + 20  # inside the second member's PNG bytes
    data[at] ^= 0xFF
    response = upload(client, api.as_user(alice).headers, "images.zip", bytes(data))
    assert response.status_code == 400
    body = response.json()
    assert "'b/two.png' can't be read: Bad CRC-32" in body["detail"]
    assert body["errors"][0]["field"] == "file"


def test_an_image_zip_member_that_lies_about_its_size_is_named(api, client, alice):
    data = bytearray(image_zip())
    # shrink the declared sizes of the first member in its local header and the central directory
    real = len(png((255, 0, 0)))
    for sig in (b"PK\x03\x04", b"PK\x01\x02"):
        start = data.index(sig)
        offset = start + (18 if sig == b"PK\x03\x04" else 20)
        data[offset:offset + 8] = (real - 10).to_bytes(4, "little") * 2
    response = upload(client, api.as_user(alice).headers, "images.zip", bytes(data))
    assert response.status_code == 400
    assert "'a/one.png' can't be read" in response.json()["detail"]


def test_an_image_zip_with_an_unknown_compression_method_is_named(api, client, alice):
    data = bytearray(image_zip())
    for sig, offset in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
        start = data.index(sig)
        data[start + offset:start + offset + 2] = (99).to_bytes(2, "little")
    response = upload(client, api.as_user(alice).headers, "images.zip", bytes(data))
    assert response.status_code == 400
    assert "'a/one.png' can't be read" in response.json()["detail"]
    assert "compression method" in response.json()["detail"]


# --- 3. npz headers that declare too much -----------------------------------------------------------


def test_an_npz_declaring_a_huge_array_is_refused_from_its_header_naming_the_limit(api, client, alice):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("x.npy", npy_header_only((10**6, 10**6)))
        zf.writestr("y.npy", npy_header_only((10**6,), "<i8"))
    response = upload(client, api.as_user(alice).headers, "huge.npz", buffer.getvalue())
    assert response.status_code == 400
    body = response.json()
    assert body["detail"].startswith("Array x (shape [1000000, 1000000], float64) would decode to")
    assert "datasets are limited to 512.0 MB (NETBUILDER_MAX_DATASET_BYTES)" in body["detail"]
    assert body["errors"][0]["field"] == "x"
    assert UploadedDataset.objects.count() == 0


def test_the_dataset_limit_is_the_setting(api, client, alice, settings):
    settings.NETBUILDER_MAX_DATASET_BYTES = 1000
    buffer = io.BytesIO()
    np.savez(buffer, x=np.zeros((100, 4), "float32"), y=np.arange(100) % 2)
    response = upload(client, api.as_user(alice).headers, "data.npz", buffer.getvalue())
    assert response.status_code == 400
    assert "datasets are limited to 0.0 MB (NETBUILDER_MAX_DATASET_BYTES)" in response.json()["detail"]


def test_an_npz_with_a_bad_compression_method_is_named(api, client, alice):
    buffer = io.BytesIO()
    np.savez(buffer, x=np.zeros((10, 4), "float32"), y=np.arange(10) % 2)
    data = bytearray(buffer.getvalue())
    for sig, offset in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
        start = data.index(sig)
        data[start + offset:start + offset + 2] = (99).to_bytes(2, "little")
    response = upload(client, api.as_user(alice).headers, "data.npz", bytes(data))
    assert response.status_code == 400
    assert response.json()["detail"].startswith("Array x is not a readable .npy")


def test_the_stored_preview_of_big_samples_is_bounded(api, client, alice):
    buffer = io.BytesIO()
    np.savez(buffer, x=np.ones((8, 1000, 1000), "float32"), y=np.arange(8) % 2)
    response = upload(client, api.as_user(alice).headers, "wide.npz", buffer.getvalue())
    assert response.status_code == 201, response.json()
    stored = UploadedDataset.objects.get().description
    assert len(json.dumps(stored)) < 20_000
    assert stored["preview"][0] == {"x": [1.0] * 32, "y": 0, "truncated": True}
    assert stored["input_shape"] == [1000, 1000]


# --- 4. CSV -----------------------------------------------------------------------------------------


def test_a_csv_cell_over_the_field_limit_names_the_line(api, client, alice):
    content = b"a,label\n1,x\n" + b"2" * 131_073 + b",y\n"
    response = upload(client, api.as_user(alice).headers, "long.csv", content)
    assert response.status_code == 400
    assert response.json()["detail"] == "Line 3: a cell is over 131,072 characters, the limit"


@pytest.mark.parametrize("delimiter", ["ab", 5, ""])
def test_a_bad_csv_delimiter_is_named(api, client, alice, delimiter):
    response = upload(client, api.as_user(alice).headers, "t.csv", b"a,label\n1,x\n2,y\n",
                      options=json.dumps({"delimiter": delimiter}))
    assert response.status_code == 400
    body = response.json()
    assert body["errors"][0]["field"] == "delimiter"
    why = "be text" if delimiter == 5 else "be one character (not a quote or a line break)"
    assert body["detail"] == f"delimiter must {why}, got {delimiter!r}"


# --- 5. graph import --------------------------------------------------------------------------------


@pytest.mark.parametrize("body", ["[" * 1000, "[" * 200 + "]" * 200])
def test_a_graph_nested_too_deep_is_refused(api, alice, body):
    as_alice = api.as_user(alice)
    response = as_alice.client.post("/api/graphs/import", body, content_type="application/json",
                                    headers=as_alice.headers)
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "The graph is nested too deeply: more than 64 levels of lists and objects"
    assert body["errors"] == [{"field": "file", "message": "nested too deeply"}]


def test_a_json_body_nested_too_deep_is_refused_on_any_endpoint(api, alice):
    as_alice = api.as_user(alice)
    response = as_alice.client.post("/api/graphs/validate", '{"a":' * 100_000, content_type="application/json",
                                    headers=as_alice.headers)
    assert response.status_code == 400
    assert response.json()["detail"] == "Cannot parse request body"


def test_an_empty_multipart_import_names_the_missing_file(api, alice):
    as_alice = api.as_user(alice)
    response = as_alice.client.post("/api/graphs/import", {}, headers=as_alice.headers)
    assert response.status_code == 400
    body = response.json()
    assert body["errors"] == [{"field": "file", "message": "missing"}]
    assert body["detail"] == "No graph file: send it as the multipart field 'file', or the JSON as the body"


def test_a_multipart_body_whose_part_headers_never_end_is_a_400_naming_the_body(api, alice):
    as_alice = api.as_user(alice)
    boundary = "b0undary"
    body = f"--{boundary}\r\n".encode() + b"X" * 20_000 + f"\r\n--{boundary}--\r\n".encode()  # no blank line

    response = as_alice.client.post("/api/graphs/import", body, content_type=f"multipart/form-data; boundary={boundary}",
                                    headers=as_alice.headers)

    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "body", "message": "Request max total header size exceeded."}]


# --- 6. datasets that would decode past the limit ---------------------------------------------------


def test_a_builtin_preview_past_the_dataset_limit_names_it(api, alice):
    options = json.dumps({"size": 1_000_000, "features": 65536})
    response = api.as_user(alice).get(f"/api/datasets/builtin/random/preview?options={options}")
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == (
        "Dataset 'random' with size 1,000,000 × 65,536 values per sample would decode to 250,000.0 MB; "
        "datasets are limited to 512.0 MB (NETBUILDER_MAX_DATASET_BYTES)"
    )
    assert body["errors"][0]["field"] == "size"


def test_a_run_on_a_dataset_past_the_limit_names_it(api, alice):
    response = api.as_user(alice).post("/api/runs", {
        "graph": DIGITS_MLP, "dataset": "random", "dataset_options": {"size": 1_000_000, "features": 65536},
    })
    assert response.status_code == 400
    body = response.json()
    assert "NETBUILDER_MAX_DATASET_BYTES" in body["detail"]
    assert body["errors"][0]["field"] == "dataset_options.size"


def test_an_option_named_like_a_keyword_is_an_unknown_option(api, alice):
    response = api.as_user(alice).get("/api/datasets/builtin/moons/preview?options=" + json.dumps({"data_dir": "/"}))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "data_dir"


# --- 7. open redirects ------------------------------------------------------------------------------


def test_sign_up_does_not_redirect_off_site(client):
    response = client.post(
        "/accounts/signup/?next=https://evil.example/",
        {"username": "carol", "password1": "a-Strong-pass-9876", "password2": "a-Strong-pass-9876"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_sign_up_follows_a_next_page_on_this_site(client):
    response = client.post(
        "/accounts/signup/?next=/runs/",
        {"username": "carol", "password1": "a-Strong-pass-9876", "password2": "a-Strong-pass-9876"},
    )
    assert response["Location"] == "/runs/"


def test_log_in_does_not_redirect_off_site(client, alice, password):
    response = client.post("/accounts/login/?next=https://evil.example/", {"username": "alice", "password": password})
    assert response.status_code == 302
    assert response["Location"] == "/"


# --- 8. paths that name no endpoint -----------------------------------------------------------------


@pytest.mark.parametrize("method,path", [("post", "/api/runs/abc/stop"), ("delete", "/api/runs/abc")])
def test_a_non_integer_id_is_404_json_not_a_csrf_failure(alice, method, path):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)  # a logged-in session that sends no CSRF token
    client.force_login(alice)
    response = getattr(client, method)(path)
    assert response.status_code == 404
    assert response.json() == {"detail": f"No API endpoint {path}", "errors": []}


def test_a_method_a_route_does_not_take_is_a_json_405_that_says_which_it_takes(api, alice):
    response = api.as_user(alice).put("/api/layers", data="{}", content_type="application/json")
    assert response.status_code == 405
    assert response.json()["errors"] == []
    assert response["Allow"] == "GET"
