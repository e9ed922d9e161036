import datetime

from celery import shared_task
from django.utils import timezone

from .reminders import reminders_send


@shared_task
def send_daily_reminders(day: str | None = None) -> dict[str, int]:
    """Run by beat every morning; reminders_send does nothing on a day that is not a working day by China's
    calendar (a Saturday or Sunday can be an adjusted working day, a weekday a holiday). `day` (ISO) is for reruns."""
    today = datetime.date.fromisoformat(day) if day else timezone.localdate()
    return reminders_send(today=today)
