"""Keeps the API's promise that every error is JSON, also for answers made outside the API's own
handlers (ninja's plain-text 405, Django's CSRF failure page)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse


class ApiJsonErrorsMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.path.startswith("/api/")
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith("application/json")
            and not getattr(response, "streaming", False)
        ):
            text = response.content.decode("utf-8", "replace").strip()
            plain = response.get("Content-Type", "").startswith("text/plain") and len(text) < 300
            detail = text if plain else response.reason_phrase
            if response.status_code == 403 and "CSRF" in text:
                detail = "CSRF check failed: send the X-CSRFToken header with the csrftoken cookie's value"
            answer = JsonResponse({"detail": detail, "errors": []}, status=response.status_code)
            if "Allow" in response:  # a 405 says which methods the route takes
                answer["Allow"] = response["Allow"]
            return answer
        return response


