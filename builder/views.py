"""Server-rendered pages: the single-page app's shell, sign-up, and the health check."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import UserCreationForm
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, ensure_csrf_cookie

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
        return redirect(_safe_next(request))
    return render(request, "registration/signup.html", {"form": form})


def _safe_next(request: HttpRequest) -> str:
    """The `next` page to go to after signing up, when it is on this site; "/" otherwise (no open redirect)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    ok = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    return target if target and ok else "/"


async def healthz(request: HttpRequest) -> JsonResponse:
    body = await health()
    return JsonResponse(body, status=200 if body["ok"] else 503)


@csrf_exempt  # it changes nothing: an unknown path is 404 for every method, not a CSRF 403
def api_not_found(request: HttpRequest, path: str = "") -> JsonResponse:
    """Any /api/ path the API does not define: JSON, like every other API error."""
    return JsonResponse({"detail": f"No API endpoint {request.path}", "errors": []}, status=404)
