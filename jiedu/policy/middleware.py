"""Deny by default: a page whose view names no policy action is refused (and the matrix test fails)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from jiedu.policy.views import deny

#: URL namespaces that enforce the policy themselves: the admin site (has_permission) and the API (auth).
SELF_GUARDED_NAMESPACES = frozenset({"admin", "api"})


class PolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        match = request.resolver_match
        if match is not None and SELF_GUARDED_NAMESPACES.intersection(match.namespaces):
            return None
        if getattr(view_func, "policy_action", None):
            return None
        return deny(request, "unguarded")
