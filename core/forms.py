from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .login_throttle import client_address, login_blocked, login_failure_record, login_success_record
from .models import LoginThrottle
from .otp import has_device


class LoginForm(AuthenticationForm):
    error_messages = {
        # The same message for an unknown user, a wrong password and a locked account: nothing reveals which
        # accounts exist or which are locked (RELIABILITY.md R6).
        "invalid_login": _("用户名或密码不正确。连续多次输入错误后，账号将被暂时锁定。"),
        "inactive": _("该账号已停用，请联系系统管理员。"),
        "too_many_attempts": _("此来源的登录失败次数过多，请稍后再试。"),
    }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("用户名")
        self.fields["password"].label = _("密码")
        self.fields["username"].widget.attrs["autocomplete"] = "username"

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        address = client_address(self.request)
        blocked = login_blocked(username=username, address=address)
        if blocked == LoginThrottle.Kind.ADDRESS:
            raise ValidationError(self.error_messages["too_many_attempts"], code="too_many_attempts")
        if blocked == LoginThrottle.Kind.ACCOUNT:
            raise self.get_invalid_login_error()
        try:
            cleaned = super().clean()
        except ValidationError as error:
            if any(e.code == "invalid_login" for e in error.error_list):
                login_failure_record(username=username, address=address)
            raise
        # With a second factor, only the right code clears the account's failures (core.otp).
        if not has_device(self.get_user()):
            login_success_record(username=username)
        return cleaned


def add_service_errors(form, exc) -> None:
    """Show a service's ValidationError on the form: on its field when the form has one, else above the form."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
