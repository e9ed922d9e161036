"""Test settings: SQLite unless DATABASE_URL is set; Celery eager unless a test starts a real worker."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import STORAGES

SECRET_KEY = "test-only-key-not-used-anywhere-else-0123456789abcdefghijklmnopqrstuvwxyz"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
PRIVATE_STORAGE_ROOT = Path(tempfile.mkdtemp(prefix="zhibu-test-private-"))
MEDIA_ROOT = PRIVATE_STORAGE_ROOT
STORAGES = {**STORAGES, "default": {**STORAGES["default"], "OPTIONS": {"location": PRIVATE_STORAGE_ROOT}}}
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
