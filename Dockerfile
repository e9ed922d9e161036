# Zhibu production image: gunicorn serves the web app; the same image runs the Celery worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    ZHIBU_VAR_DIR=/app/var

# WeasyPrint with Chinese fonts (STACK.md): without libharfbuzz-subset0 a PDF takes 47x longer. pg_dump and
# pg_restore for `manage.py backup` / `restore`.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig fonts-noto-cjk fonts-dejavu-core \
        postgresql-client \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, so that a code change does not reinstall them (pyproject lists no packages of its own).
COPY pyproject.toml ./
RUN pip install .

COPY . .

# Production settings refuse to load without a secret key; collectstatic gets a throwaway one that lives only
# in this RUN step, never in the image's environment. The real key comes from the .env file at run time.
RUN DJANGO_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
        python manage.py collectstatic --noinput \
    && useradd --system --user-group --home-dir /app --no-create-home zhibu \
    && mkdir -p /app/var/private \
    && chown -R zhibu:zhibu /app/var

USER zhibu
EXPOSE 8000

# 3 workers x 4 threads on 2 cores (RELIABILITY.md R26); the timeout stays above the broker's bounded timeouts.
# No keep-alive: a saturated gthread worker closed idle connections that clients had just sent a request on
# (bench/load.py), and a reverse proxy in front speaks one request per connection to it anyway.
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--threads", "4", \
     "--worker-class", "gthread", "--timeout", "60", "--keep-alive", "0", "--access-logfile", "-"]
