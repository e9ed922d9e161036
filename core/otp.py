"""Two factors for privileged roles and step-up before signing (RELIABILITY.md R8), on django-otp: a TOTP device
per user (an authenticator app) and one-time backup codes (a static device) for a lost phone.

Login: the password (LoginView) signs the user in, but a user with a confirmed TOTP device reaches nothing but the
second-step page and logout until a code verifies the session (OTPGateMiddleware). Roles listed in
ZHIBU_OTP_REQUIRED_ROLES must have a device: such a user without one reaches only the enrolment page.

Wrong codes count on the same database counters as wrong passwords (core.login_throttle, R6): five failures of
either kind lock the account for fifteen minutes, when even the right code is refused with the ordinary message.
For a user with a device the password alone no longer clears the account's counter, only a right code does, so
that re-entering a known password does not buy new guesses. django-otp's own back-off per device applies as well,
and its last_t refuses a code that was already used.

Step-up: signing and filing ask a user with a device for a fresh code unless the session was verified within
ZHIBU_STEP_UP_SECONDS. The check sits in the views, before the services' password check: the session belongs to the
request. Wrong step-up codes count on the same counters.
"""

from base64 import b32encode

import django_otp
import segno
from django import forms
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.deprecation import MiddlewareMixin
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from members.scopes import scope_for

from .audit import audit_record
from .login_throttle import client_address, login_blocked, login_failure_record, login_success_record
from .models import User

VERIFIED_AT_KEY = "zhibu_otp_verified_at"
CODE_FIELD = "otp_token"
BACKUP_CODE_COUNT = 10
# The ordinary refusal: it does not tell a wrong code from a locked account (R6's message policy).
WRONG_CODE = gettext_lazy("验证码不正确或已使用过。连续多次输入错误后，账号将被暂时锁定。")


def has_device(user: User) -> bool:
    """Whether the user signs in with a second factor: a confirmed TOTP device (backup codes come with one)."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def requires_device(user: User) -> bool:
    """Whether one of the user's roles is listed in ZHIBU_OTP_REQUIRED_ROLES."""
    required = frozenset(settings.ZHIBU_OTP_REQUIRED_ROLES)
    return bool(required and required & scope_for(user).roles)


def _normalised(token: str) -> str:
    return "".join(token.split()).lower()


def _device_for(user: User, token: str) -> Device | None:
    """Six digits are a TOTP code; anything else can only be a backup code."""
    model = TOTPDevice if token.isdigit() and len(token) == 6 else StaticDevice
    return model.objects.filter(user=user, confirmed=True).first()


def verify_code(request: HttpRequest, token: str, *, purpose: str) -> bool:
    """Check a code of the signed-in user (a TOTP code or a backup code), counting a failure on the login counters
    and marking the session as freshly verified on success. Audited either way; the code itself is never stored."""
    user = request.user
    username, address = user.get_username(), client_address(request)
    token = _normalised(token)
    device = None
    if token and not login_blocked(username=username, address=address):
        device = _device_for(user, token)
        # verify_token locks the device row: of two requests with one code, only one succeeds.
        device = django_otp.verify_token(user, device.persistent_id, token) if device is not None else None
    data = {"purpose": purpose, "address": address}
    if device is None:
        login_failure_record(username=username, address=address)
        audit_record(actor=user, action="auth.otp_failed", obj=None, data=data)
        return False
    login_success_record(username=username)
    request.session[VERIFIED_AT_KEY] = timezone.now().timestamp()
    data["device"] = "backup_code" if isinstance(device, StaticDevice) else "totp"
    audit_record(actor=user, action="auth.otp_verify", obj=None, data=data)
    if purpose == "login":
        # A new session id for the raised privilege, then the device that verified it (django-otp's session key).
        request.session.cycle_key()
        django_otp.login(request, device)
    return True


def totp_pending(user: User) -> TOTPDevice:
    """The device being set up: kept between visits, so the QR code does not change when the page reloads."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name="TOTP", confirmed=False)


def totp_qr_data_uri(device: TOTPDevice) -> str:
    """The otpauth:// URL as an SVG data: URI (the CSP allows data: images)."""
    return segno.make_qr(device.config_url, error="m").svg_data_uri(scale=5)


def totp_secret_text(device: TOTPDevice) -> str:
    """The secret in base32, in groups of four, for typing into an app that cannot scan."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _check_password(user: User, password: str) -> None:
    if not password or not user.check_password(password):
        raise ValidationError(_("密码不正确。"))


def totp_enrol(request: HttpRequest, *, device: TOTPDevice, token: str, password: str) -> list[str]:
    """Confirm the device being set up with the password and its first code; replace any earlier devices and issue
    new backup codes, returned for the page to show once. The session counts as verified by the new device."""
    user = request.user
    _check_password(user, password)
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(pk=device.pk, user=user, confirmed=False).first()
        if device is None:
            raise ValidationError(_("两步验证已经启用，或设置已过期，请重新打开本页。"))
        # A failure must commit too: it counts on the device's back-off.
        verified = device.verify_token(_normalised(token))
        if verified:
            codes = _confirm(request, device)
    if not verified:
        raise ValidationError(_("验证码不正确，请核对手机时间后输入验证器应用当前显示的6位数字。"))
    request.session.cycle_key()
    django_otp.login(request, device)
    request.session[VERIFIED_AT_KEY] = timezone.now().timestamp()
    return codes


def _confirm(request: HttpRequest, device: TOTPDevice) -> list[str]:
    """Inside totp_enrol's transaction: the device becomes the user's only one, with ten new backup codes."""
    user = request.user
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    StaticDevice.objects.filter(user=user).delete()
    backup = StaticDevice.objects.create(user=user, name="backup")
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=backup, token=code) for code in codes)
    audit_record(actor=user, action="auth.otp_enrol", obj=None, data={"address": client_address(request)})
    return codes


def totp_remove(request: HttpRequest, *, password: str, token: str) -> None:
    """Remove the user's TOTP device and backup codes, on the password and a current code (or a backup code)."""
    user = request.user
    _check_password(user, password)
    if not verify_code(request, token, purpose="remove"):
        raise ValidationError(WRONG_CODE)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        audit_record(actor=user, action="auth.otp_remove", obj=None, data={"address": client_address(request)})
    request.session.pop(django_otp.DEVICE_ID_SESSION_KEY, None)
    request.session.pop(VERIFIED_AT_KEY, None)
    user.otp_device = None


# ---- Step-up before signing and filing -------------------------------------------------------------------------


def step_up_needed(request: HttpRequest) -> bool:
    """A user with a device whose session was last verified more than ZHIBU_STEP_UP_SECONDS ago."""
    if not has_device(request.user):
        return False
    verified_at = request.session.get(VERIFIED_AT_KEY, 0)
    return timezone.now().timestamp() - verified_at > settings.ZHIBU_STEP_UP_SECONDS


def step_up_field(request: HttpRequest, form: forms.Form) -> None:
    """Add the code field to a signing or filing form when this request needs a fresh code."""
    if step_up_needed(request):
        form.fields[CODE_FIELD] = forms.CharField(
            label=gettext_lazy("动态验证码"),
            required=False,
            max_length=16,
            widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
            help_text=_("距上次验证已超过%(minutes)d分钟，请输入验证器应用当前显示的6位数字（或一个备用验证码）。")
            % {"minutes": settings.ZHIBU_STEP_UP_SECONDS // 60},
        )


def step_up_refusal(request: HttpRequest, form: forms.Form) -> str | None:
    """After form.is_valid(): None when the request may sign (no device, a recent verification, or a right code
    now), else the message. Kept out of the services: the session belongs to the request."""
    if CODE_FIELD not in form.fields:
        return None
    token = form.cleaned_data.get(CODE_FIELD, "")
    if not _normalised(token):
        return _("签署和备案须输入动态验证码（验证器应用当前显示的6位数字）。")
    if not verify_code(request, token, purpose="step_up"):
        return str(WRONG_CODE)
    # Verified now: a page shown again (the service refused something else) no longer asks for a code.
    del form.fields[CODE_FIELD]
    return None


# ---- The gate ---------------------------------------------------------------------------------------------------


class OTPGateMiddleware(MiddlewareMixin):
    """Until a code verifies the session, a user with a device reaches only the second-step page and logout, and a
    user whose role requires a device but who has none reaches only enrolment and logout. Public views (login,
    health, ballots) stay public. Installed after django-otp's OTPMiddleware, which sets user.is_verified()."""

    SECOND_STEP_VIEWS = frozenset({"otp_verify", "logout"})
    ENROLMENT_VIEWS = frozenset({"otp_setup", "logout"})

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        user = request.user
        if not user.is_authenticated or user.is_verified() or getattr(view_func, "login_required", True) is False:
            return None
        name = request.resolver_match.view_name
        if has_device(user):
            if name in self.SECOND_STEP_VIEWS:
                return None
            return redirect_to_login(request.get_full_path(), reverse("otp_verify"))
        if name not in self.ENROLMENT_VIEWS and requires_device(user):
            return redirect_to_login(request.get_full_path(), reverse("otp_setup"))
        return None
