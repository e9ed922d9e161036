"""Tasks through the real queue path: a Celery worker process on Redis (STYLE.md: task tests at two levels).

The worker tests need REDIS_URL and a database that a second process can open (PostgreSQL); `.ci/run` provides
both. The default run (SQLite in memory, eager Celery) skips them and says why.
"""

import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from celery.result import AsyncResult
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from config.celery import app as celery_app
from core.tasks import clear_expired_sessions, ping

REDIS_URL = os.environ.get("REDIS_URL", "")
WORKER_START_SECONDS = 60
TASK_SECONDS = 30

requires_redis = pytest.mark.skipif(
    not REDIS_URL,
    reason="REDIS_URL is not set: this run uses eager Celery; `.ci/run` starts Redis and tests a real worker",
)


def unique_queue_name() -> str:
    return f"zhibu-test-{uuid.uuid4().hex[:12]}"


def forget_queue(queue: str) -> None:
    """Purge a test queue and drop kombu's bookkeeping keys for it, so that runs leave nothing behind in Redis."""
    with celery_app.connection_for_write() as conn:
        conn.default_channel.queue_purge(queue)
    if REDIS_URL:
        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(match=f"*{queue}*"))
        if keys:
            client.delete(*keys)


def worker_database_url() -> str:
    """The test database (e.g. test_zhibu, not zhibu) as a URL for the worker process."""
    if connection.vendor != "postgresql":
        pytest.skip(f"the test database is {connection.vendor}, which a worker process cannot share: use PostgreSQL")
    db = connection.settings_dict
    userinfo = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        userinfo += ":" + quote(db["PASSWORD"], safe="")
    netloc = (f"{userinfo}@" if userinfo else "") + (db["HOST"] or "localhost")
    if db["PORT"]:
        netloc += f":{db['PORT']}"
    return f"postgres://{netloc}/{quote(db['NAME'], safe='')}"


@pytest.fixture(scope="module")
def worker_queue(django_db_setup) -> Iterator[str]:
    """One worker process for this module, consuming a queue of its own so that no other worker on the same
    Redis takes these tasks; stopped by its PID afterwards. Returns the queue name."""
    queue = unique_queue_name()
    nodename = f"{queue}@localhost"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "REDIS_URL": REDIS_URL,
        "DATABASE_URL": worker_database_url(),  # set up by django_db_setup: the test database
    }
    command = [
        sys.executable, "-m", "celery", "-A", "config", "worker",
        "--pool=solo", "-l", "INFO", "-n", nodename, "-Q", queue,
        "--without-heartbeat", "--without-gossip", "--without-mingle",
    ]  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="zhibu-worker-") as tmp:
        log_path = Path(tmp) / "worker.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
            try:
                wait_until_worker_answers(process, nodename=nodename, log_path=log_path)
                yield queue
            finally:
                process.terminate()  # SIGTERM to this PID: warm shutdown
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=5)
                forget_queue(queue)


def wait_until_worker_answers(process: subprocess.Popen, *, nodename: str, log_path: Path) -> None:
    deadline = time.monotonic() + WORKER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the worker exited with {process.returncode}:\n{log_path.read_text()[-4000:]}")
        if celery_app.control.ping(destination=[nodename], timeout=1.0):
            return
    pytest.fail(f"the worker did not answer within {WORKER_START_SECONDS} s:\n{log_path.read_text()[-4000:]}")


@pytest.fixture
def not_eager() -> Iterator[None]:
    """Test settings run tasks eagerly; these tests publish them to the broker instead."""
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = eager


@pytest.mark.integration
@requires_redis
@pytest.mark.django_db(transaction=True)
def test_ping_task_travels_to_a_real_worker_and_back(worker_queue, not_eager):
    result = ping.apply_async(queue=worker_queue)

    assert isinstance(result, AsyncResult)  # published to Redis, not run in this process
    answer = result.get(timeout=TASK_SECONDS)
    assert answer["pong"] is True
    assert answer["database"] == connection.vendor


@pytest.mark.integration
@requires_redis
@pytest.mark.django_db(transaction=True)  # committed rows, so the worker's own connection sees them
def test_worker_clears_expired_sessions_and_keeps_live_ones(worker_queue, not_eager):
    now = timezone.now()
    Session.objects.create(session_key="expired" + "0" * 25, session_data="", expire_date=now - timedelta(hours=1))
    Session.objects.create(session_key="live" + "0" * 28, session_data="", expire_date=now + timedelta(hours=1))

    deleted = clear_expired_sessions.apply_async(queue=worker_queue).get(timeout=TASK_SECONDS)

    assert deleted == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == ["live" + "0" * 28]


def test_check_worker_fails_cleanly_when_no_worker_answers(not_eager):
    """No Redis needed: with the in-memory broker nobody consumes the ping. With REDIS_URL set the ping goes to a
    queue no worker listens on, and is purged afterwards."""
    queue = unique_queue_name()
    default_queue = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = queue
    try:
        with pytest.raises(CommandError, match="没有工作进程回复"):
            call_command("check_worker", "--timeout", "0.5")
    finally:
        celery_app.conf.task_default_queue = default_queue
        forget_queue(queue)
