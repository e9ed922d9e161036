"""Changing one's password, and its maximum age (RELIABILITY.md R9 and §6.1).

MLPS 8.1.4.1 a) asks for periodic change (定期更换); ASVS5 6.2.10 advises against forced rotation. The maximum age
is ZHIBU_PASSWORD_MAX_AGE_DAYS (90 by default, what assessors usually expect; 0 turns it off), a deviation from ASVS
recorded in the operator's guide. A password past its age sends every page load to the change page; a form being
saved at that moment is still accepted, so nothing typed is lost.

The old password is checked against the login lockout (R6): a session left open cannot be used to guess it.
"""

import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.deprecation import MiddlewareMixin
from django.utils.translation import gettext as _

from .audit import audit_record
from .login_throttle import client_address, login_blocked, login_failure_record
from .models import User


def password_expired(user: User, *, now: datetime.datetime | None = None) -> bool:
    days = settings.ZHIBU_PASSWORD_MAX_AGE_DAYS
    if not days or not user.has_usable_password():
        return False
    return (now or timezone.now()) - user.password_changed_at > datetime.timedelta(days=days)


def password_change(request: HttpRequest, *, old_password: str, new_password: str) -> None:
    """Set the signed-in user's new password after checking the old one and the password rules; the session stays
    signed in, other sessions of the user end (their stored hash no longer matches)."""
    user = request.user
    address = client_address(request)
    if login_blocked(username=user.get_username(), address=address):
        raise ValidationError(_("密码输入错误次数过多，请稍后再试。"))
    if not old_password or not user.check_password(old_password):
        login_failure_record(username=user.get_username(), address=address)
        audit_record(actor=user, action="auth.password_change_failed", obj=user, data={"address": address})
        raise ValidationError({"old_password": _("原密码不正确。")})
    if new_password == old_password:
        raise ValidationError({"new_password": _("新密码不能与原密码相同。")})
    try:
        validate_password(new_password, user)
    except ValidationError as error:
        raise ValidationError({"new_password": error.messages}) from None
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password", "password_changed_at"])
        audit_record(actor=user, action="auth.password_change", obj=user, data={"address": address})
    update_session_auth_hash(request, user)


class PasswordAgeMiddleware(MiddlewareMixin):
    """After sign-in (and the second step, when there is one), a password past its maximum age leads every page
    load to the change page. Installed after core.otp.OTPGateMiddleware."""

    ALLOWED_VIEWS = frozenset({"password_change", "logout"})

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        user = request.user
        if (
            request.method not in ("GET", "HEAD")
            or not user.is_authenticated
            or getattr(view_func, "login_required", True) is False
            or request.resolver_match.view_name in self.ALLOWED_VIEWS
            or not password_expired(user)
        ):
            return None
        return redirect(f"{reverse('password_change')}?{urlencode({'next': request.get_full_path()})}")
