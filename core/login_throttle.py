"""Brute-force defence for the login page (RELIABILITY.md R6), held in the database so that it works without Redis.

Two counters: per account name (typed, whether or not such an account exists, so a lock reveals nothing) and per
client address. An account locks after ZHIBU_LOGIN_MAX_FAILURES failures within ZHIBU_LOGIN_LOCK_SECONDS and stays
locked for that long; while locked even the right password is refused with the ordinary "wrong user or password"
message. The address counter is looser, because a whole office may reach the server through one NAT address.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac

from .audit import audit_record
from .models import LoginThrottle


@dataclass(frozen=True)
class Limit:
    failures: int
    window: datetime.timedelta


def _limits() -> dict[str, Limit]:
    return {
        LoginThrottle.Kind.ACCOUNT: Limit(
            settings.ZHIBU_LOGIN_MAX_FAILURES, datetime.timedelta(seconds=settings.ZHIBU_LOGIN_LOCK_SECONDS)
        ),
        LoginThrottle.Kind.ADDRESS: Limit(
            settings.ZHIBU_LOGIN_ADDRESS_MAX_FAILURES,
            datetime.timedelta(seconds=settings.ZHIBU_LOGIN_ADDRESS_WINDOW_SECONDS),
        ),
    }


def client_address(request: HttpRequest | None) -> str:
    """The client's address: from the header the trusted reverse proxy sets (ZHIBU_CLIENT_IP_HEADER, e.g.
    HTTP_X_REAL_IP), else the socket's peer. Only the first hop of a forwarded list is used."""
    if request is None:
        return ""
    header = settings.ZHIBU_CLIENT_IP_HEADER
    value = request.META.get(header, "") if header else ""
    return (value.split(",")[0].strip() or request.META.get("REMOTE_ADDR", ""))[:64]


def _key_hash(kind: str, key: str) -> str:
    return salted_hmac(f"zhibu.login_throttle.{kind}", key.strip().casefold()).hexdigest()


def _keys(username: str, address: str) -> list[tuple[str, str]]:
    keys = [(LoginThrottle.Kind.ACCOUNT, _key_hash(LoginThrottle.Kind.ACCOUNT, username))]
    if address:
        keys.append((LoginThrottle.Kind.ADDRESS, _key_hash(LoginThrottle.Kind.ADDRESS, address)))
    return keys


def login_blocked(*, username: str, address: str) -> str | None:
    """The kind of counter that refuses this attempt now (account or address), or None."""
    now = timezone.now()
    for kind, key_hash in _keys(username, address):
        if LoginThrottle.objects.filter(kind=kind, key_hash=key_hash, locked_until__gt=now).exists():
            return kind
    return None


def login_failure_record(*, username: str, address: str) -> None:
    """Count one failed attempt on both counters; lock a counter that reaches its limit within its window."""
    now = timezone.now()
    limits = _limits()
    for kind, key_hash in _keys(username, address):
        limit = limits[kind]
        with transaction.atomic():
            row = LoginThrottle.objects.select_for_update().filter(kind=kind, key_hash=key_hash).first()
            if row is None:
                try:
                    with transaction.atomic():
                        row = LoginThrottle.objects.create(kind=kind, key_hash=key_hash, window_started_at=now)
                except IntegrityError:
                    # Another request created it a moment ago: count on that row.
                    row = LoginThrottle.objects.select_for_update().get(kind=kind, key_hash=key_hash)
            if now - row.window_started_at > limit.window:
                row.failures, row.window_started_at, row.locked_until = 0, now, None
            row.failures += 1
            locks_now = row.failures >= limit.failures and (row.locked_until is None or row.locked_until <= now)
            if locks_now:
                row.locked_until = now + limit.window
            row.save(update_fields=["failures", "window_started_at", "locked_until"])
            if locks_now:
                audit_record(
                    actor=None,
                    action="auth.lockout",
                    obj=None,
                    summary=str(row.get_kind_display()),
                    data={"kind": kind, "username": username[:150], "address": address, "failures": row.failures},
                )


def login_success_record(*, username: str) -> None:
    """A successful login clears the account's failures; the address counter keeps counting down by its window."""
    LoginThrottle.objects.filter(
        kind=LoginThrottle.Kind.ACCOUNT, key_hash=_key_hash(LoginThrottle.Kind.ACCOUNT, username)
    ).delete()
