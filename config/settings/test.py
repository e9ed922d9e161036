"""Test settings: SQLite unless DATABASE_URL is set; Celery eager unless a test starts a real worker."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import DATABASES, STORAGES

SECRET_KEY = "test-only-key-not-used-anywhere-else-0123456789abcdefghijklmnopqrstuvwxyz"  # nosec B105  # fixed key of the test database only
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests travel months ahead of the day their users were created; the maximum age is tested where it is switched on.
ZHIBU_PASSWORD_MAX_AGE_DAYS = 0
CELERY_TASK_ALWAYS_EAGER = True
PRIVATE_STORAGE_ROOT = Path(tempfile.mkdtemp(prefix="zhibu-test-private-"))
MEDIA_ROOT = PRIVATE_STORAGE_ROOT
STORAGES = {**STORAGES, "default": {**STORAGES["default"], "OPTIONS": {"location": PRIVATE_STORAGE_ROOT}}}
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
# The audit log refuses TRUNCATE (core migration 0004) unless this is on; Django's flush between transactional tests
# empties the tables with TRUNCATE. Tests of the refusal switch it off in their transaction.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c zhibu.audit_truncate=on"
