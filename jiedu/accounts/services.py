"""Sign-in, sign-out, roles and API tokens. Lockout and its audit entry share one transaction."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from jiedu.accounts.models import ApiToken, Role, RoleAssignment, User
from jiedu.core import audit, clock
from jiedu.core.errors import DomainError, FieldErrors
from jiedu.core.models import Outcome
from jiedu.policy.rules import role_allowed_in


class LoginRefused(DomainError):
    code = "login_refused"


def login_attempt(*, request: Any, username: str, password: str) -> User:
    """Check a password under the lockout policy. Returns the user or raises ``LoginRefused``.

    The failure count, the lock and their audit entries commit even though the attempt is refused. The
    message never says whether the name exists; a locked account says so (its owner needs to know).
    """
    refusal = _login_check(request=request, username=username, password=password)
    if isinstance(refusal, LoginRefused):
        raise refusal
    return refusal


def countersign(*, request: Any, user: Any, password: str, field: str = "witness_password") -> None:
    """The second person of a two-person record signs at the same terminal with their own password, under the
    same lockout policy as signing in (a wrong password counts towards the lock). Raises ``FieldErrors`` on
    ``field``; nobody is signed in or out."""
    if user is None:
        return  # the form reports the missing witness
    if not password:
        raise FieldErrors({field: [_("The witness signs by entering their own password.")]})
    result = _login_check(
        request=request, username=user.username, password=password, action="auth.countersign"
    )
    if isinstance(result, LoginRefused):
        message = (
            result.message
            if result.code == "locked"
            else _("This is not %(user)s's password.") % {"user": user.display_name}
        )
        raise FieldErrors({field: [message]})
    with transaction.atomic():
        _audit_attempt("auth.countersign", user, Outcome.SUCCESS, {"path": getattr(request, "path", "")})


def _audit_attempt(action: str, user: User, outcome: str, detail: dict[str, Any]) -> None:
    """An attempt on a known account, recorded against that account (the actor is not signed in)."""
    audit.record(
        action,
        organisation=user.organisation_id,
        username=user.username,
        outcome=outcome,
        object_type="accounts.user",
        object_id=user.pk,
        detail=detail,
    )


def _login_check(
    *, request: Any, username: str, password: str, action: str = "auth.login"
) -> User | LoginRefused:
    now = clock.now()
    generic = LoginRefused(_("The username or password is not correct."))
    with transaction.atomic(durable=True):
        user = User.objects.select_for_update().filter(username=username).first()
        if user is not None and user.locked_until and user.locked_until > now:
            _audit_attempt(action, user, Outcome.DENIED, {"reason": "locked"})
            minutes = max(1, math.ceil((user.locked_until - now).total_seconds() / 60))
            return LoginRefused(
                _(
                    "This account is locked after repeated failed sign-ins. Try again in %(m)d minutes or ask "
                    "your administrator."
                )
                % {"m": minutes},
                code="locked",
            )
        authenticated = authenticate(request, username=username, password=password)
        if authenticated is not None:
            User.objects.filter(pk=authenticated.pk).update(failed_login_count=0, locked_until=None)
            return authenticated
        if user is None:
            audit.record(
                action,
                username=username[:150],
                outcome=Outcome.FAILURE,
                detail={"reason": "unknown_user"},
            )
            return generic
        User.objects.filter(pk=user.pk).update(failed_login_count=F("failed_login_count") + 1)
        user.refresh_from_db(fields=["failed_login_count"])
        _audit_attempt(
            action,
            user,
            Outcome.FAILURE,
            {"reason": "bad_password", "failures": user.failed_login_count},
        )
        if user.failed_login_count < settings.JIEDU_LOGIN_MAX_FAILURES:
            return generic
        until = now + dt.timedelta(minutes=settings.JIEDU_LOGIN_LOCK_MINUTES)
        User.objects.filter(pk=user.pk).update(locked_until=until, failed_login_count=0)
        _audit_attempt(
            "auth.lockout",
            user,
            Outcome.DENIED,
            {"until": until.isoformat(), "minutes": settings.JIEDU_LOGIN_LOCK_MINUTES},
        )
        return LoginRefused(
            _("Too many failed sign-ins: the account is locked for %(m)d minutes.")
            % {"m": settings.JIEDU_LOGIN_LOCK_MINUTES},
            code="locked",
        )


def role_assign(*, actor: Any, user: User, role: str) -> RoleAssignment:
    if role not in Role.values:
        raise FieldErrors({"role": [_("Unknown role.")]})
    if user.organisation is None or not role_allowed_in(role, user.organisation.type):
        raise FieldErrors(
            {
                "role": [
                    _("The role %(role)s cannot be held in an organisation of this type.")
                    % {"role": Role(role).label}
                ]
            }
        )
    with transaction.atomic(durable=True):
        assignment, created = RoleAssignment.objects.get_or_create(user=user, role=role)
        if created:
            audit.record("user.role_assign", actor=actor, obj=user, detail={"role": role})
    return assignment


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown once


def _hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def api_token_issue(*, actor: Any, user: User, name: str) -> IssuedToken:
    if not name.strip():
        raise FieldErrors({"name": [_("Give the token a name that says which integration uses it.")]})
    secret = "jd_" + secrets.token_urlsafe(32)
    with transaction.atomic(durable=True):
        token = ApiToken.objects.create(
            user=user,
            name=name.strip(),
            prefix=secret[:11],
            key_hash=_hash_secret(secret),
            expires_at=clock.now() + settings.JIEDU_API_TOKEN_TTL,
        )
        audit.record(
            "api_token.issue", actor=actor, obj=token, detail={"user": user.username, "name": token.name}
        )
    return IssuedToken(token=token, secret=secret)


def api_token_revoke(*, actor: Any, token: ApiToken) -> None:
    with transaction.atomic(durable=True):
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=clock.now())
        audit.record("api_token.revoke", actor=actor, obj=token)


TOKEN_USE_RESOLUTION = dt.timedelta(minutes=1)


def api_token_authenticate(secret: str) -> User | None:
    if not secret.startswith("jd_"):
        return None
    token = (
        ApiToken.objects.select_related("user__organisation")
        .filter(key_hash=_hash_secret(secret), revoked_at__isnull=True, expires_at__gt=clock.now())
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = clock.now()
    if token.last_used_at is None or now - token.last_used_at > TOKEN_USE_RESOLUTION:
        # "Last used" to the minute: a busy integration does not write its token row on every request.
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
