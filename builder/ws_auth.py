"""Who is on the other end of a websocket: Origin checks for browsers, bearer tokens for scripts."""

from __future__ import annotations

from urllib.parse import urlsplit

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest
from django.utils.http import is_same_domain

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


class _Handshake(HttpRequest):
    """A websocket handshake seen as a Django request, so that the Host header is validated against
    ALLOWED_HOSTS and proxy headers are read exactly as for HTTP (USE_X_FORWARDED_HOST,
    SECURE_PROXY_SSL_HEADER)."""

    def __init__(self, scope: dict) -> None:
        super().__init__()
        self._ws_scheme = scope.get("scheme", "ws")
        for name, value in scope.get("headers", []):
            key = "HTTP_" + name.decode("latin1").upper().replace("-", "_")
            value = value.decode("latin1")
            self.META[key] = f"{self.META[key]},{value}" if key in self.META else value
        if scope.get("server"):
            self.META["SERVER_NAME"], self.META["SERVER_PORT"] = scope["server"][0], str(scope["server"][1] or "")

    def _get_scheme(self) -> str:
        return "https" if self._ws_scheme == "wss" else "http"


def origin_allowed(scope: dict, origin: str) -> bool:
    """Whether a browser on `origin` may open this socket: the rule of Django's CSRF origin check.

    The origin must be this site as the browser reached it (scheme, host and port of an allowed Host
    header), or one of CSRF_TRUSTED_ORIGINS (`https://*.example.com` for subdomains).
    """
    request = _Handshake(scope)
    if "HTTP_HOST" in request.META or "SERVER_NAME" in request.META:
        try:
            if origin == f"{request.scheme}://{request.get_host()}":
                return True
        except DisallowedHost:
            pass
    trusted = settings.CSRF_TRUSTED_ORIGINS
    if origin in (o for o in trusted if "*" not in o):
        return True
    try:
        parsed = urlsplit(origin)
    except ValueError:
        return False
    return any(
        is_same_domain(parsed.netloc, urlsplit(o).netloc.lstrip("*"))
        for o in trusted if "*" in o and urlsplit(o).scheme == parsed.scheme
    )


class ScriptOrSameOriginValidator:
    """Browsers always send Origin: it must be this site (`origin_allowed`). A client without an Origin
    (a script) is let through only with a bearer token, so a cookie alone never opens a socket
    cross-site. A refused handshake is a plain HTTP 403."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        origin = _header(scope, b"origin")
        if origin is None:
            allowed = bearer_key(_header(scope, b"authorization")) is not None
        else:
            allowed = origin_allowed(scope, origin.decode("latin1"))
        if allowed:
            return await self.app(scope, receive, send)
        return await WebsocketDenier()(scope, receive, send)


def websocket_stack(inner):
    """Origin check, then session auth, then token auth (a token wins over a cookie)."""
    return ScriptOrSameOriginValidator(AuthMiddlewareStack(TokenAuthMiddleware(inner)))
