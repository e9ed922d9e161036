"""Settings shared by every environment. The environment is read here, and only here.

Embedded default: with no DATABASE_URL the database is SQLite under var/, and with no REDIS_URL Celery runs
tasks eagerly in the web process, so a new user needs nothing else running.
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("ZHIBU_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from exc


DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "core",
    "branches",
    "members",
    "appraisal",
    "reviews",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # R22: the client address for audit rows, and every refused request recorded (outside auth, sees all answers).
    "core.middleware.AuditContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "core.middleware.SessionTimeoutMiddleware",
    "core.middleware.NoStoreMiddleware",
    "csp.middleware.CSPMiddleware",
    # Deny by default: every view needs a login unless it is marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # R8: a user with a second factor reaches nothing but the second step until a code verifies the session.
    "core.otp.OTPGateMiddleware",
    # R9, §6.1: a password past its maximum age leads page loads to the change page (after the second step).
    "core.passwords.PasswordAgeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # R15: an IntegrityError no service expected answers a Chinese 409 page (nothing saved), never a 500.
    "core.conflict.IntegrityErrorMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.navigation",
                "appraisal.context_processors.notifications",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
        # With persistent connections, one that died with the server is noticed and replaced (R27).
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "core.password_validation.ChineseMinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # R9: no system, unit or party-organisation name (Chinese or pinyin) inside a password.
    {"NAME": "core.password_validation.ContextWordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# R7: a session ends 30 minutes after the last request and 8 hours after login at the latest.
SESSION_COOKIE_AGE = env_int("ZHIBU_SESSION_SECONDS", 8 * 3600)
ZHIBU_SESSION_IDLE_SECONDS = env_int("ZHIBU_SESSION_IDLE_SECONDS", 30 * 60)
SESSION_COOKIE_SAMESITE = "Lax"
# R6: an account name locks for 15 minutes after 5 failures; an address after 50 failures in an hour (offices
# share one NAT address). ZHIBU_CLIENT_IP_HEADER names the header the trusted reverse proxy sets, e.g. HTTP_X_REAL_IP.
# RELIABILITY.md §6.1: MLPS 8.1.4.1 a) asks for periodic change (定期更换), ASVS5 6.2.10 advises against forced
# rotation; the assessor's usual 90 days by default, 0 turns the maximum age off.
ZHIBU_PASSWORD_MAX_AGE_DAYS = env_int("ZHIBU_PASSWORD_MAX_AGE_DAYS", 90)
ZHIBU_LOGIN_MAX_FAILURES = env_int("ZHIBU_LOGIN_MAX_FAILURES", 5)
ZHIBU_LOGIN_LOCK_SECONDS = env_int("ZHIBU_LOGIN_LOCK_SECONDS", 15 * 60)
ZHIBU_LOGIN_ADDRESS_MAX_FAILURES = env_int("ZHIBU_LOGIN_ADDRESS_MAX_FAILURES", 50)
ZHIBU_LOGIN_ADDRESS_WINDOW_SECONDS = env_int("ZHIBU_LOGIN_ADDRESS_WINDOW_SECONDS", 3600)
ZHIBU_CLIENT_IP_HEADER = os.environ.get("ZHIBU_CLIENT_IP_HEADER", "")
SESSION_COOKIE_HTTPONLY = True
# R8: two factors (TOTP) are optional unless the user holds one of these roles (comma-separated codes of
# core.roles.Role, e.g. "leader,principal_leader,org_officer,system_admin"); signing and filing ask for a fresh code
# when the session was last verified longer ago than ZHIBU_STEP_UP_SECONDS.
ZHIBU_OTP_REQUIRED_ROLES = [r.strip() for r in os.environ.get("ZHIBU_OTP_REQUIRED_ROLES", "").split(",") if r.strip()]
ZHIBU_STEP_UP_SECONDS = env_int("ZHIBU_STEP_UP_SECONDS", 15 * 60)
OTP_TOTP_ISSUER = "支部"
# The admin lists devices without their secret keys.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
# Uploaded attachments live outside every publicly served path; only permission-checked views read them.
PRIVATE_STORAGE_ROOT = VAR_DIR / "private"
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_STORAGE_ROOT},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = PRIVATE_STORAGE_ROOT
FILE_UPLOAD_PERMISSIONS = 0o600
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000
# R29: a request body (files aside) is refused with 400 above Django's default 2.5 MB, set here on purpose.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Celery: a real broker when REDIS_URL is set, otherwise eager execution in-process.
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = 3600
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_MAX_TASKS_PER_CHILD = 50
CELERY_TASK_SOFT_TIME_LIMIT = 300
CELERY_TASK_TIME_LIMIT = 360
# A hung Redis must cost a request seconds, not minutes (RELIABILITY.md MEAS-5).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 1,
    "socket_timeout": 2,
    "max_retries": 2,
    "visibility_timeout": 3600,
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2}
CELERY_BEAT_SCHEDULE = {
    "clear-expired-sessions": {
        "task": "core.tasks.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=15),
    },
    # Every morning: adjusted working days (调休) fall on Saturdays and Sundays too (2026-01-04, 2026-02-28), so the
    # task itself decides by China's calendar and does nothing on weekends and holidays (DOMAIN.md §9).
    "appraisal-daily-reminders": {
        "task": "appraisal.tasks.send_daily_reminders",
        "schedule": crontab(hour=8, minute=30),
    },
    # Report jobs (RELIABILITY.md R17, R18, R25): re-send jobs whose message was never sent (Redis was down) or
    # whose worker died, and delete files past their retention.
    "reports-sweep-jobs": {
        "task": "reports.tasks.sweep_report_jobs",
        "schedule": 60.0,
    },
    "reports-purge-files": {
        "task": "reports.tasks.purge_report_files",
        "schedule": crontab(hour=3, minute=45),
    },
    # R25: everything in core/retention.py past its keep period; audit rows are archived to a file first.
    "retention-purge": {
        "task": "core.tasks.purge_expired",
        "schedule": crontab(hour=4, minute=15),
    },
}

# R10: every page loads only what this server serves (no CDN on closed networks, no injected script). Style
# attributes stay allowed: templates use them for widths, and they cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

EMAIL_BACKEND = os.environ.get("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")

# Domain settings (DOMAIN.md §4), overridable per deployment.
ZHIBU_LATE_ENTRY_DAYS = env_int("ZHIBU_LATE_ENTRY_DAYS", 30)
ZHIBU_SILENT_BRANCH_DAYS = env_int("ZHIBU_SILENT_BRANCH_DAYS", 30)
ZHIBU_ATTACHMENT_MAX_BYTES = env_int("ZHIBU_ATTACHMENT_MAX_MB", 20) * 1024 * 1024
ZHIBU_IMPORT_MAX_BYTES = env_int("ZHIBU_IMPORT_MAX_MB", 10) * 1024 * 1024
ZHIBU_PAGE_SIZE = 50
# Party membership lifecycle (DOMAIN.md §2, §3).
ZHIBU_DUE_SOON_DAYS = env_int("ZHIBU_DUE_SOON_DAYS", 30)
ZHIBU_FIRST_THOUGHT_REPORT_DAYS = env_int("ZHIBU_FIRST_THOUGHT_REPORT_DAYS", 30)
ZHIBU_TRANSFER_EXPIRING_DAYS = env_int("ZHIBU_TRANSFER_EXPIRING_DAYS", 7)
ZHIBU_ELDERLY_AGE = env_int("ZHIBU_ELDERLY_AGE", 70)
ZHIBU_COMMITTEE_WARNING_DAYS = env_int("ZHIBU_COMMITTEE_WARNING_DAYS", 90)
# Reports (DOMAIN.md §8, RELIABILITY.md R17–R20, R25).
ZHIBU_REPORT_RETENTION_DAYS = env_int("ZHIBU_REPORT_RETENTION_DAYS", 7)
# R23/R25: audit rows are kept this long, then archived to a file and removed; the database refuses to delete rows
# younger than 180 days (网络安全法 第二十一条: network logs at least six months), whatever this says.
ZHIBU_AUDIT_RETENTION_DAYS = env_int("ZHIBU_AUDIT_RETENTION_DAYS", 365)
ZHIBU_REPORT_MAX_ATTEMPTS = env_int("ZHIBU_REPORT_MAX_ATTEMPTS", 3)
# A running job renews its lease at every step; a job whose lease ran out is taken over by the sweeper.
ZHIBU_REPORT_LEASE_SECONDS = env_int("ZHIBU_REPORT_LEASE_SECONDS", 600)
# A pending job whose message was sent this long ago without a worker taking it is sent again.
ZHIBU_REPORT_REDISPATCH_SECONDS = env_int("ZHIBU_REPORT_REDISPATCH_SECONDS", 900)
# Forms per WeasyPrint document: bounded memory (STACK.md: 200 forms peak at 387 MB).
ZHIBU_REPORT_PDF_CHUNK = env_int("ZHIBU_REPORT_PDF_CHUNK", 100)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"database_unavailable": {"()": "core.errors.DatabaseUnavailableLogFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        # One line, not a stack trace, for each request that failed because the database is down (R27).
        "django.request": {"filters": ["database_unavailable"]},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
