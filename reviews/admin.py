"""Polls in the admin: readable, changed only through the poll pages (their services check state and scope and write
the audit trail). Codes and ballots are not registered at all: nobody browses them one by one (R21)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyAdmin

from .models import Poll, PollQuestion, PollSubject, VotingCode


class PollSubjectInline(admin.TabularInline):
    model = PollSubject
    fields = ["sort_order", "label", "person", "organization"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class PollQuestionInline(admin.TabularInline):
    model = PollQuestion
    fields = ["sort_order", "text", "kind", "applies_to"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Poll)
class PollAdmin(ReadOnlyAdmin):
    list_display = ["title", "kind", "unit", "organization", "status", "codes_issued", "codes_used", "ballots_cast"]
    list_filter = ["status", "kind"]
    search_fields = ["title"]
    inlines = [PollSubjectInline, PollQuestionInline]

    @admin.display(description=_("已使用投票码"))
    def codes_used(self, obj: Poll) -> int | str:
        """While open, how many codes were used; after the close the code rows are gone and ballots_cast says it."""
        if obj.status != Poll.Status.OPEN:
            return "—"
        return VotingCode.objects.filter(poll=obj, used=True).count()
