"""Who is on the other end of a websocket: Origin checks for browsers, bearer tokens for scripts."""

from __future__ import annotations

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.security.websocket import AllowedHostsOriginValidator
from django.contrib.auth.models import AnonymousUser

from builder.services.tokens import bearer_key, token_authenticate


def _header(scope: dict, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value
    return None


class TokenAuthMiddleware:
    """Sets scope["user"] from `Authorization: Bearer <token>`; otherwise leaves the session's user."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        key = bearer_key(_header(scope, b"authorization"))
        if key is not None:
            user = await database_sync_to_async(token_authenticate)(key=key)
            scope = dict(scope, user=user or AnonymousUser(), auth_method="token")
        return await self.app(scope, receive, send)


class ScriptOrSameOriginValidator:
    """Browsers always send Origin: it must name an allowed host. A client without an Origin (a script)
    is let through only with a bearer token, so a cookie alone never opens a socket cross-site."""

    def __init__(self, app) -> None:
        self.app = app
        self.browser_check = AllowedHostsOriginValidator(app)

    async def __call__(self, scope, receive, send):
        if _header(scope, b"origin") is None and bearer_key(_header(scope, b"authorization")):
            return await self.app(scope, receive, send)
        return await self.browser_check(scope, receive, send)


def websocket_stack(inner):
    """Origin check, then session auth, then token auth (a token wins over a cookie)."""
    return ScriptOrSameOriginValidator(AuthMiddlewareStack(TokenAuthMiddleware(inner)))
