"""Controlled degradation when a dependency fails (RELIABILITY.md R27, with R17 for report requests).

- The plain 503 page (core/errors.py) and the health endpoint's verdicts, through the test client: run everywhere.
- Against gunicorn (gthread, the production server) in processes of its own, started and stopped by PID:
  a) Redis frozen (SIGSTOP), then killed: login and the other pages keep working with no 5xx, a report request
     answers at once with the Chinese queue message and its job waits as pending, /health/ says "degraded";
  b) PostgreSQL stopped for 30 s: only the plain 503 page (and 503 JSON from /health/), never a stack trace; once
     PostgreSQL is back the same gunicorn, with the same workers, answers again within seconds;
  c) one gunicorn worker killed with SIGKILL while a client sends requests: the master starts a new one and at most
     one request fails.

Each fault is checked to have happened (a control): Redis answers no PING while frozen and refuses connections once
killed, the report job was never handed to it, PostgreSQL refuses connections while stopped, the killed worker is
gone and a new one serves. Redis is a redis-server of this module's own on a spare port; case b) stops a throwaway
PostgreSQL cluster (initdb in a temporary directory, spare port, trust authentication) that holds a copy of the
test database, never the shared server. gunicorn runs the development settings with DEBUG off (the test settings
would run report jobs eagerly instead of sending them to Redis).

Bounds on seconds here are generous ceilings that only a broken setup exceeds (an unbounded broker client blocked a
request for more than 75 s, MEAS-5), not speed targets; the measured times are printed. Skipped on SQLite (gunicorn
needs a database it can share), without redis-server, and for case b) without PostgreSQL's server binaries.
"""

import glob
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
import redis
import requests
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import OperationalError
from django.test import Client
from django.urls import reverse

from core.models import User
from reports.models import ReportJob
from tests.integration.test_celery_worker import worker_database_url

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
PG_BIN = next(iter(sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)), "")
PASSWORD = "faults-pw-2026"
QUEUE_DOWN = "任务队列暂时不可用"
PAGE_503 = "服务暂时不可用"
LEAKS = ("Traceback", "OperationalError", "psycopg", 'File "', "connection to server")
BOUNDED_SECONDS = 15
OUTAGE_SECONDS = 30
START_SECONDS = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(what: str, check, seconds: float = START_SECONDS, log: Path | None = None):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"{what} not within {seconds} s" + (f":\n{log.read_text(errors='replace')[-3000:]}" if log else ""))


# ---- The 503 page and the health endpoint (any database) ---------------------------------------------------------


def raise_lost_database(*args, **kwargs):
    raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')


def test_a_lost_database_answers_the_plain_chinese_503_page_without_details(db, personas, monkeypatch):
    monkeypatch.setattr("core.views.home_tasks", raise_lost_database)
    client = Client(raise_request_exception=False)
    client.force_login(personas.alice)

    response = client.get(reverse("home"))

    page = response.content.decode()
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert PAGE_503 in page and not any(leak in page for leak in LEAKS)


def test_a_request_failed_by_a_lost_database_is_logged_in_one_line_other_errors_with_their_trace(
    db, personas, monkeypatch, caplog
):
    """A 30-s outage fails thousands of requests the same way: each is one log line, not a 30-line stack trace."""
    client = Client(raise_request_exception=False)
    client.force_login(personas.alice)
    monkeypatch.setattr("core.views.home_tasks", raise_lost_database)
    with caplog.at_level(logging.ERROR, logger="django.request"):
        client.get(reverse("home"))
    [lost] = [r for r in caplog.records if r.name == "django.request"]
    assert lost.exc_info is None
    assert lost.getMessage() == "Service Unavailable: / (database unavailable: connection to server at " + (
        '"127.0.0.1", port 5432 failed: Connection refused)'
    )
    caplog.clear()

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("core.views.home_tasks", broken)
    with caplog.at_level(logging.ERROR, logger="django.request"):
        client.get(reverse("home"))
    [bug] = [r for r in caplog.records if r.name == "django.request"]
    assert bug.exc_info is not None and "Traceback" in caplog.text


def test_any_other_error_stays_a_500(db, personas, monkeypatch):
    """The control of the test above: the 503 is for a lost database only, not a blanket over every failure."""

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("core.views.home_tasks", broken)
    client = Client(raise_request_exception=False)
    client.force_login(personas.alice)

    response = client.get(reverse("home"))

    assert response.status_code == 500 and PAGE_503 not in response.content.decode()


def test_health_is_degraded_not_failed_when_only_redis_is_down(client, db, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there

    response = client.get(reverse("health"))

    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "checks": {"database": "ok", "redis": "down"}}


def test_health_is_503_when_the_database_is_unreachable(client, db, settings, monkeypatch):
    settings.REDIS_URL = ""
    monkeypatch.setattr("core.views.connection", SimpleNamespace(cursor=raise_lost_database))

    response = client.get(reverse("health"))

    assert response.status_code == 503
    assert response.json() == {"status": "down", "checks": {"database": "down"}}


# ---- Processes: gunicorn, redis-server, a PostgreSQL cluster ---------------------------------------------------


def children_of(pid: int) -> set[int]:
    children = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        if int(fields[1]) == pid:
            children.add(int(stat.parent.name))
    return children


class Gunicorn:
    """gunicorn serving the app with the development settings and DEBUG off, in a process group of its own."""

    def __init__(self, directory: Path, *, database_url: str, redis_url: str = "", **environment: str) -> None:
        self.port, self.log = free_port(), directory / f"gunicorn-{time.monotonic_ns()}.log"
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "faults-" + "k" * 60,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "ZHIBU_VAR_DIR": str(directory / "var"),
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            **environment,
        }
        self.process: subprocess.Popen | None = None

    def start(self, *, workers: int = 2, threads: int = 2) -> "Gunicorn":
        command = [
            GUNICORN, "config.wsgi", "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers),
            "--threads", str(threads), "--worker-class", "gthread", "--timeout", "30", "--graceful-timeout", "5",
        ]  # fmt: skip
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(command, cwd=Path(__file__).resolve().parents[2], env=self.env,
                                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
        try:
            wait_until("gunicorn answering", self._answers, log=self.log)
            wait_until(f"{workers} gunicorn workers", lambda: len(self.workers()) == workers, log=self.log)
        except BaseException:
            self.stop()
            raise
        return self

    def _answers(self) -> bool:
        if self.process.poll() is not None:
            pytest.fail(f"gunicorn exited with {self.process.returncode}:\n{self.log.read_text()[-3000:]}")
        try:
            return requests.get(f"{self.url}/accounts/login/", timeout=BOUNDED_SECONDS).status_code == 200
        except requests.RequestException:  # not listening yet, or still loading the app
            return False

    def workers(self) -> set[int]:
        return children_of(self.process.pid)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()  # SIGTERM to the master's PID: it stops its workers
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


class RedisServer:
    def __init__(self, directory: Path) -> None:
        self.port, self.directory = free_port(), directory
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> "RedisServer":
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--daemonize", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_until(f"redis-server on port {self.port}", lambda: self.ping(timeout=1))
        return self

    def ping(self, *, timeout: float) -> bool:
        try:
            return redis.Redis.from_url(self.url, socket_timeout=timeout, socket_connect_timeout=timeout).ping()
        except redis.ConnectionError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()  # SIGKILL ends a stopped process too
            self.process.wait(timeout=10)


class PostgresCluster:
    """A throwaway cluster under `directory`, on a spare port. As root, its commands run as the postgres user."""

    def __init__(self, directory: Path) -> None:
        self.directory, self.port = directory, free_port()
        self.data = directory / "data"
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/zhibu"
        self.as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def run(self, *command: str) -> None:
        subprocess.run([*self.as_owner, *command], check=True, capture_output=True, timeout=120)

    def init(self) -> None:
        if self.as_owner:
            shutil.chown(self.directory, "postgres", "postgres")
        self.run(f"{PG_BIN}/initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                 "--locale=C.UTF-8", "--no-sync")  # fmt: skip
        self.start()
        self.run(f"{PG_BIN}/createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "zhibu")

    def start(self) -> None:
        self.run(f"{PG_BIN}/pg_ctl", "-D", str(self.data), "-l", str(self.directory / "postgres.log"), "-w",
                 "-o", f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off",
                 "start")  # fmt: skip

    def stop(self) -> None:
        self.run(f"{PG_BIN}/pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def accepts_connections(self) -> bool:
        return subprocess.run([f"{PG_BIN}/pg_isready", "-h", "127.0.0.1", "-p", str(self.port), "-q"],
                              check=False).returncode == 0  # fmt: skip

    def copy_of(self, source_url: str) -> None:
        """The test database (schema, triggers and the test's committed rows) restored into this cluster."""
        dump = self.directory / "source.dump"
        subprocess.run([f"{PG_BIN}/pg_dump", "-Fc", "-f", str(dump), "-d", source_url], check=True, timeout=120)
        if self.as_owner:
            shutil.chown(dump, "postgres", "postgres")
        self.run(f"{PG_BIN}/pg_restore", "--no-owner", "--exit-on-error", "-h", "127.0.0.1", "-p", str(self.port),
                 "-U", "postgres", "-d", "zhibu", str(dump))  # fmt: skip


# ---- Fixtures ---------------------------------------------------------------------------------------------------

needs_redis_server = pytest.mark.skipif(not os.path.exists(REDIS_SERVER), reason="redis-server is not installed")
needs_postgres_binaries = pytest.mark.skipif(
    not (PG_BIN and os.path.exists(f"{PG_BIN}/initdb") and (os.geteuid() != 0 or shutil.which("runuser"))),
    reason="a throwaway cluster needs PostgreSQL's server binaries (/usr/lib/postgresql/*/bin: initdb, pg_ctl)",
)


@pytest.fixture
def scratch() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="zhibu-faults-") as tmp:
        yield Path(tmp)


@pytest.fixture
def test_database_url(transactional_db) -> str:
    """The test database as a URL for gunicorn; skips on SQLite."""
    return worker_database_url()


def with_password(user: User) -> User:
    """A password gunicorn's settings can check: the test settings hash with MD5, which they do not list."""
    user.password = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt())
    user.save(update_fields=["password"])
    return user


def logged_in(base_url: str, user: User) -> requests.Session:
    session = requests.Session()
    session.get(f"{base_url}/accounts/login/", timeout=BOUNDED_SECONDS)
    response = login(session, base_url, user)
    assert response.status_code == 302, response.text[:500]
    return session


def login(session: requests.Session, base_url: str, user: User) -> requests.Response:
    if "csrftoken" not in session.cookies:
        session.get(f"{base_url}/accounts/login/", timeout=BOUNDED_SECONDS)
    return session.post(
        f"{base_url}/accounts/login/",
        {"username": user.username, "password": PASSWORD, "csrfmiddlewaretoken": session.cookies.get("csrftoken")},
        allow_redirects=False,
        timeout=BOUNDED_SECONDS,
    )


# ---- a) Redis frozen, then killed -------------------------------------------------------------------------------


@pytest.mark.integration
@needs_redis_server
def test_with_redis_frozen_then_killed_pages_and_login_work_and_a_report_request_answers_at_once(
    test_database_url, personas, org, scratch
):
    officer = with_password(personas.chief)
    server = RedisServer(scratch).start()
    web = Gunicorn(scratch, database_url=test_database_url, redis_url=server.url)
    statuses: Counter = Counter()
    try:
        web.start()
        session = logged_in(web.url, officer)
        assert session.get(f"{web.url}/health/", timeout=BOUNDED_SECONDS).json() == {"status": "ok"}

        def pages_login_and_a_report(fmt: str) -> float:
            """The checks of one state of Redis; returns the seconds the report request took."""
            fresh = requests.Session()
            assert login(fresh, web.url, officer).status_code == 302  # sessions and lockout live in the database
            for path in (
                reverse("home"),
                reverse("appraisal:my_log"),
                reverse("members:list"),
                reverse("reports:jobs"),
            ):
                response = fresh.get(f"{web.url}{path}", timeout=BOUNDED_SECONDS)
                statuses[response.status_code] += 1
                assert response.status_code == 200, (path, response.status_code)
            started = time.monotonic()
            response = fresh.post(
                f"{web.url}{reverse('reports:jobs')}",
                {"kind": "registration", "fmt": fmt, "year": 2026, "quarter": 1, "unit": org.office.pk,
                 "csrfmiddlewaretoken": fresh.cookies.get("csrftoken")},
                timeout=BOUNDED_SECONDS * 2,
            )  # fmt: skip
            seconds = time.monotonic() - started
            statuses[response.status_code] += 1
            assert response.status_code == 200 and QUEUE_DOWN in response.text  # after the redirect to the jobs page
            job = ReportJob.objects.get(fmt=fmt)
            # The control: the job really was not handed to Redis; it waits for the sweeper.
            assert (job.status, job.dispatched_at) == (ReportJob.Status.PENDING, None)
            health = fresh.get(f"{web.url}/health/", timeout=BOUNDED_SECONDS)
            statuses[health.status_code] += 1
            assert health.status_code == 200
            assert health.json() == {"status": "degraded", "checks": {"database": "ok", "redis": "down"}}
            return seconds

        server.process.send_signal(signal.SIGSTOP)
        with pytest.raises(redis.TimeoutError):  # the control: frozen, it accepts and never answers
            redis.Redis.from_url(server.url, socket_timeout=0.5, socket_connect_timeout=0.5).ping()
        frozen_seconds = pages_login_and_a_report("xlsx")

        server.stop()
        assert not server.ping(timeout=0.5)  # the control: killed, it refuses connections
        killed_seconds = pages_login_and_a_report("pdf")

        print(f"report request with Redis frozen: {frozen_seconds:.2f} s, killed: {killed_seconds:.2f} s")
        assert frozen_seconds < BOUNDED_SECONDS and killed_seconds < BOUNDED_SECONDS
        assert not [code for code in statuses if code >= 500], statuses
    finally:
        web.stop()
        server.stop()


# ---- b) PostgreSQL stopped for 30 s -----------------------------------------------------------------------------


@pytest.mark.integration
@needs_postgres_binaries
def test_with_postgresql_stopped_pages_are_the_plain_503_and_the_same_workers_recover(
    test_database_url, personas, scratch
):
    officer = with_password(personas.chief)
    cluster = PostgresCluster(scratch)
    cluster.init()
    # Persistent connections with health checks: the harder case, a worker holding a connection that died.
    web = Gunicorn(scratch, database_url=cluster.url, DATABASE_CONN_MAX_AGE="60")
    try:
        cluster.copy_of(test_database_url)
        web.start()
        workers = web.workers()
        session = logged_in(web.url, officer)
        assert session.get(f"{web.url}/", timeout=BOUNDED_SECONDS).status_code == 200

        cluster.stop()
        assert not cluster.accepts_connections()  # the control: really down
        answers: list[tuple[str, int, str]] = []
        outage_ends = time.monotonic() + OUTAGE_SECONDS
        while time.monotonic() < outage_ends:
            for what, send in (
                ("home", lambda: session.get(f"{web.url}/", timeout=BOUNDED_SECONDS)),
                ("login", lambda: login(requests.Session(), web.url, officer)),
                ("health", lambda: requests.get(f"{web.url}/health/", timeout=BOUNDED_SECONDS)),
            ):
                response = send()
                answers.append((what, response.status_code, response.text))
            time.sleep(1)
        assert not cluster.accepts_connections()  # still down at the end: no one restarted it behind our back

        cluster.start()
        back = time.monotonic()
        recovered = wait_until(
            "the same session answering again",
            lambda: session.get(f"{web.url}/", timeout=BOUNDED_SECONDS).status_code == 200 and time.monotonic(),
            seconds=BOUNDED_SECONDS,
            log=web.log,
        )

        print(f"{len(answers)} requests during {OUTAGE_SECONDS} s without PostgreSQL: "
              f"{dict(Counter((what, code) for what, code, _text in answers))}; answering again "
              f"{recovered - back:.2f} s after PostgreSQL was back")  # fmt: skip
        assert {(what, code) for what, code, _text in answers} == {("home", 503), ("login", 503), ("health", 503)}
        for what, _code, text in answers:
            assert not any(leak in text for leak in LEAKS), (what, text[:500])
            if what != "health":
                assert PAGE_503 in text
        assert all('"status": "down"' in text for what, _code, text in answers if what == "health")
        assert web.workers() == workers  # served by the same workers: nothing was restarted
    finally:
        web.stop()
        if cluster.accepts_connections():
            cluster.stop()


# ---- c) A gunicorn worker killed ----------------------------------------------------------------------------------


@pytest.mark.integration
def test_a_worker_killed_with_sigkill_is_replaced_and_costs_at_most_one_request(test_database_url, scratch):
    web = Gunicorn(scratch, database_url=test_database_url).start(workers=2, threads=2)
    results: list[bool] = []
    stop = threading.Event()

    def client() -> None:
        # One request at a time, each on a new connection: at most the one in flight can be lost.
        while not stop.is_set():
            try:
                results.append(requests.get(f"{web.url}/health/", timeout=BOUNDED_SECONDS).status_code == 200)
            except requests.RequestException:
                results.append(False)

    sender = threading.Thread(target=client)
    try:
        before = web.workers()
        victim = min(before)
        sender.start()
        wait_until("20 requests", lambda: len(results) >= 20)
        os.kill(victim, signal.SIGKILL)
        killed_at = len(results)
        replacement = wait_until("a new worker", lambda: web.workers() - before, log=web.log)
        respawned_at = len(results)
        wait_until("20 requests after the new worker started", lambda: len(results) >= respawned_at + 20)
        stop.set()
        sender.join(timeout=BOUNDED_SECONDS)

        print(f"{len(results)} requests, worker {victim} killed after {killed_at}, worker {sorted(replacement)} "
              f"started after {respawned_at}; failed: {results.count(False)}")  # fmt: skip
        assert victim not in web.workers() and len(replacement) == 1  # the control: killed, and replaced
        assert len(web.workers()) == 2
        assert results.count(False) <= 1, results
        assert all(results[-10:])  # serving normally afterwards
    finally:
        stop.set()
        if sender.is_alive():
            sender.join(timeout=BOUNDED_SECONDS)
        web.stop()
