"""Controlled degradation under load (RELIABILITY.md R27, with R17 for report requests): bench/load.py's month-end
traffic (bench/locustfile.py) runs against gunicorn while its dependencies fail one after another, each fault
followed by a quiet phase. Prints per phase what locust's users got, then R27's targets met or missed and the writes
lost. Exits 1 when a target that must hold is missed: all of them but the worker kill's "at most one failed
request", which is printed only (a worker's 4 threads can have 4 requests in flight when it dies).

    .venv/bin/python bench/faults.py [--users 40] [--leaders 4] [--phase-seconds 30]

All in processes of its own, stopped by PID; the shared servers on 5432 and 6379 are never touched: a throwaway
PostgreSQL cluster (initdb in a temporary directory, spare port, trust, database zhibu_faults), a redis-server on a
spare port as the report queue's broker, gunicorn as bench/load.py runs it (production settings, 3 workers × 4
threads), locust. The default load stays well below the 2-core machine's saturation (about 60 requests/s), so that
the faults show, not the queueing. The phases, each --phase-seconds long once everyone has logged in: baseline;
Redis frozen (SIGSTOP, then SIGCONT); quiet; Redis killed (SIGKILL; a new one is started on the same port when the
phase ends, so the later phases have a working queue); quiet; PostgreSQL stopped (pg_ctl stop -m fast) for 30 s,
then started, the phase lasting until /health/ answers 200 again plus 1 s; quiet; one gunicorn worker killed
(SIGKILL); quiet until locust stops.

Meanwhile this script probes by itself: /health/ twice a second; in each Redis phase a fresh login and one report
pack request (R17: answered at once with the queue message, its job left pending); while PostgreSQL is down a
logged-in page and a login every second. The bodies of all its answers are searched for stack traces.

Each locust request counts in the phase in which it ended. Locust imports this file too (`-f
bench/locustfile.py,bench/faults.py`) only to write a line per request: status 0 ("no resp") is a request that got
no response at all (refused or reset), which gunicorn's access log cannot show; "failed" is what locust counts
failed, including answers the locustfile refuses (a save not acknowledged). Logins before the measured phase are
not counted; p95 is at the client.
"""

import argparse
import glob
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import load  # bench/ is this script's directory, and locust puts it on sys.path too
import psutil
import redis
import requests
from redis.backoff import NoBackoff
from redis.retry import Retry

REQUEST_LOG = "FAULTS_REQUEST_LOG"

if os.environ.get(REQUEST_LOG):  # imported by locust next to bench/locustfile.py: one line per request
    from locust import events

    _request_lines = open(os.environ[REQUEST_LOG], "a", buffering=1, encoding="utf-8")  # noqa: SIM115 - whole run

    @events.request.add_listener
    def _record(name, response, exception, start_time, response_time, **_kwargs) -> None:
        status = getattr(response, "status_code", 0) or 0
        ended = start_time + response_time / 1000
        _request_lines.write(json.dumps([ended, name, status, exception is not None, response_time]) + "\n")


DATABASE = "zhibu_faults"
PG_BIN = next(iter(sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)), "")
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
WORKERS, THREADS = 3, 4
OUTAGE_SECONDS = 30  # R27: PostgreSQL stopped for 30 s
RECOVERY_TARGET = 5  # R27: answering again within 5 s of PostgreSQL's return
REPORT_TARGET = 3  # R17: a report request answers within 3 s while Redis is frozen
BOUND = 15  # timeout of this script's own requests: only a hang reaches it
QUEUE_DOWN = "任务队列暂时不可用"
PAGE_503 = "服务暂时不可用"
LEAKS = ("Traceback", "psycopg", 'File "', "OperationalError", "connection to server")


# ---- Processes ----------------------------------------------------------------------------------------------------


class Cluster:
    """A throwaway PostgreSQL cluster on a spare port. As root, its commands run as the postgres user."""

    def __init__(self, directory: Path) -> None:
        self.directory, self.data, self.port = directory, directory / "data", load.free_port()
        self.as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_owner:
            shutil.chown(directory, "postgres", "postgres")

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def run(self, program: str, *arguments: str) -> None:
        command = [*self.as_owner, f"{PG_BIN}/{program}", *arguments]
        subprocess.run(command, check=True, capture_output=True, timeout=120)  # noqa: S603 - PostgreSQL's programs

    def init(self) -> None:
        self.run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8",
                 "--no-sync")  # fmt: skip
        self.start()
        self.run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", DATABASE)

    def start(self) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.directory / "postgres.log"), "-w", "-o",
                 f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1", "start")  # fmt: skip

    def stop(self) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def up(self) -> bool:
        command = [f"{PG_BIN}/pg_isready", "-h", "127.0.0.1", "-p", str(self.port), "-q"]
        return subprocess.run(command, check=False).returncode == 0  # noqa: S603 - PostgreSQL's program


def redis_start(port: int, directory: Path) -> subprocess.Popen:
    server = subprocess.Popen(  # noqa: S603 - redis-server with fixed arguments
        [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--daemonize", "no", "--dir", str(directory)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while not redis_answers(port):
        if time.monotonic() > deadline:
            sys.exit(f"redis-server on port {port} did not answer within 30 s")
        time.sleep(0.1)
    return server


def redis_answers(port: int) -> bool:
    # No retries: redis-py's default retries took 9 s to give up on a frozen server.
    client = redis.Redis(port=port, socket_timeout=0.5, socket_connect_timeout=0.5, retry=Retry(NoBackoff(), 0))
    try:
        return client.ping()
    except redis.RedisError:
        return False


def children_of(pid: int) -> set[int]:
    return {child.pid for child in psutil.Process(pid).children()}


def measured_phase_begun(request_log: Path) -> bool:
    """Whether locust's measured phase has begun: a request other than a login has ended."""
    for line in request_log.read_text(encoding="utf-8").splitlines():
        try:
            if json.loads(line)[1] not in ("login page", "login"):
                return True
        except ValueError:
            continue  # a line being written
    return False


# ---- The schedule -------------------------------------------------------------------------------------------------


class Schedule:
    """Injects the faults one after another while locust runs, probes the server, and keeps the verdicts."""

    def __init__(self, *, url, seconds, cluster, redis, redis_port, scratch, gunicorn, locust, officer) -> None:
        self.url, self.seconds, self.cluster, self.scratch = url, seconds, cluster, scratch
        self.redis, self.redis_port, self.gunicorn, self.locust = redis, redis_port, gunicorn, locust
        self.officer, self.officer_session = officer, requests.Session()
        self.phases: list[dict] = []
        self.probes: list[tuple[float, str, int, str, float]] = []  # (ended, what, status, body, seconds)
        self.loads: list[tuple[float, float]] = []
        self.checks: list[tuple[str, bool, str, bool]] = []  # (target, met, measured, must hold)

    def check(self, target: str, met: bool, measured: str, *, must: bool = True) -> None:
        self.checks.append((target, met, measured, must))

    def request(self, what: str, method: str, path: str, session=None, **kwargs) -> tuple[int, str]:
        started = time.time()
        try:
            response = (session or requests).request(method, f"{self.url}{path}", timeout=BOUND, **kwargs)
            answer = (response.status_code, response.text)
        except requests.RequestException as exc:
            answer = (0, str(exc))
        self.probes.append((time.time(), what, *answer, time.time() - started))
        return answer

    def login(self, session) -> int:
        self.request("login page", "GET", "/accounts/login/", session)
        data = {"username": self.officer["username"], "password": self.officer["password"],
                "csrfmiddlewaretoken": session.cookies.get("csrftoken", "")}  # fmt: skip
        return self.request("login", "POST", "/accounts/login/", session, data=data, allow_redirects=False)[0]

    def hold(self, until: float, each_second=None) -> None:
        """Probe /health/ twice a second (and call each_second every other time) until the given time."""
        turn = 0
        while time.time() < until and self.locust.poll() is None:
            self.request("health", "GET", "/health/")
            if each_second and turn % 2 == 0:
                each_second()
            self.loads.append((time.time(), os.getloadavg()[0]))
            turn += 1
            time.sleep(max(0.0, min(0.5, until - time.time())))

    @contextmanager
    def phase(self, name: str):
        entry = {"name": name, "start": time.time(), "cpu": psutil.cpu_times()}
        yield entry
        entry["end"] = time.time()
        before, after = entry.pop("cpu"), psutil.cpu_times()
        spent = [b - a for a, b in zip(before, after, strict=True)]
        entry["busy"] = 100 * (1 - spent[after._fields.index("idle")] / max(sum(spent), 1e-9))
        self.phases.append(entry)

    def quiet(self, *, last: bool = False) -> None:
        with self.phase("quiet") as entry:
            self.hold(float("inf") if last else entry["start"] + self.seconds)

    def run(self) -> None:
        self.check("officer logs in before the faults", self.login(self.officer_session) == 302, "")
        with self.phase("baseline") as entry:
            self.hold(entry["start"] + self.seconds)

        with self.phase("Redis frozen") as entry:
            os.kill(self.redis.pid, signal.SIGSTOP)
            self.redis_down("frozen", {"year": self.officer["year"] - 1})
            self.hold(entry["start"] + self.seconds)
            os.kill(self.redis.pid, signal.SIGCONT)
        self.quiet()

        with self.phase("Redis killed") as entry:
            self.redis.kill()
            self.redis.wait(timeout=10)
            self.redis_down("killed", {"year": self.officer["year"] - 1, "quarter": 4})
            self.hold(entry["start"] + self.seconds)
            self.redis = redis_start(self.redis_port, self.scratch)
        self.quiet()

        self.postgres_outage()
        self.quiet()

        self.worker_kill()
        self.quiet(last=True)

    def redis_down(self, state: str, period: dict) -> None:
        """A fresh login and one report pack request (a period of its own each time) with Redis frozen or killed
        (R17, R27)."""
        from django.db import connections

        from reports.models import ReportJob

        self.check(f"Redis {state}: it answers no PING (control)", not redis_answers(self.redis_port), "")
        fresh = requests.Session()
        started = time.monotonic()
        status = self.login(fresh)
        self.check(f"Redis {state}: a fresh login works", status == 302,
                   f"answered {status} in {time.monotonic() - started:.2f} s")  # fmt: skip
        started = time.monotonic()
        status, body = self.request(
            "report request", "POST", "/reports/", fresh,
            data={"kind": "pack", "fmt": "zip", "unit": self.officer["unit"], **period,
                  "csrfmiddlewaretoken": fresh.cookies.get("csrftoken", "")},
        )  # fmt: skip
        seconds = time.monotonic() - started
        job = ReportJob.objects.filter(kind="pack", year=period["year"], quarter=period.get("quarter")).first()
        connections.close_all()
        waiting = job is not None and job.status == ReportJob.Status.PENDING and job.dispatched_at is None
        self.check(
            f"Redis {state}: a report pack request answers the queue message within {REPORT_TARGET} s, job pending",
            status == 200 and QUEUE_DOWN in body and waiting and seconds <= REPORT_TARGET,
            f"{status} in {seconds:.2f} s, queue message {'shown' if QUEUE_DOWN in body else 'MISSING'}, "
            f"job {job.status if job else 'MISSING'}{'' if waiting else ' (dispatched)'}",
        )

    def postgres_outage(self) -> None:
        workers = children_of(self.gunicorn.pid)

        def pages() -> None:
            self.request("page (PostgreSQL down)", "GET", "/", self.officer_session)
            self.login(requests.Session())

        with self.phase("PostgreSQL stopped") as entry:
            self.cluster.stop()
            down_from = time.time()
            self.check("PostgreSQL stopped: it refuses connections (control)", not self.cluster.up(), "")
            self.hold(down_from + OUTAGE_SECONDS, each_second=pages)
            self.check("PostgreSQL still down at the end of the 30 s (control)", not self.cluster.up(), "")
            down_until = time.time()
            self.cluster.start()
            back = time.time()
            while time.time() < back + 30 and self.request("health", "GET", "/health/")[0] != 200:
                time.sleep(0.1)
            recovered = time.time() - back
            self.hold(time.time() + 1)  # requests in flight at the recovery still count here
        entry["note"] = f"down {down_until - down_from:.1f} s"
        # The login form itself needs no database: it may answer 200. Everything else must be the 503.
        answers = [probe for probe in self.probes if down_from < probe[0] < down_until and probe[1] != "login page"]
        self.check(
            "PostgreSQL stopped: this script's probes got only 503, pages the plain Chinese one",
            bool(answers)
            and all(s == 503 and (what == "health" or PAGE_503 in body) for _, what, s, body, _ in answers),
            str(dict(Counter((what, status) for _, what, status, *_ in answers))),
        )
        self.check(f"PostgreSQL back: /health/ answers 200 within {RECOVERY_TARGET} s", recovered <= RECOVERY_TARGET,
                   f"{recovered:.2f} s")  # fmt: skip
        self.check("PostgreSQL back: same gunicorn workers (nothing restarted)", children_of(self.gunicorn.pid) ==
                   workers, "")  # fmt: skip

    def worker_kill(self) -> None:
        before = children_of(self.gunicorn.pid)
        victim = min(before)
        with self.phase("worker killed") as entry:
            os.kill(victim, signal.SIGKILL)
            now = before
            while time.time() < entry["start"] + 30 and not (now - before and victim not in now):
                self.hold(time.time() + 0.2)
                now = children_of(self.gunicorn.pid)
            respawned = time.time() - entry["start"]
            self.hold(entry["start"] + self.seconds)
        new = children_of(self.gunicorn.pid) - before
        self.check(
            "worker killed: the master started a new one",
            victim not in children_of(self.gunicorn.pid) and len(new) == 1 and len(before) == WORKERS,
            f"killed {victim}, new {sorted(new)} after {respawned:.1f} s",
        )


# ---- Counting and printing ------------------------------------------------------------------------------------


def tally(phases: list[dict], request_log: Path) -> None:
    """Locust's requests of each phase, by the time they ended."""
    rows = [json.loads(line) for line in request_log.open(encoding="utf-8")]
    for phase in phases:
        mine = [r for r in rows if phase["start"] <= r[0] < phase["end"]]
        times = sorted(r[4] for r in mine)
        phase["requests"] = len(mine)
        phase["classes"] = Counter(f"{r[2] // 100}xx" if r[2] else "none" for r in mine)
        phase["5xx other than 503"] = sum(1 for r in mine if r[2] >= 500 and r[2] != 503)
        phase["failed"] = sum(1 for r in mine if r[3])
        phase["p95"] = times[min(len(times) - 1, int(0.95 * len(times)))] if times else 0


def report(schedule: Schedule, writes: dict) -> bool:
    print(f"\n{'phase':<20} {'s':>4} {'req':>6} {'req/s':>6} {'2xx/3xx':>7} {'4xx':>5} {'5xx':>5} {'no resp':>7} "
          f"{'failed':>6} {'p95 ms':>7} {'load':>5} {'CPU %':>5}")  # fmt: skip
    for p in schedule.phases:
        seconds, c = p["end"] - p["start"], p["classes"]
        loads = [load for at, load in schedule.loads if p["start"] <= at <= p["end"]] or [0]
        print(f"{p['name']:<20} {seconds:>4.0f} {p['requests']:>6} {p['requests'] / seconds:>6.1f} "
              f"{c['2xx'] + c['3xx']:>7} {c['4xx']:>5} {c['5xx']:>5} {c['none']:>7} {p['failed']:>6} "
              f"{p['p95']:>7.0f} {sum(loads) / len(loads):>5.2f} {p['busy']:>5.0f}  {p.get('note', '')}")  # fmt: skip
    outage = next(p for p in schedule.phases if p["name"] == "PostgreSQL stopped")
    for p in schedule.phases:
        if p["name"].startswith("Redis"):
            share = 100 * p["failed"] / max(p["requests"], 1)
            schedule.check(f"{p['name']}: locust's requests fail below 1%", share < 1,
                           f"{p['failed']} of {p['requests']} ({share:.2f}%)")  # fmt: skip
            health = [(status, body, seconds) for at, what, status, body, seconds in schedule.probes
                      if what == "health" and p["start"] <= at <= p["end"]]  # fmt: skip
            schedule.check(
                f'{p["name"]}: /health/ answers 200 "degraded"',
                bool(health) and all(status == 200 and '"degraded"' in body for status, body, _ in health),
                f"{len(health)} probes, slowest {max((s for *_, s in health), default=0):.2f} s",
            )
    schedule.check("PostgreSQL stopped: locust got no 5xx but 503", not outage["5xx other than 503"],
                   f"{outage['classes']['5xx']} × 5xx, {outage['5xx other than 503']} other than 503")  # fmt: skip
    killed = next(p for p in schedule.phases if p["name"] == "worker killed")
    schedule.check("worker killed: at most one failed request", killed["failed"] <= 1,
                   f"{killed['failed']} failed, {killed['classes']['none']} of them without a response (a worker "
                   f"runs {THREADS} threads)", must=False)  # fmt: skip
    fives = sum(p["classes"]["5xx"] for p in schedule.phases if p is not outage)
    probes = sum(1 for at, _, status, *_ in schedule.probes
                 if status >= 500 and not outage["start"] <= at <= outage["end"])  # fmt: skip
    schedule.check("no 5xx outside the PostgreSQL phase", not fives and not probes,
                   f"locust {fives}, this script's probes {probes}")  # fmt: skip
    leaks = [body[:200] for _, _, _, body, _ in schedule.probes if any(leak in body for leak in LEAKS)]
    schedule.check("no stack trace in any probe's answer", not leaks, leaks[0] if leaks else "")
    lost = writes["lost_log_writes"] + writes["lost_ratings"]
    print(f"\nwrites: {writes['saves']} acknowledged log saves ({writes['submits']} with submit) on {writes['logs']} "
          f"logs, {writes['ratings_acknowledged']} ratings acknowledged; stored without acknowledgement: "
          f"{writes['unacknowledged_log_writes']} log saves, {writes['unacknowledged_ratings']} ratings")  # fmt: skip
    schedule.check("every acknowledged write is stored", not lost, f"{lost} lost")
    print("\ntargets:")
    for target, met, measured, must in schedule.checks:
        verdict = "met" if met else ("MISSED" if must else "missed (printed, not enforced)")
        print(f"  {verdict:<6} {target}{': ' + measured if measured else ''}")
    return all(met for _, met, _, must in schedule.checks if must)


# ---- Main -----------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=40, help="staff saving logs (default 40)")
    parser.add_argument("--leaders", type=int, default=4, help="leaders signing (default 4)")
    parser.add_argument("--phase-seconds", type=int, default=30, help="length of each phase (default 30)")
    args = parser.parse_args()
    if args.users < 1 or args.leaders < 0 or not 5 <= args.phase_seconds <= 600:
        parser.error("need at least one staff user and phases of 5 to 600 seconds")
    if not (PG_BIN and Path(REDIS_SERVER).exists()):
        sys.exit("needs PostgreSQL's server binaries (/usr/lib/postgresql/*/bin) and redis-server")

    scratch = Path(tempfile.mkdtemp(prefix="zhibu-faults-"))
    cluster = Cluster(Path(tempfile.mkdtemp(prefix="zhibu-faults-pg-")))
    redis_port, password = load.free_port(), secrets.token_urlsafe(16)
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "config.settings.production", "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_SECURE_SSL_REDIRECT": "0", "DJANGO_SECURE_COOKIES": "0", "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_DEBUG": "0", "DATABASE_URL": cluster.url(DATABASE), "ZHIBU_VAR_DIR": str(scratch / "var"),
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0", "ZHIBU_OTP_REQUIRED_ROLES": "",
    })  # fmt: skip
    sys.path.insert(0, str(load.ROOT))
    gunicorn = locust = redis_server = schedule = None
    ok = False
    started = time.monotonic()
    try:
        cluster.init()
        redis_server = redis_start(redis_port, scratch)
        subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=load.ROOT,
                       check=True)  # fmt: skip
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections

        from branches.models import Unit
        from core.models import User
        from core.roles import Role
        from members.services import role_assign

        call_command("migrate", verbosity=0, interactive=False)
        plan = load.seed(staff=args.users, leaders=args.leaders, password=password)
        # The seed's officer account, made an organisation officer of the organ: it may ask for the report pack.
        organ = Unit.objects.get(kind=Unit.Kind.ORGAN)
        role_assign(user=User.objects.get(username="load-officer"), role=Role.ORG_OFFICER, unit=organ)
        officer = {"username": "load-officer", "password": password, "unit": organ.pk, "year": plan["year"]}
        connections.close_all()

        port = load.free_port()
        url = f"http://127.0.0.1:{port}"
        gunicorn_log, access_log, request_log = scratch / "gunicorn.log", scratch / "access.log", scratch / "req.log"
        with gunicorn_log.open("wb") as log:
            gunicorn = subprocess.Popen(  # noqa: S603 - this virtualenv's gunicorn, fixed arguments
                [str(load.BIN / "gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS),
                 "--threads", str(THREADS), "--worker-class", "gthread", "--timeout", "60",
                 "--keep-alive", str(load.KEEP_ALIVE_SECONDS), "--access-logfile", str(access_log)],
                cwd=load.ROOT, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        load.wait_for_health(url, gunicorn, gunicorn_log)

        # Locust's measured phase covers the schedule: 8 phases, the outage, and the pauses of stopping, starting
        # and recovering; the last quiet phase lasts until locust stops.
        seconds = 8 * args.phase_seconds + OUTAGE_SECONDS + 15
        locust_plan = {**plan, "password": password, "seconds": seconds, "login_budget": 120}
        result_path = scratch / "result.json"
        env = {**os.environ, "LOAD_PLAN": json.dumps(locust_plan), "LOAD_RESULT": str(result_path),
               REQUEST_LOG: str(request_log)}  # fmt: skip
        request_log.touch()
        with (scratch / "locust.log").open("wb") as log:
            locust = subprocess.Popen(  # noqa: S603 - this virtualenv's locust, fixed arguments
                [str(load.BIN / "locust"), "-f", f"{load.ROOT}/bench/locustfile.py,{Path(__file__).resolve()}",
                 "--headless", "--host", url, "-u", str(args.users + args.leaders + 1), "-r", "20",
                 "-t", f"{120 + seconds + 20}s", "--stop-timeout", "10", "--only-summary", "--loglevel", "WARNING"],
                env=env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        # The measured phase has begun once a request other than a login ended.
        while not measured_phase_begun(request_log):
            if locust.poll() is not None:
                sys.exit(f"locust exited early:\n{(scratch / 'locust.log').read_text()[-3000:]}")
            time.sleep(0.5)
        print(f"seeded {args.users} staff and {args.leaders} leaders; all logged in after "
              f"{time.monotonic() - started:.0f} s; faults start")  # fmt: skip

        schedule = Schedule(url=url, seconds=args.phase_seconds, cluster=cluster, redis=redis_server,
                            redis_port=redis_port, scratch=scratch, gunicorn=gunicorn, locust=locust,
                            officer=officer)  # fmt: skip
        schedule.run()
        locust.wait(timeout=120)
        if not result_path.exists():
            sys.exit(f"locust wrote no result:\n{(scratch / 'locust.log').read_text()[-3000:]}")
        result = json.loads(result_path.read_text())
        result["plan_leaders"] = plan["leaders"]
        writes = load.count_writes(result)
        connections.close_all()

        tally(schedule.phases, request_log)
        print(f"{args.users} staff + {args.leaders} leaders + 1 probe on /health/ (bench/locustfile.py); gunicorn "
              f"{WORKERS} workers × {THREADS} threads (gthread), production settings; nproc {os.cpu_count()}; "
              "p95 at the client; load average (1 min) and whole-machine CPU busy per phase")  # fmt: skip
        ok = report(schedule, writes)
        statuses = Counter(m.group(1) for m in map(load.ACCESS_STATUS.search, access_log.open()) if m)
        print(
            f"\nHTTP statuses at gunicorn (whole run, this script's probes included): {dict(sorted(statuses.items()))}"
        )
        problems = Counter(line[:150] for line in gunicorn_log.read_text(errors="replace").splitlines()
                           if load.PROBLEM.search(line))  # fmt: skip
        for line, count in problems.most_common(6):
            print(f"  gunicorn log ×{count}: {line}")
        if problems:  # what the lines above are, mostly
            print("  (Django logs each 503 with its chained traceback, whose first link is the session's "
                  "AttributeError; the 503 pages themselves carry none)")  # fmt: skip
        print(f"run time {time.monotonic() - started:.0f} s; {'every target that must hold met' if ok else 'FAILED'}")
    finally:
        for process in (locust, gunicorn):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)  # by PID: gunicorn's master stops its workers
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=10)
        redis_server = schedule.redis if schedule is not None else redis_server
        if redis_server is not None and redis_server.poll() is None:
            redis_server.kill()  # SIGKILL ends a frozen one too
            redis_server.wait(timeout=10)
        if cluster.data.exists() and cluster.up():
            cluster.stop()
        shutil.rmtree(scratch, ignore_errors=True)
        shutil.rmtree(cluster.directory, ignore_errors=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
