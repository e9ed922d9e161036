from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone

from appraisal.home import home_tasks
from branches import selectors as branch_selectors
from members.scopes import scope_for
from reviews.mass_selectors import rectifications_attention


def home(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    today = timezone.localdate()
    context = {"scope": scope, "today": today, "tasks": home_tasks(user=request.user, today=today)}
    if scope.organization_ids:
        context["silent_branches"] = branch_selectors.silent_branches(user=request.user, today=today)
        context["late_entries"] = branch_selectors.recent_late_entries(user=request.user)[:10]
        context["compliance_summary"] = branch_selectors.compliance_summary(user=request.user, today=today)
        # Rectifications of 群众评议 past their deadline, waiting for a talk or for the re-evaluation (§7).
        context["rectifications_attention"] = list(rectifications_attention(user=request.user, today=today)[:10])
    return render(request, "core/home.html", context)


@login_not_required
def health(request: HttpRequest) -> JsonResponse:
    """For load balancers and docker-compose: the web process answers and the database is reachable."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
