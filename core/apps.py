from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("系统")

    def ready(self) -> None:
        from . import checks, signals  # noqa: F401  (registers the deploy checks, connects the audit receivers)
