"""Login policy: lockout, idle timeout, password rules, session rotation, logout ends the session."""

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from jiedu.accounts.models import User
from jiedu.core.models import AuditEntry
from jiedu.testing import PASSWORD

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"


def post_login(client, username="nurse_a", password=PASSWORD, **extra):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client.post(
        LOGIN,
        {"username": username, "password": password, **extra},
    )


def test_login_rotates_the_session_and_is_audited(client, world):
    client.get(LOGIN)
    client.session.save()
    before = client.session.session_key
    response = post_login(client)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session.session_key != before
    assert Session.objects.filter(session_key=before).count() == 0
    entry = AuditEntry.objects.get(action="auth.login", outcome="success")
    assert (entry.actor_id, entry.organisation_id, entry.client_ip) == (
        world.nurse_a.pk,
        world.clinic_a.pk,
        "127.0.0.1",
    )


def test_next_parameter_is_followed_only_on_this_host(client, world):
    assert post_login(client, next="/persons/")["Location"] == "/persons/"
    client.logout()
    assert post_login(client, next="https://evil.example/")["Location"] == "/"


def test_five_failures_lock_the_account_for_thirty_minutes(client, world):
    for _ in range(4):
        response = post_login(client, password="wrong-password-123")
        assert "The username or password is not correct." in response.content.decode()
    response = post_login(client, password="wrong-password-123")
    assert "Too many failed sign-ins: the account is locked for 30 minutes." in response.content.decode()
    user = User.objects.get(username="nurse_a")
    assert user.locked_until is not None
    assert dt.timedelta(minutes=29) < user.locked_until - timezone.now() <= dt.timedelta(minutes=30)
    # The right password is refused while locked, and says so.
    response = post_login(client)
    assert response.status_code == 200
    assert (
        "This account is locked after repeated failed sign-ins. Try again in 30 minutes"
        in response.content.decode()
    )
    assert "_auth_user_id" not in client.session
    actions = list(
        AuditEntry.objects.filter(action__startswith="auth.").order_by("seq").values_list("action", "outcome")
    )
    assert actions == [("auth.login", "failure")] * 5 + [("auth.lockout", "denied"), ("auth.login", "denied")]


def test_lock_expires(client, world):
    User.objects.filter(username="nurse_a").update(locked_until=timezone.now() - dt.timedelta(seconds=1))
    assert post_login(client).status_code == 302


def test_limits_are_configuration(client, world, settings):
    settings.JIEDU_LOGIN_MAX_FAILURES = 2
    settings.JIEDU_LOGIN_LOCK_MINUTES = 10
    post_login(client, password="wrong-password-123")
    response = post_login(client, password="wrong-password-123")
    assert "locked for 10 minutes" in response.content.decode()


def test_success_resets_the_failure_count(client, world):
    post_login(client, password="wrong-password-123")
    post_login(client)
    assert User.objects.get(username="nurse_a").failed_login_count == 0


def test_unknown_user_gets_the_same_message_and_is_audited(client, world):
    response = post_login(client, username="nobody")
    assert "The username or password is not correct." in response.content.decode()
    entry = AuditEntry.objects.get(action="auth.login")
    assert (entry.actor_id, entry.actor_username, entry.outcome, entry.detail) == (
        None,
        "nobody",
        "failure",
        {"reason": "unknown_user"},
    )


def test_logout_ends_the_session_on_the_server(client, world):
    post_login(client)
    key = client.session.session_key
    assert Session.objects.filter(session_key=key).exists()
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert not Session.objects.filter(session_key=key).exists()
    assert AuditEntry.objects.filter(action="auth.logout", actor=world.nurse_a).count() == 1
    assert client.get("/persons/").status_code == 302  # back to the login page


def test_logout_needs_post(client, world):
    post_login(client)
    assert client.get(reverse("accounts:logout")).status_code == 405


def test_idle_session_expires_after_thirty_minutes(client, world):
    post_login(client)
    session = Session.objects.get(session_key=client.session.session_key)
    assert dt.timedelta(minutes=29) < session.expire_date - timezone.now() <= dt.timedelta(minutes=30)
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    response = client.get("/persons/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_activity_renews_the_idle_timer(client, world):
    post_login(client)
    key = client.session.session_key
    Session.objects.filter(pk=key).update(expire_date=timezone.now() + dt.timedelta(minutes=5))
    assert client.get("/").status_code == 200
    remaining = Session.objects.get(pk=key).expire_date - timezone.now()
    assert remaining > dt.timedelta(minutes=29)


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short-pass1", "This password is too short. It must contain at least 12 characters."),
        ("password1234", "This password is too common."),
        ("839201746352", "This password is entirely numeric."),
    ],
)
def test_password_rules(world, password, message):
    with pytest.raises(ValidationError) as info:
        validate_password(password, user=world.nurse_a)
    assert message in info.value.messages


def test_good_password_passes(world):
    validate_password("grey-heron-over-the-river", user=world.nurse_a)


def test_token_use_is_recorded_at_most_once_a_minute(world, monkeypatch):
    from jiedu.accounts.models import ApiToken
    from jiedu.accounts.services import api_token_authenticate, api_token_issue
    from jiedu.core import clock

    secret = api_token_issue(actor=None, user=world.nurse_a, name="t").secret
    t0 = timezone.now()
    monkeypatch.setattr(clock, "now", lambda: t0)
    assert api_token_authenticate(secret) == world.nurse_a
    monkeypatch.setattr(clock, "now", lambda: t0 + dt.timedelta(seconds=30))
    api_token_authenticate(secret)
    assert ApiToken.objects.get().last_used_at == t0
    monkeypatch.setattr(clock, "now", lambda: t0 + dt.timedelta(seconds=61))
    api_token_authenticate(secret)
    assert ApiToken.objects.get().last_used_at == t0 + dt.timedelta(seconds=61)
