"""The page for changing one's own password; the rules are core.passwords'."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.password_validation import password_validators_help_texts
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import passwords
from .forms import add_service_errors
from .views_otp import safe_next_url


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label=gettext_lazy("原密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )
    new_password = forms.CharField(
        label=gettext_lazy("新密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    new_password_again = forms.CharField(
        label=gettext_lazy("再次输入新密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("new_password") and cleaned.get("new_password") != cleaned.get("new_password_again"):
            self.add_error("new_password_again", _("两次输入的新密码不一致。"))
        return cleaned


def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            passwords.password_change(
                request, old_password=form.cleaned_data["old_password"], new_password=form.cleaned_data["new_password"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("密码已修改。"))
            return redirect(safe_next_url(request))
    return render(
        request,
        "registration/password_change.html",
        {
            "form": form,
            "expired": passwords.password_expired(request.user),
            "max_age_days": settings.ZHIBU_PASSWORD_MAX_AGE_DAYS,
            "rules": password_validators_help_texts(),
            "next": safe_next_url(request),
        },
    )
