"""Audit of Django's own sign-in and sign-out signals (framework events, not domain flow)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from jiedu.core import audit


@receiver(user_logged_in, dispatch_uid="jiedu_audit_login")
def audit_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit.record_standalone("auth.login", actor=user, object_type="accounts.user", object_id=user.pk)


@receiver(user_logged_out, dispatch_uid="jiedu_audit_logout")
def audit_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit.record_standalone("auth.logout", actor=user, object_type="accounts.user", object_id=user.pk)
