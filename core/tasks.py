import socket

from celery import shared_task
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone


@shared_task
def ping() -> dict:
    """Answered by a worker: used by `manage.py check_worker` and the worker's container health check."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"pong": True, "hostname": socket.gethostname(), "database": connection.vendor}


@shared_task
def clear_expired_sessions() -> int:
    """Run daily by beat: expired sessions would otherwise accumulate in the database."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


@shared_task
def purge_expired() -> dict[str, int]:
    """Run daily by beat: everything in the retention table past its keep period (RELIABILITY.md R25)."""
    from .retention import retention_purge

    return retention_purge()
