from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import (
    Acknowledgement,
    AdmonishmentTask,
    AppraisalGroup,
    Appraisee,
    CadreAppraisee,
    CadreExercise,
    CadreResult,
    Commendation,
    Cycle,
    Delegation,
    Kinship,
    LogTask,
    MonthlyLog,
    Notification,
    Publication,
    QuarterlySummary,
    Rating,
    RuleSet,
)

admin.site.register(RuleSet)
admin.site.register(Delegation)
admin.site.register(Kinship)
admin.site.register(Commendation)


class AppraiseeInline(admin.TabularInline):
    model = Appraisee
    extra = 0
    autocomplete_fields = ["person"]
    exclude = ["cycle"]


@admin.register(AppraisalGroup)
class AppraisalGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "cycle", "leader"]
    list_filter = ["cycle"]
    inlines = [AppraiseeInline]

    def save_formset(self, request, form, formset, change) -> None:
        for appraisee in formset.save(commit=False):
            appraisee.cycle = form.instance.cycle
            appraisee.save()
        for deleted in formset.deleted_objects:
            deleted.delete()


@admin.register(Cycle)
class CycleAdmin(admin.ModelAdmin):
    list_display = ["year", "name", "kind", "opened_by", "opened_at"]


class LogTaskInline(admin.TabularInline):
    model = LogTask
    extra = 0


@admin.register(MonthlyLog)
class MonthlyLogAdmin(admin.ModelAdmin):
    list_display = ["person", "year", "month", "unit", "status", "is_late", "submitted_at"]
    list_filter = ["year", "month", "status", "is_late"]
    search_fields = ["person__name"]
    inlines = [LogTaskInline]


@admin.register(QuarterlySummary)
class QuarterlySummaryAdmin(admin.ModelAdmin):
    list_display = ["person", "year", "quarter", "unit", "written_by", "updated_at"]
    search_fields = ["person__name"]


@admin.register(Rating)
class RatingAdmin(ReadOnlyAdmin):
    list_display = ["person", "year", "period", "revision", "grade", "signed_by", "on_behalf_of", "signed_at"]
    list_filter = ["year", "period", "grade"]
    search_fields = ["person__name"]


@admin.register(Acknowledgement)
class AcknowledgementAdmin(ReadOnlyAdmin):
    list_display = ["rating", "acknowledged_at"]


@admin.register(Publication)
class PublicationAdmin(ReadOnlyAdmin):
    list_display = ["group", "year", "period", "published_by", "published_at"]


@admin.register(AdmonishmentTask)
class AdmonishmentTaskAdmin(ReadOnlyAdmin):
    list_display = ["person", "rating", "opened_at", "talk_on", "talk_by", "recorded_at"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["user", "message", "created_at", "read_at"]


# ---- Mid-level cadre appraisal: changed only through its pages, which check who scores and lock it once filed.


class CadreAppraiseeInline(admin.TabularInline):
    model = CadreAppraisee
    extra = 0
    fields = ["person", "position", "work_score", "principal_score"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CadreExercise)
class CadreExerciseAdmin(ReadOnlyAdmin):
    list_display = ["year", "title", "unit", "principal_leader", "status", "filed_by", "filed_at"]
    list_filter = ["year", "status"]
    inlines = [CadreAppraiseeInline]


@admin.register(CadreResult)
class CadreResultAdmin(ReadOnlyAdmin):
    list_display = ["appraisee", "total_display", "rank", "work_adjusted", "principal", "team_mean", "poll_mean"]
    list_filter = ["appraisee__exercise__year"]
    search_fields = ["appraisee__person__name"]
