from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from jiedu.core import context


def client_ip(request: HttpRequest) -> str | None:
    # Behind a reverse proxy the deployment sets JIEDU_TRUST_X_FORWARDED_FOR; by default the socket address.
    if getattr(settings, "JIEDU_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR")


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        channel = "api" if request.path.startswith("/api/") else "web"
        token = context.set_current(context.RequestContext(client_ip=client_ip(request), channel=channel))
        try:
            return self.get_response(request)
        finally:
            context.reset(token)
