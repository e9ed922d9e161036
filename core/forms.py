from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    error_messages = {
        # The same message for an unknown user and a wrong password: nothing reveals which accounts exist.
        "invalid_login": _("用户名或密码不正确。"),
        "inactive": _("该账号已停用，请联系系统管理员。"),
    }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("用户名")
        self.fields["password"].label = _("密码")
        self.fields["username"].widget.attrs["autocomplete"] = "username"
