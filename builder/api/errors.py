"""One error shape for the whole API: `{"detail": str, "errors": [...]}` with a 4xx status."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from builder.api.schemas import ErrorOut

log = logging.getLogger("builder.api")


class ApiError(Exception):
    """An error a service or endpoint raises for the API to turn into a 4xx answer."""

    def __init__(self, status: int, detail: str, errors: list[dict] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors or []


def error_responses(*statuses: int) -> dict[int, type[ErrorOut]]:
    """`response=` entries documenting the 4xx statuses a route answers, all with the one error body."""
    return dict.fromkeys(statuses, ErrorOut)


def _validation_errors(exc: ValidationError) -> list[dict]:
    errors = []
    for e in exc.errors:
        loc = [str(p) for p in e.get("loc", ())]
        # ninja prefixes the location with where it came from ("body", "query", the param name).
        field = ".".join(p for p in loc[1:] if p not in {"payload"}) or (loc[-1] if loc else "")
        errors.append({"loc": loc, "field": field, "message": e.get("msg", "invalid")})
    return errors


def install_error_handlers(api: NinjaAPI) -> None:
    def respond(request: HttpRequest, status: int, detail: str, errors: list[dict] | None = None) -> HttpResponse:
        return api.create_response(request, {"detail": detail, "errors": errors or []}, status=status)

    @api.exception_handler(ApiError)
    def api_error(request, exc: ApiError):
        return respond(request, exc.status, exc.detail, exc.errors)

    @api.exception_handler(ValidationError)
    def validation_error(request, exc: ValidationError):
        errors = _validation_errors(exc)
        where = ", ".join(f"{e['field']}: {e['message']}" for e in errors[:3])
        return respond(request, 422, f"Invalid request ({where})", errors)

    @api.exception_handler(AuthenticationError)
    def auth_error(request, exc: AuthenticationError):
        return respond(request, 401, "Authentication required: log in, or send 'Authorization: Bearer <token>'")

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        return respond(request, exc.status_code, str(exc))

    @api.exception_handler(Http404)
    def not_found(request, exc: Http404):
        return respond(request, 404, str(exc) or "Not found")

    @api.exception_handler(RequestDataTooBig)
    def too_big(request, exc: RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return respond(request, 413, f"The request body is over the {limit:,}-byte limit (NETBUILDER_MAX_GRAPH_BYTES)")

    @api.exception_handler(MultiPartParserError)
    def bad_multipart(request, exc: MultiPartParserError):
        # a malformed multipart body (a part's headers over Django's limit, a broken boundary): the client's fault
        return respond(request, 400, f"The multipart body can't be read: {exc}",
                       [{"field": "body", "message": str(exc)}])

    @api.exception_handler(PermissionDenied)
    def forbidden(request, exc: PermissionDenied):
        return respond(request, 403, str(exc) or "Forbidden")

    @api.exception_handler(Exception)
    def unexpected(request, exc: Exception):
        log.exception("Unhandled API error on %s %s", request.method, request.path)
        return respond(request, 500, "Internal error; it has been logged")
