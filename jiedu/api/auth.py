"""API authentication (browser session with CSRF, or a bearer token) and the policy check per operation."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import HttpBearer, SessionAuth

from jiedu.accounts.services import api_token_authenticate
from jiedu.core import audit
from jiedu.core.errors import PermissionDenied
from jiedu.core.models import Outcome
from jiedu.policy.rules import Action, can


class TokenAuth(HttpBearer):
    openapi_description = "Integration token issued with `manage.py issue_api_token` (shown once)."

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_authenticate(token)
        if user is not None:
            request.user = user
        return user


class BrowserSessionAuth(SessionAuth):
    """The signed-in browser session; unsafe methods need the CSRF token (X-CSRFToken)."""


def requires(action: Action | str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Every API operation names its policy action; the OpenAPI matrix test checks that none is missing."""
    action = Action(action)

    def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(func)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            user = request.auth  # type: ignore[attr-defined]
            if not can(user, action):
                audit.record_standalone(
                    "access.denied",
                    actor=user,
                    outcome=Outcome.DENIED,
                    detail={"action": action, "path": request.path, "method": request.method},
                )
                raise PermissionDenied(_("Your role does not allow this."))
            return func(request, *args, **kwargs)

        wrapped.policy_action = action  # type: ignore[attr-defined]
        return wrapped

    return decorator
