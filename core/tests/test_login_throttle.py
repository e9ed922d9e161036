"""R6 and R7 of RELIABILITY.md: lockout held in the database, one message for every refusal, session timeouts."""

import datetime

import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from core.login_throttle import _key_hash
from core.models import AuditEvent, LoginThrottle

PASSWORD = "pw-for-tests-1"
MESSAGE = "用户名或密码不正确"


def _login(client, username: str, password: str, address: str = "10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def test_account_locks_after_five_failures_and_refuses_even_the_right_password(client, personas):
    for _ in range(5):
        assert MESSAGE in _login(client, "alice", "wrong").content.decode()
    locked = _login(client, "alice", PASSWORD)
    unknown = _login(client, "nobody-here", "wrong")
    assert locked.status_code == unknown.status_code == 200
    assert locked.context["form"].non_field_errors() == unknown.context["form"].non_field_errors()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="auth.lockout").count() == 1


def test_lock_ends_after_fifteen_minutes(client, personas):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            _login(client, "alice", "wrong")
        assert _login(client, "alice", PASSWORD).status_code == 200
    with time_machine.travel(start + datetime.timedelta(minutes=16), tick=False):
        assert _login(client, "alice", PASSWORD).status_code == 302


def test_successful_login_clears_the_account_failures(client, personas):
    for _ in range(4):
        _login(client, "alice", "wrong")
    assert _login(client, "alice", PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        _login(client, "alice", "wrong")
    assert _login(client, "alice", PASSWORD).status_code == 302


def test_unknown_account_names_lock_like_real_ones(client, db):
    for _ in range(5):
        _login(client, "nobody-here", "wrong")
    assert LoginThrottle.objects.get(kind=LoginThrottle.Kind.ACCOUNT).locked_until is not None


def test_too_many_failures_from_one_address_are_refused_for_every_account(client, personas):
    LoginThrottle.objects.create(
        kind=LoginThrottle.Kind.ADDRESS,
        key_hash=_key_hash(LoginThrottle.Kind.ADDRESS, "10.9.9.9"),
        failures=50,
        window_started_at=timezone.now(),
        locked_until=timezone.now() + datetime.timedelta(minutes=30),
    )
    refused = _login(client, "alice", PASSWORD, address="10.9.9.9")
    assert "登录失败次数过多" in refused.content.decode()
    assert _login(client, "alice", PASSWORD, address="10.0.0.2").status_code == 302


def test_lock_holds_without_any_cache_or_broker(client, personas, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    for _ in range(5):
        _login(client, "alice", "wrong")
    assert _login(client, "alice", PASSWORD).status_code == 200


def test_login_logout_and_failure_are_audited(client, personas):
    _login(client, "alice", "wrong")
    _login(client, "alice", PASSWORD)
    client.post(reverse("logout"))
    actions = list(AuditEvent.objects.filter(action__startswith="auth.").values_list("action", flat=True))
    assert sorted(actions) == ["auth.login", "auth.login_failed", "auth.logout"]
    failed = AuditEvent.objects.get(action="auth.login_failed")
    assert failed.data["username"] == "alice" and failed.data["address"] == "10.0.0.1"
    assert "password" not in str(failed.data) and "wrong" not in str(failed.data)


def test_idle_session_ends_after_thirty_minutes(client, personas):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert _login(client, "alice", PASSWORD).status_code == 302
    with time_machine.travel(start + datetime.timedelta(minutes=29), tick=False):
        assert client.get(reverse("home")).status_code == 200
    with time_machine.travel(start + datetime.timedelta(minutes=58), tick=False):
        assert client.get(reverse("home")).status_code == 200
    with time_machine.travel(start + datetime.timedelta(minutes=89), tick=False):
        response = client.get(reverse("home"))
    assert response.status_code == 302 and reverse("login") in response.url
    assert AuditEvent.objects.filter(action="auth.session_expired", actor=personas.alice).count() == 1
    assert not AuditEvent.objects.filter(action="auth.logout").exists()


@override_settings(ZHIBU_SESSION_IDLE_SECONDS=24 * 3600)
def test_session_ends_eight_hours_after_login_even_when_active(client, personas):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _login(client, "alice", PASSWORD)
    for hours in (2, 4, 6, 7.9):
        with time_machine.travel(start + datetime.timedelta(hours=hours), tick=False):
            assert client.get(reverse("home")).status_code == 200
    with time_machine.travel(start + datetime.timedelta(hours=8, minutes=1), tick=False):
        assert client.get(reverse("home")).status_code == 302


@pytest.mark.parametrize("password", ["12345678", "password123", "zhibu", "aaaaaaa"])
def test_weak_passwords_are_refused(password, personas):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        validate_password(password, personas.alice)


def test_signed_in_pages_are_not_cached(client, personas):
    client.force_login(personas.olga)
    for name in ("home", "members:list"):
        assert client.get(reverse(name))["Cache-Control"] == "no-store"


def test_production_headers_protect_every_page(client, personas, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_CONTENT_TYPE_NOSNIFF = True
    settings.SECURE_SSL_REDIRECT = False
    client.force_login(personas.alice)
    response = client.get(reverse("home"), secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_pages_carry_a_content_security_policy_without_inline_script(client, personas):
    client.force_login(personas.alice)
    policy = client.get(reverse("home"))["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["object-src"] == directives["base-uri"] == directives["frame-ancestors"] == "'none'"
