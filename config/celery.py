"""The Celery application. With REDIS_URL unset, tasks run eagerly in the web process (see settings)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("zhibu")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
