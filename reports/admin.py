"""Report jobs in the admin: readable for support (status, attempts, lease, file digest), never changed there. A job
changes only through reports/services.py (conditional updates that a worker and the sweeper rely on, R17, R18),
and its file is downloaded only by its requester through the jobs page (R20)."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import ReportJob


@admin.register(ReportJob)
class ReportJobAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "fmt", "requested_by", "year", "quarter", "month", "status", "progress",
                    "attempts"]  # fmt: skip
    list_filter = ["status", "kind", "fmt"]
    search_fields = ["id", "requested_by__username", "filename"]
    date_hierarchy = "created_at"
    list_select_related = ["requested_by"]
    readonly_fields = [field.name for field in ReportJob._meta.fields]
