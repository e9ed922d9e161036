from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("报表")

    def ready(self) -> None:
        # Every app may declare report kinds in a `report_kinds` module (reports/registry.py); the pack comes last
        # so that it sees them all.
        autodiscover_modules("report_kinds")
        from . import pack  # noqa: F401
