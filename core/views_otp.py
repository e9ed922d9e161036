"""The pages of two-factor sign-in (RELIABILITY.md R8): the second step after the password, setting up an
authenticator app with its backup codes, and removing it. The rules are core.otp's."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import otp
from .forms import add_service_errors


def _code_field() -> forms.CharField:
    return forms.CharField(
        label=gettext_lazy("验证码"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
        help_text=gettext_lazy("验证器应用当前显示的6位数字；手机不在身边时，可输入一个备用验证码。"),
    )


def _password_field() -> forms.CharField:
    return forms.CharField(
        label=gettext_lazy("登录密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class CodeForm(forms.Form):
    token = _code_field()


class EnrolForm(forms.Form):
    token = _code_field()
    password = _password_field()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["token"].help_text = gettext_lazy("扫码或输入密钥后，验证器应用显示的6位数字。")


class RemoveForm(forms.Form):
    password = _password_field()
    token = _code_field()


def safe_next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return "/"


def verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in, for a user with a device (OTPGateMiddleware sends them here)."""
    if request.user.is_verified() or not otp.has_device(request.user):
        return redirect(safe_next_url(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if otp.verify_code(request, form.cleaned_data["token"], purpose="login"):
            return redirect(safe_next_url(request))
        form.add_error("token", otp.WRONG_CODE)
    return render(request, "core/otp_verify.html", {"form": form, "next": safe_next_url(request)})


def setup(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: QR code and secret, confirmed by the password and a first code; the backup codes
    are shown once, in the answer to that confirmation."""
    required = otp.requires_device(request.user)
    if otp.has_device(request.user):
        return render(request, "core/otp_status.html", {"required": required})
    device = otp.totp_pending(request.user)
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = otp.totp_enrol(
                request, device=device, token=form.cleaned_data["token"], password=form.cleaned_data["password"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return render(request, "core/otp_backup_codes.html", {"codes": codes, "next": safe_next_url(request)})
    return render(
        request,
        "core/otp_setup.html",
        {
            "form": form,
            "qr": otp.totp_qr_data_uri(device),
            "secret": otp.totp_secret_text(device),
            "required": required,
            "next": safe_next_url(request),
            "step_up_minutes": settings.ZHIBU_STEP_UP_SECONDS // 60,
        },
    )


def remove(request: HttpRequest) -> HttpResponse:
    if not otp.has_device(request.user):
        return redirect("otp_setup")
    form = RemoveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            otp.totp_remove(request, password=form.cleaned_data["password"], token=form.cleaned_data["token"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已停用两步验证，备用验证码同时作废。"))
            return redirect("otp_setup")
    return render(request, "core/otp_remove.html", {"form": form, "required": otp.requires_device(request.user)})


urlpatterns = [
    path("verify/", verify, name="otp_verify"),
    path("", setup, name="otp_setup"),
    path("remove/", remove, name="otp_remove"),
]
