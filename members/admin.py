from django.contrib import admin

from .models import Membership, Person, RoleAssignment
from .services import role_assignment_sync_groups


class MembershipInline(admin.StackedInline):
    model = Membership
    fk_name = "person"
    extra = 0


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name", "gender", "unit", "position", "service_status"]
    list_filter = ["gender", "education", "service_status", "unit"]
    search_fields = ["name", "name_initials", "id_number"]
    inlines = [MembershipInline]
    autocomplete_fields = ["user"]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "unit", "organization"]
    list_filter = ["role"]
    search_fields = ["user__username"]

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        role_assignment_sync_groups(user=obj.user)

    def delete_model(self, request, obj) -> None:
        user = obj.user
        super().delete_model(request, obj)
        role_assignment_sync_groups(user=user)
