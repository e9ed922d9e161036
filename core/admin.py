from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .audit import audit_record
from .models import AuditArchive, AuditEvent, LoginThrottle, User
from .roles import Role

admin.site.site_header = _("支部 · 系统管理")
admin.site.site_title = _("支部")
# Django writes the log entries of a bulk delete with bulk_create, which sends no post_save, so such a delete would
# leave no audit row (R22). Objects are deleted one at a time in the admin, each audited (core/signals.py).
admin.site.disable_action("delete_selected")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Only a superuser (used for installation, not every day) may grant superuser status or single permissions;
    a system administrator manages accounts, and roles through role assignments."""

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        hidden = {"is_superuser", "user_permissions", "groups"}
        return [(name, {**options, "fields": [f for f in options["fields"] if f not in hidden]})
                for name, options in fieldsets]  # fmt: skip


class ReadOnlyAdmin(admin.ModelAdmin):
    """Recorded and signed facts (audit rows, signed ratings, append-only histories): visible in the admin, never
    added, changed or deleted there."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


def is_audit_admin(user) -> bool:
    """Only the audit administrator reads the audit log (RELIABILITY.md R5, R23): not the system administrator, and
    not a superuser either, unless that account also holds the audit role."""
    return user.is_active and user.is_staff and user.groups.filter(name=Role.AUDIT_ADMIN).exists()


class AuditAdminOnly(ReadOnlyAdmin):
    def has_module_permission(self, request) -> bool:
        return is_audit_admin(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return is_audit_admin(request.user)


@admin.register(AuditEvent)
class AuditEventAdmin(AuditAdminOnly):
    """Reading the log is itself recorded: each list page (with its filters) and each row opened."""

    list_display = ["created_at", "actor", "action", "object_type", "object_id", "result", "ip", "summary"]
    list_filter = ["action", "result", "object_type"]
    search_fields = ["summary", "object_id", "actor__username", "ip"]
    date_hierarchy = "created_at"
    actions = None

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        if response.status_code == 200:
            audit_record(
                actor=request.user, action="audit.view", obj=None, data={"query": request.GET.urlencode()[:500]}
            )
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        event = AuditEvent.objects.filter(pk=object_id).first() if str(object_id).isdigit() else None
        if response.status_code == 200 and event is not None:
            audit_record(actor=request.user, action="audit.view", obj=event)
        return response


@admin.register(AuditArchive)
class AuditArchiveAdmin(AuditAdminOnly):
    list_display = ["created_at", "last_event_id", "rows", "file_path"]


@admin.register(LoginThrottle)
class LoginThrottleAdmin(admin.ModelAdmin):
    """The security administrator lifts a lockout by deleting its counter (R5, R6); nothing else is editable."""

    list_display = ["kind", "failures", "window_started_at", "locked_until"]
    list_filter = ["kind"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
