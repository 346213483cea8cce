"""Guards for pages: every view names the policy action it needs (docs/adr/0005-policy-module.md)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from jiedu.core import audit
from jiedu.core.models import Outcome
from jiedu.policy.rules import Action, can

PUBLIC = "public"


def deny(request: HttpRequest, action: str) -> HttpResponse:
    """A denial says nothing about the object and changes nothing but the audit log."""
    audit.record_standalone(
        "access.denied",
        actor=request.user,
        outcome=Outcome.DENIED,
        detail={"action": action, "path": request.path, "method": request.method},
    )
    return render(request, "web/denied.html", status=403)


def guard(action: Action | str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    action = Action(action)

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not can(request.user, action):
                return deny(request, action)
            return view(request, *args, **kwargs)

        wrapped.policy_action = action  # type: ignore[attr-defined]
        return wrapped

    return decorator


def public(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Marks a view that anonymous users may reach (login, language switch)."""
    view.policy_action = PUBLIC  # type: ignore[attr-defined]
    return view
