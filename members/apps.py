from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def grant_role_group_permissions(**kwargs) -> None:
    from .services import role_group_permissions_grant

    role_group_permissions_grant()


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("人员与党员")

    def ready(self) -> None:
        post_migrate.connect(grant_role_group_permissions, sender=self)
