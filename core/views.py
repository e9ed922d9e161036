import redis
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
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
    """For load balancers and docker-compose (RELIABILITY.md R27). 200 {"status": "ok"} when the database and, if
    configured, Redis answer. 200 "degraded" when only Redis is down: everything but report jobs works and those
    wait as pending (R17), so the web process must not be taken out of service or restarted for it. 503 "down" when
    the database cannot be reached, which no page can do without."""
    checks = {"database": "ok"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        checks["database"] = "down"
    if settings.REDIS_URL:
        checks["redis"] = _redis_status(settings.REDIS_URL)
    if checks["database"] != "ok":
        return JsonResponse({"status": "down", "checks": checks}, status=503)
    if any(state != "ok" for state in checks.values()):
        return JsonResponse({"status": "degraded", "checks": checks})
    return JsonResponse({"status": "ok"})


def _redis_status(url: str) -> str:
    # A frozen Redis accepts the connection and never answers: one second, like the broker's own bound (R17).
    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        return "down"
    finally:
        client.close()
    return "ok"
