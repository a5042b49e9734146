"""Sign up, log in, log out, and personal API tokens (stored hashed)."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from builder.models import ApiToken

pytestmark = pytest.mark.django_db


def test_sign_up_creates_the_user_and_logs_them_in(client):
    response = client.post(
        "/accounts/signup/",
        {"username": "carol", "password1": "a-Strong-pass-9876", "password2": "a-Strong-pass-9876"},
    )
    assert response.status_code == 302
    assert get_user_model().objects.filter(username="carol").exists()
    assert client.get("/api/me").json() == {"id": get_user_model().objects.get(username="carol").pk, "username": "carol"}


def test_sign_up_with_mismatched_passwords_says_so(client):
    response = client.post("/accounts/signup/", {"username": "dave", "password1": "a-Strong-pass-9876", "password2": "other-pass-1234"})
    assert response.status_code == 200
    assert "password fields didn" in response.content.decode()
    assert not get_user_model().objects.filter(username="dave").exists()


def test_log_in_and_log_out_through_the_forms(client, alice, password):
    assert client.post("/accounts/login/", {"username": "alice", "password": password}).status_code == 302
    assert client.get("/api/me").json()["username"] == "alice"
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/api/me").status_code == 401


def test_wrong_password_is_refused(client, alice):
    response = client.post("/accounts/login/", {"username": "alice", "password": "nope"})
    assert response.status_code == 200
    assert "Your username and password didn't match" in response.content.decode()


def test_app_shell_sends_anonymous_users_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/")


@pytest.mark.parametrize("path", ["/runs/", "/runs/7/", "/sweeps/", "/sweeps/3/", "/builder/"])
def test_every_page_of_the_app_is_served_by_the_app_shell(client, alice, path):
    client.force_login(alice)
    response = client.get(path)
    assert response.status_code == 200, path
    assert b'id="root"' in response.content


def test_create_token_prints_a_token_that_authenticates(client, alice):
    out = io.StringIO()
    call_command("create_token", "alice", stdout=out)
    key = out.getvalue().strip()
    assert key.startswith("nb_") and len(key) > 30
    response = client.get("/api/me", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200
    assert response.json()["username"] == "alice"


def test_tokens_are_stored_hashed(alice):
    out = io.StringIO()
    call_command("create_token", "alice", stdout=out)
    key = out.getvalue().strip()
    token = ApiToken.objects.get(user=alice)
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in {token.key_hash, token.prefix}
    assert token.prefix == key[:10]


def test_create_token_for_unknown_user_names_it(db):
    with pytest.raises(CommandError, match="No user named 'ghost'"):
        call_command("create_token", "ghost")


@pytest.mark.parametrize("header", ["Bearer nb_wrong", "Bearer ", "Basic YWxpY2U6cHc=", "nb_no_scheme"])
def test_bad_tokens_get_a_json_401(client, alice, header):
    response = client.get("/api/me", headers={"Authorization": header})
    assert response.status_code == 401
    body = response.json()
    assert "Authentication required" in body["detail"]
    assert body["errors"] == []


def test_token_of_an_inactive_user_is_refused(client, alice, token_for):
    key = token_for(alice)
    alice.is_active = False
    alice.save()
    assert client.get("/api/me", headers={"Authorization": f"Bearer {key}"}).status_code == 401


def test_session_writes_need_the_csrf_token(alice, password):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.login(username="alice", password=password)
    response = strict.post("/api/architectures", data={"name": "x", "graph": {}}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["detail"] == "CSRF check Failed"


def test_a_write_with_no_session_is_401_not_a_csrf_failure(db):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(
        "/api/architectures", data={"name": "x", "graph": {}}, content_type="application/json"
    )
    assert response.status_code == 401
    assert response.json()["detail"] == "Authentication required: log in, or send 'Authorization: Bearer <token>'"
