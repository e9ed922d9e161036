from django.contrib import admin

from .models import (
    CommitteeMember,
    CommitteeTerm,
    ComplianceExemption,
    Meeting,
    MeetingAttachment,
    MeetingAttendance,
    MeetingFrequencyRule,
    PartyOrganization,
    Unit,
)


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "parent", "sort_order"]
    list_filter = ["kind"]
    search_fields = ["name"]


@admin.register(PartyOrganization)
class PartyOrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "parent", "founded_on", "sort_order"]
    list_filter = ["kind"]
    search_fields = ["name"]


class MeetingAttendanceInline(admin.TabularInline):
    model = MeetingAttendance
    extra = 0
    autocomplete_fields = ["person"]


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["held_on", "organization", "kind", "topic", "is_late_entry", "recorded_at"]
    list_filter = ["kind", "is_late_entry", "organization"]
    search_fields = ["topic"]
    date_hierarchy = "held_on"
    inlines = [MeetingAttendanceInline]
    readonly_fields = ["is_late_entry", "recorded_by", "recorded_at", "updated_at"]


@admin.register(MeetingAttachment)
class MeetingAttachmentAdmin(admin.ModelAdmin):
    list_display = ["original_name", "meeting", "size", "uploaded_by", "uploaded_at"]
    readonly_fields = ["token", "sha256", "size", "content_type", "uploaded_by", "uploaded_at"]


@admin.register(MeetingFrequencyRule)
class MeetingFrequencyRuleAdmin(admin.ModelAdmin):
    list_display = ["kind", "period", "min_count", "organization"]
    list_filter = ["kind", "period"]


@admin.register(ComplianceExemption)
class ComplianceExemptionAdmin(admin.ModelAdmin):
    list_display = ["organization", "kind", "starts_on", "ends_on", "reason"]


class CommitteeMemberInline(admin.TabularInline):
    model = CommitteeMember
    extra = 0

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CommitteeTerm)
class CommitteeTermAdmin(admin.ModelAdmin):
    """Terms are history (DOMAIN.md §2): recorded on the committee page, read-only here."""

    list_display = ["organization", "elected_on", "ends_on", "term_years", "document_number"]
    list_filter = ["organization"]
    inlines = [CommitteeMemberInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
