"""Login, logout and failed logins go into the audit trail (RELIABILITY.md R22)."""

from django.contrib.admin.models import LogEntry
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save
from django.dispatch import receiver

from .audit import audit_record
from .login_throttle import client_address
from .middleware import session_start


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        session_start(request)
    audit_record(actor=user, action="auth.login", obj=user, data={"address": client_address(request)})


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs) -> None:
    if user is not None and not getattr(request, "zhibu_session_expired", False):
        audit_record(actor=user, action="auth.logout", obj=user, data={"address": client_address(request)})


@receiver(user_login_failed)
def audit_login_failure(sender, credentials, request=None, **kwargs) -> None:
    audit_record(
        actor=None,
        action="auth.login_failed",
        obj=None,
        data={"username": str(credentials.get("username", ""))[:150], "address": client_address(request)},
    )


@receiver(post_save, sender=LogEntry)
def audit_admin_change(sender, instance: LogEntry, created: bool, **kwargs) -> None:
    """Every add, change and delete made in the Django admin (R5: each administrator action is audited). The
    admin's own LogEntry is editable by a superuser; this row is not."""
    if not created:
        return
    content_type = instance.content_type
    audit_record(
        actor=instance.user,
        action="admin.change",
        obj=None,
        summary=f"{instance.get_action_flag_display()} {instance.object_repr}"[:255],
        data={
            "model": f"{content_type.app_label}.{content_type.model}" if content_type else "",
            "object_id": instance.object_id or "",
            "flag": instance.action_flag,
            "message": instance.get_change_message()[:500],
        },
    )
