"""Login, logout and failed logins go into the audit trail (RELIABILITY.md R22)."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .audit import audit_record
from .login_throttle import client_address
from .middleware import session_start


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        session_start(request)
    audit_record(actor=user, action="auth.login", obj=None, data={"address": client_address(request)})


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs) -> None:
    if user is not None and not getattr(request, "zhibu_session_expired", False):
        audit_record(actor=user, action="auth.logout", obj=None, data={"address": client_address(request)})


@receiver(user_login_failed)
def audit_login_failure(sender, credentials, request=None, **kwargs) -> None:
    audit_record(
        actor=None,
        action="auth.login_failed",
        obj=None,
        data={"username": str(credentials.get("username", ""))[:150], "address": client_address(request)},
    )
