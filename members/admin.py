from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import (
    DevelopmentStep,
    DuesMonth,
    DuesPayment,
    DuesRate,
    Membership,
    Person,
    RoleAssignment,
    StandingChange,
    ThoughtReport,
    TimingRule,
    Transfer,
)
from .services import role_assignment_sync_groups


class MembershipInline(admin.StackedInline):
    model = Membership
    fk_name = "person"
    extra = 0
    # Standing follows the history of StandingChange rows; it changes through the party page only.
    readonly_fields = ["standing"]


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


# ---- the life of a party member (DOMAIN.md §3) ---------------------------------------------------------------
# The rules and rates are configuration, edited here. The history tables are read-only: they change only through
# the services, which write the audit trail. Hardship records are not in the admin at all: only the branch
# secretary and the organisation officer may see them (§0).


@admin.register(TimingRule)
class TimingRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "previous_step", "step", "min_months", "max_months", "is_active"]
    list_editable = ["min_months", "max_months", "is_active"]


@admin.register(DuesRate)
class DuesRateAdmin(admin.ModelAdmin):
    list_display = ["__str__", "category", "up_to_fen", "rate", "fixed_fen"]
    list_filter = ["category"]


@admin.register(DevelopmentStep)
class DevelopmentStepAdmin(ReadOnlyAdmin):
    list_display = ["membership", "step", "taken_on", "document_number", "recorded_by", "recorded_at"]
    list_filter = ["step"]
    search_fields = ["membership__person__name"]


@admin.register(ThoughtReport)
class ThoughtReportAdmin(ReadOnlyAdmin):
    list_display = ["membership", "year", "quarter", "received_on", "reviewed_on"]
    list_filter = ["year", "quarter"]
    search_fields = ["membership__person__name"]


@admin.register(StandingChange)
class StandingChangeAdmin(ReadOnlyAdmin):
    list_display = ["membership", "kind", "effective_on", "document_number", "standing_after"]
    list_filter = ["kind"]
    search_fields = ["membership__person__name", "document_number"]


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdmin):
    list_display = ["name", "from_name", "to_name", "transferred_on", "valid_until", "status", "receipt_on"]
    list_filter = ["status"]
    search_fields = ["name", "letter_number"]
    exclude = ["id_number"]


@admin.register(DuesMonth)
class DuesMonthAdmin(ReadOnlyAdmin):
    list_display = ["membership", "branch", "month", "category", "due_fen", "paid_fen", "last_paid_on"]
    list_filter = ["category", "branch"]
    search_fields = ["membership__person__name"]
    date_hierarchy = "month"


@admin.register(DuesPayment)
class DuesPaymentAdmin(ReadOnlyAdmin):
    list_display = ["dues_month", "amount_fen", "paid_on", "recorded_by", "recorded_at"]
    search_fields = ["dues_month__membership__person__name"]
