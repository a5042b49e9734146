"""How the JSON API knows who is calling: a bearer token, or the browser's session (with CSRF)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer, django_auth

from builder.services.tokens import token_authenticate


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        user = token_authenticate(key=token)
        if user is not None:
            request.user = user
        return user


API_AUTH = [TokenAuth(), django_auth]
