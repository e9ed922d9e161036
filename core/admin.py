from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent, User

admin.site.site_header = _("支部 · 系统管理")
admin.site.site_title = _("支部")


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


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor", "action", "object_type", "object_id", "summary"]
    list_filter = ["action", "object_type"]
    search_fields = ["summary", "object_id", "actor__username"]
    date_hierarchy = "created_at"
