"""The month-end peak (RELIABILITY.md R26): staff saving and submitting monthly logs and leaders signing, through
gunicorn on PostgreSQL on loopback, driven by locust headless; then every acknowledged write is looked up in the
database. Prints requests per second, p50/p95/p99 per request type, errors, lost writes, the trivial view of the
same run, locust's own CPU use and the load average. Exits 1 on an error or a lost write (latency depends on the
machine, so it is printed against its target, not enforced).

    .venv/bin/python bench/load.py [--users 200] [--leaders 20] [--seconds 60] [--workers 3] [--threads 4]

A database of its own (zhibu_load on the server of DATABASE_URL, default postgres://postgres@127.0.0.1:5432) is
created, migrated, seeded and dropped again: one unit of 10 staff per leader, each unit a group that its leader
signs for every quarter already over (last year's four and this year's past ones), with the quarterly summaries
that signing needs. All accounts share one random password that lives only in this run's memory and environment.
gunicorn runs the production settings (PBKDF2 passwords, manifest static files collected into a scratch directory)
without Redis. Everyone logs in first; the measured phase starts when all have (bench/locustfile.py).
"""

import argparse
import datetime
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DATABASE = "zhibu_load"
STAFF_PER_UNIT = 10
SAVE_P95_TARGET_MS = 300
# No keep-alive, as behind a reverse proxy (nginx speaks HTTP/1.0 to its upstream by default): with keep-alive the
# saturated server closed connections that clients had just sent on, and they saw "connection closed".
KEEP_ALIVE_SECONDS = 0
ACCESS_STATUS = re.compile(r'" (\d{3}) ')
PROBLEM = re.compile(r"CRITICAL|WORKER TIMEOUT|Error:|Service Unavailable|Internal Server Error")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_urls() -> tuple[str, str]:
    """(the load database's URL, the maintenance database's URL) on the server that DATABASE_URL names."""
    given = os.environ.get("DATABASE_URL", "")
    parts = urlsplit(given if given.startswith("postgres") else "postgres://postgres@127.0.0.1:5432/")
    return urlunsplit(parts._replace(path=f"/{DATABASE}")), urlunsplit(parts._replace(path="/postgres"))


def admin_sql(maintenance_url: str, *statements: str) -> None:
    import psycopg

    with psycopg.connect(maintenance_url, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


# ---- Seeding --------------------------------------------------------------------------------------------------


def seed(*, staff: int, leaders: int, password: str) -> dict:
    """Accounts, units, cycles, groups and summaries; returns the plan that the locustfile reads."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from appraisal.models import QuarterlySummary
    from appraisal.services import cycle_open, group_add, period_end
    from branches.models import Unit
    from core.models import User
    from core.roles import Role
    from members.models import Education, Gender, Person, name_initials
    from members.services import role_assign

    today = timezone.localdate()
    hashed = make_password(password)  # once: every account shares it, a hash costs 0.3 s
    officer = User.objects.create(username="load-officer", password=hashed)
    organ = Unit.objects.create(name="某区机关", kind=Unit.Kind.ORGAN)
    units = [
        Unit.objects.create(name=f"科室{n:02d}", parent=organ, sort_order=n)
        for n in range(1, max(1, -(-staff // STAFF_PER_UNIT)) + 1)
    ]
    users = User.objects.bulk_create(User(username=f"staff{n:03d}", password=hashed) for n in range(staff))
    people = Person.objects.bulk_create(
        Person(
            user=user,
            name=f"职工{n:03d}",
            name_initials=name_initials(f"职工{n:03d}"),  # bulk_create skips save(), which sets it
            gender=Gender.MALE if n % 2 else Gender.FEMALE,
            birth_date=datetime.date(1975, 1, 1) + datetime.timedelta(days=n * 53),
            education=Education.UNDERGRADUATE,
            unit=units[n // STAFF_PER_UNIT],
            position="科员",
        )
        for n, user in enumerate(users)
    )
    leader_users = User.objects.bulk_create(User(username=f"leader{n:02d}", password=hashed) for n in range(leaders))
    cycles = [cycle_open(year=year, name=f"{year}年度平时考核", by=officer) for year in (today.year - 1, today.year)]
    quarters = [
        (cycle, period) for cycle in cycles for period in cycle.periods if period_end(cycle, period).day <= today
    ]
    QuarterlySummary.objects.bulk_create(
        QuarterlySummary(
            person=person,
            year=cycle.year,
            quarter=period,
            unit=person.unit,
            duties="认真履行岗位职责，负责文稿起草和综合协调。",
            tasks_completed="按时完成领导交办的各项任务。",
        )
        for person in people
        for cycle, period in quarters
    )
    plan_leaders = []
    for n, leader in enumerate(leader_users):
        mine = people[n * len(people) // leaders : (n + 1) * len(people) // leaders]  # a unit each, when 10 a leader
        role_assign(user=leader, role=Role.LEADER, unit=organ)
        to_sign = []
        for cycle in cycles:
            group = group_add(cycle=cycle, name=f"第{n + 1:02d}组", leader=leader, people=mine, by=officer)
            appraisees = list(group.appraisees.order_by("pk").values_list("pk", flat=True))
            to_sign += [[group.pk, period, appraisees] for c, period in quarters if c == cycle]
        plan_leaders.append({"username": leader.username, "to_sign": to_sign})
    return {
        "staff": [{"username": u.username} for u in users],
        "leaders": plan_leaders,
        "year": today.year,
        "month": today.month,
    }


# ---- Running ----------------------------------------------------------------------------------------------------


def wait_for_health(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"gunicorn exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/health/", timeout=2) as response:  # noqa: S310 - our loopback URL
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    sys.exit(f"gunicorn did not answer within 60 s:\n{log.read_text()[-3000:]}")


class Sampler(threading.Thread):
    """Every second: the load average, CPU seconds of locust and of gunicorn, and the database's connections."""

    def __init__(self, maintenance_url: str, locust_pid: int, gunicorn_pid: int) -> None:
        super().__init__(daemon=True)
        self.maintenance_url, self.locust_pid, self.gunicorn_pid = maintenance_url, locust_pid, gunicorn_pid
        self.samples: list[dict] = []
        self.done = threading.Event()

    @staticmethod
    def _cpu(process) -> float:
        times = process.cpu_times()
        return times.user + times.system

    def run(self) -> None:
        import psutil
        import psycopg

        with psycopg.connect(self.maintenance_url, autocommit=True) as conn:
            locust, gunicorn = psutil.Process(self.locust_pid), psutil.Process(self.gunicorn_pid)
            while not self.done.wait(1):
                try:
                    workers = gunicorn.children()
                    sample = {
                        "at": time.time(),
                        "load": os.getloadavg()[0],
                        "locust_cpu": self._cpu(locust),
                        "gunicorn_cpu": self._cpu(gunicorn) + sum(self._cpu(w) for w in workers),
                        "machine": psutil.cpu_times(),
                    }
                except psutil.NoSuchProcess:
                    return
                sample["connections"], sample["idle_in_transaction"] = conn.execute(
                    "SELECT count(*), count(*) FILTER (WHERE state = 'idle in transaction') "
                    "FROM pg_stat_activity WHERE datname = %s",
                    [DATABASE],
                ).fetchone()
                self.samples.append(sample)


def run_locust(*, url, plan, seconds, login_budget, gunicorn, maintenance_url, scratch) -> tuple[dict, list[dict]]:
    result_path = scratch / "result.json"
    users = len(plan["staff"]) + len(plan["leaders"]) + 1
    env = {
        **os.environ,
        "LOAD_PLAN": json.dumps({**plan, "seconds": seconds, "login_budget": login_budget}),
        "LOAD_RESULT": str(result_path),
    }
    command = [
        str(BIN / "locust"), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless", "--host", url,
        "-u", str(users), "-r", "20", "-t", f"{login_budget + seconds + 20}s", "--stop-timeout", "10",
        "--only-summary", "--loglevel", "WARNING",
    ]  # fmt: skip
    with (scratch / "locust.log").open("wb") as log:
        locust = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        sampler = Sampler(maintenance_url, locust.pid, gunicorn.pid)
        sampler.start()
        locust.wait()
        sampler.done.set()
        sampler.join()
    if not result_path.exists():
        sys.exit(f"locust wrote no result:\n{(scratch / 'locust.log').read_text()[-3000:]}")
    return json.loads(result_path.read_text()), sampler.samples


# ---- Counting ---------------------------------------------------------------------------------------------------


def count_writes(result: dict) -> dict:
    """Each acknowledged save and signature against the database. A log's version is 1 at its first save and grows
    by one at every save and at the submit, so the version must equal the acknowledged saves plus the submit, and
    the text must be the last one acknowledged."""
    from appraisal.models import LogStatus, MonthlyLog, Rating

    stored = {
        (row["person__user__username"], f"{row['year']}-{row['month']}"): row
        for row in MonthlyLog.objects.values("person__user__username", "year", "month", "version", "status", "duties")
    }
    saves = submits = lost = unacknowledged = 0
    for username, months in result["logs"].items():
        for key, ack in months.items():
            expected = ack["saves"] + ack["submitted"]
            saves, submits = saves + ack["saves"], submits + ack["submitted"]
            row = stored.pop((username, key), None)
            if row is None:
                lost += expected
                continue
            lost += max(0, expected - row["version"])
            unacknowledged += max(0, row["version"] - expected)
            # A save the client gave up on may still have committed after the last acknowledged one: then the text
            # is that later one. Only where nothing came after must the stored log be the acknowledged one.
            same = row["duties"] == ack["duties"] and (row["status"] == LogStatus.SUBMITTED) == ack["submitted"]
            if row["version"] == expected and not same:
                lost += 1
    unacknowledged += sum(row["version"] for row in stored.values())  # rows no acknowledgement mentions
    signed = {(group, period) for groups in result["signed"].values() for group, period in groups}
    ratings = Counter(Rating.objects.filter(revision=1).values_list("group_id", "period"))
    acknowledged_ratings = sum(
        len(appraisees)
        for leader in result["plan_leaders"]
        for group, period, appraisees in leader["to_sign"]
        if (group, period) in signed
    )
    stored_ratings = sum(count for key, count in ratings.items() if key in signed)
    return {
        "saves": saves,
        "submits": submits,
        "logs": sum(len(m) for m in result["logs"].values()),
        "lost_log_writes": lost,
        "unacknowledged_log_writes": unacknowledged,
        "signatures": len(signed),
        "ratings_acknowledged": acknowledged_ratings,
        "ratings_stored": stored_ratings,
        "lost_ratings": max(0, acknowledged_ratings - stored_ratings),
        "unacknowledged_ratings": sum(count for key, count in ratings.items() if key not in signed),
    }


# ---- Report -----------------------------------------------------------------------------------------------------


def in_phase(samples: list[dict], phase: dict) -> list[dict]:
    return [s for s in samples if phase["started"] <= s["at"] <= phase["ended"]] or samples[-1:]


def report(*, args, result, writes, samples, statuses, gunicorn_workers) -> bool:
    import psutil

    phase = result["phase"]
    wall = phase["ended"] - phase["started"]
    measured = in_phase(samples, phase)
    first, last = measured[0], measured[-1]
    span = max(last["at"] - first["at"], 1e-9)
    machine = [b - a for a, b in zip(first["machine"], last["machine"], strict=True)]
    idle = machine[psutil.cpu_times()._fields.index("idle")]
    loads = [s["load"] for s in measured]
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu_model = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), "?")
    requests = result["requests"]
    total = requests.pop("Aggregated", None) or {}
    print(
        f"Month-end peak: {args.users} staff + {args.leaders} leaders + 1 probe on /health/, {wall:.0f} s measured "
        f"after all had logged in; gunicorn {gunicorn_workers} workers × {args.threads} threads (gthread), "
        "production settings, PostgreSQL, locust on the same machine, loopback"
    )
    print(f"machine: nproc {os.cpu_count()}, {cpu_model}; load average (1 min) during the run: "
          f"mean {sum(loads) / len(loads):.2f}, max {max(loads):.2f}; shared with other work")  # fmt: skip
    print(f"\n{'request':<22} {'count':>7} {'req/s':>7} {'fail':>5} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
          f"{'max ms':>7}")  # fmt: skip
    order = ["save log", "submit log", "view log", "home (task list)", "leader home", "signing page", "sign group",
             "/health/ (trivial)"]  # fmt: skip
    for name in sorted(requests, key=lambda n: order.index(n) if n in order else len(order)):
        r = requests[name]
        if not r["count"]:
            continue  # the login rows, kept from before the measured phase
        print(f"{name:<22} {r['count']:>7} {r['count'] / wall:>7.1f} {r['failures']:>5} {r['p50']:>7.0f} "
              f"{r['p95']:>7.0f} {r['p99']:>7.0f} {r['max']:>7.0f}")  # fmt: skip
    print(f"{'all':<22} {total.get('count', 0):>7} {total.get('count', 0) / wall:>7.1f} {total.get('failures', 0):>5} "
          f"{total.get('p50', 0):>7.0f} {total.get('p95', 0):>7.0f} {total.get('p99', 0):>7.0f} "
          f"{total.get('max', 0):>7.0f}")  # fmt: skip
    login = result["login"].get("login", {})
    if login:
        print(f"(before the measured phase) login: {login['count']} logins, {login['failures']} failed, "
              f"p50 {login['p50']:.0f} ms, p95 {login['p95']:.0f} ms (one PBKDF2 hash each)")  # fmt: skip
    for error in result["errors"]:
        print(f"  error ×{error['count']}: {error['method']} {error['name']}: {error['error'][:200]}")
    print(f"HTTP statuses at gunicorn (whole run): {dict(sorted(statuses.items()))}")

    w = writes
    print(
        f"\nwrites: {w['saves']} acknowledged log saves ({w['submits']} with submit) on {w['logs']} logs; "
        f"lost {w['lost_log_writes']}; stored without acknowledgement {w['unacknowledged_log_writes']}"
    )
    print(
        f"signatures: {w['signatures']} groups acknowledged = {w['ratings_acknowledged']} ratings, "
        f"stored {w['ratings_stored']}; lost {w['lost_ratings']}; unacknowledged {w['unacknowledged_ratings']}"
    )
    trivial = requests.get("/health/ (trivial)", {})
    save = requests.get("save log", {})
    if trivial and save:
        print(f"save log p50/p95 {save['p50']:.0f}/{save['p95']:.0f} ms against the trivial view's "
              f"{trivial['p50']:.0f}/{trivial['p95']:.0f} ms in the same run")  # fmt: skip
    locust_cpu = last["locust_cpu"] - first["locust_cpu"]
    gunicorn_cpu = last["gunicorn_cpu"] - first["gunicorn_cpu"]
    print(
        f"CPU over {span:.0f} s: locust {locust_cpu:.1f} s ({100 * locust_cpu / span:.0f}% of one core), gunicorn "
        f"{gunicorn_cpu:.1f} s ({100 * gunicorn_cpu / span:.0f}%), whole machine busy "
        f"{100 * (1 - idle / max(sum(machine), 1e-9)):.0f}% of {os.cpu_count()} cores"
    )
    print(
        f"PostgreSQL: at most {max(s['connections'] for s in samples)} connections, at most "
        f"{max(s['idle_in_transaction'] for s in samples)} idle in transaction at a sample (between two statements "
        f"of a request's transaction), {samples[-1]['idle_in_transaction']} at the last"
    )

    errors = total.get("failures", 0) + sum(n for code, n in statuses.items() if code >= "500")
    lost = w["lost_log_writes"] + w["lost_ratings"]
    p95 = save.get("p95", float("inf"))
    print(
        f"\ntargets: errors 0 → {errors} ({'met' if not errors else 'MISSED'}); lost writes 0 → {lost} "
        f"({'met' if not lost else 'MISSED'}); save p95 < {SAVE_P95_TARGET_MS} ms → {p95:.0f} ms "
        f"({'met' if p95 < SAVE_P95_TARGET_MS else 'missed'})"
    )
    return not errors and not lost


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200, help="staff saving logs (default 200)")
    parser.add_argument("--leaders", type=int, default=20, help="leaders signing (default 20)")
    parser.add_argument("--seconds", type=int, default=60, help="length of the measured phase (default 60)")
    parser.add_argument("--login-budget", type=int, default=180, help="longest wait for all logins (default 180)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (default 3)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker (default 4)")
    args = parser.parse_args()
    if args.users < 1 or args.leaders < 0 or not 1 <= args.seconds <= 3600:
        parser.error("need at least one staff user and a measured phase of 1 to 3600 seconds")

    database_url, maintenance_url = database_urls()
    scratch = Path(tempfile.mkdtemp(prefix="zhibu-load-"))
    password = secrets.token_urlsafe(16)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "DJANGO_SECURE_COOKIES": "0",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_DEBUG": "0",
            "DATABASE_URL": database_url,
            "ZHIBU_VAR_DIR": str(scratch / "var"),
            "REDIS_URL": "",
        }
    )
    sys.path.insert(0, str(ROOT))
    admin_sql(maintenance_url, f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)", f"CREATE DATABASE {DATABASE}")
    gunicorn = None
    try:
        subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, check=True)
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections

        call_command("migrate", verbosity=0, interactive=False)
        started = time.monotonic()
        plan = seed(staff=args.users, leaders=args.leaders, password=password)
        connections.close_all()
        print(f"seeded {args.users} staff and {args.leaders} leaders in {time.monotonic() - started:.1f} s")

        port = free_port()
        url = f"http://127.0.0.1:{port}"
        gunicorn_log, access_log = scratch / "gunicorn.log", scratch / "access.log"
        with gunicorn_log.open("wb") as log:
            gunicorn = subprocess.Popen(  # noqa: S603 - this virtualenv's gunicorn, fixed arguments
                [str(BIN / "gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers),
                 "--threads", str(args.threads), "--worker-class", "gthread", "--timeout", "60",
                 "--keep-alive", str(KEEP_ALIVE_SECONDS), "--access-logfile", str(access_log)],
                cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        wait_for_health(url, gunicorn, gunicorn_log)
        result, samples = run_locust(
            url=url,
            plan={**plan, "password": password},
            seconds=args.seconds,
            login_budget=args.login_budget,
            gunicorn=gunicorn,
            maintenance_url=maintenance_url,
            scratch=scratch,
        )
        result["plan_leaders"] = plan["leaders"]
        statuses = Counter(m.group(1) for m in map(ACCESS_STATUS.search, access_log.open()) if m)
        problems = [line for line in gunicorn_log.read_text(errors="replace").splitlines() if PROBLEM.search(line)]
        writes = count_writes(result)
        connections.close_all()
        ok = report(
            args=args, result=result, writes=writes, samples=samples, statuses=statuses, gunicorn_workers=args.workers
        )
        for line, count in Counter(problems).most_common(10):
            print(f"  gunicorn log ×{count}: {line[:200]}")
    finally:
        if gunicorn is not None and gunicorn.poll() is None:
            gunicorn.send_signal(signal.SIGTERM)  # by PID: graceful stop of the master and its workers
            gunicorn.wait(timeout=30)
        from django.db import connections

        connections.close_all()
        admin_sql(maintenance_url, f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        shutil.rmtree(scratch, ignore_errors=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
