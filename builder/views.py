"""Server-rendered pages: the single-page app's shell, sign-up, and the health check."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import UserCreationForm
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie

from builder.health import health


@never_cache
@ensure_csrf_cookie
@login_required
def app_shell(request: HttpRequest, **_: object) -> HttpResponse:
    """The browser app (frontend/dist/index.html); it routes /, /runs/ and /runs/<id>/ itself."""
    index = settings.FRONTEND_DIST / "index.html"
    if not index.exists():
        return HttpResponse(
            "The frontend is not built yet: run `make run` (it builds frontend/ with npm).",
            status=503,
            content_type="text/plain",
        )
    return HttpResponse(index.read_text(encoding="utf-8"))


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("/")
    form = UserCreationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect(request.GET.get("next") or "/")
    return render(request, "registration/signup.html", {"form": form})


async def healthz(request: HttpRequest) -> JsonResponse:
    body = await health()
    return JsonResponse(body, status=200 if body["ok"] else 503)


def api_not_found(request: HttpRequest, path: str = "") -> JsonResponse:
    """Any /api/ path the API does not define: JSON, like every other API error."""
    return JsonResponse({"detail": f"No API endpoint {request.path}", "errors": []}, status=404)
