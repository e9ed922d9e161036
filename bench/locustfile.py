"""The month-end peak for bench/load.py (RELIABILITY.md R26), run by locust as a separate process: never imported
by Django code or tests (locust monkeypatches the standard library with gevent).

Every user logs in first; the measured phase starts once all of them have (or the login budget is spent), so that
one password hash per user (PBKDF2, about 0.3 s of CPU each) does not land on the saves. Then:

- staff save and submit their monthly logs, 70% save or submit, 20% view the log, 10% open the home page (their
  task list). A log is saved with the version the user last had acknowledged, the way the page's script does
  (`X-Zhibu-Fetch: 1`, answered with JSON); every fifth save of a month also submits it, and the user moves on to
  the month before;
- leaders open their list and signing pages and sign their groups one period at a time, re-entering the password;
  a leader reads a group's summaries and logs before signing it, so signs at most once a minute (the first ones
  spread over the first minute), not every few seconds: each signature checks the password (PBKDF2, about 0.3 s of
  CPU), and 20 leaders signing every few seconds would be a load no organ has;
- one probe user asks for /health/, the trivial Django view (one SELECT 1), for the floor of the same run.

bench/load.py passes the plan (accounts, groups, password) in LOAD_PLAN and reads back LOAD_RESULT: every write the
server acknowledged, per user, and locust's own figures of the measured phase per request type.
"""

import itertools
import json
import os
import random
import re
import time
import uuid
from collections.abc import Iterator

import gevent
from gevent.event import Event
from locust import HttpUser, between, events, task

PLAN = json.loads(os.environ["LOAD_PLAN"])
PASSWORD = PLAN["password"]
SECONDS = PLAN["seconds"]
LOGIN_BUDGET = PLAN["login_budget"]
SUBMIT_EVERY = 5
SIGN_EVERY_SECONDS = 60
VERSION_RE = re.compile(r'name="version" value="(\d+)"')

staff_accounts = iter(PLAN["staff"])
leader_accounts = iter(PLAN["leaders"])
started = Event()  # the measured phase
logged_in = itertools.count(1)
acknowledged: dict[str, dict] = {"logs": {}, "signed": {}}
phase: dict[str, float] = {}
login_figures: dict = {}


def _begin(environment) -> None:
    """Keep the login figures, reset the statistics and run the measured phase for SECONDS."""
    if started.is_set():
        return
    login_figures.update(_figures(environment.stats)["requests"])
    environment.stats.reset_all()
    phase["started"] = time.time()
    started.set()
    gevent.spawn_later(SECONDS, environment.runner.quit)


@events.test_start.add_listener
def _login_deadline(environment, **_kwargs) -> None:
    gevent.spawn_later(LOGIN_BUDGET, _begin, environment)


@events.test_stop.add_listener
def _write_result(environment, **_kwargs) -> None:
    phase["ended"] = time.time()
    figures = _figures(environment.stats)
    result = {**acknowledged, **figures, "login": login_figures, "phase": phase}
    with open(os.environ["LOAD_RESULT"], "w", encoding="utf-8") as out:
        json.dump(result, out, ensure_ascii=False)


def _figures(stats) -> dict:
    requests = {}
    for (name, method), entry in stats.entries.items():
        requests[name] = {
            "method": method,
            "count": entry.num_requests,
            "failures": entry.num_failures,
            "p50": entry.get_response_time_percentile(0.50),
            "p95": entry.get_response_time_percentile(0.95),
            "p99": entry.get_response_time_percentile(0.99),
            "max": entry.max_response_time,
        }
    total = stats.total
    requests["Aggregated"] = {
        "method": "",
        "count": total.num_requests,
        "failures": total.num_failures,
        "p50": total.get_response_time_percentile(0.50),
        "p95": total.get_response_time_percentile(0.95),
        "p99": total.get_response_time_percentile(0.99),
        "max": total.max_response_time,
    }
    errors = [
        {"name": e.name, "method": e.method, "error": str(e.error), "count": e.occurrences}
        for e in stats.errors.values()
    ]
    return {"requests": requests, "errors": errors}


class ZhibuUser(HttpUser):
    abstract = True
    wait_time = between(0.5, 2)

    # Each user takes the next account of its kind from the plan the bench seeded.
    accounts: Iterator[dict] = iter(())

    def on_start(self) -> None:
        self.account = next(self.accounts)
        self.prepare()
        self.client.get("/accounts/login/", name="login page")
        with self.client.post(
            "/accounts/login/",
            {"username": self.account["username"], "password": PASSWORD, "csrfmiddlewaretoken": self.csrf()},
            name="login",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"login answered {response.status_code}")
        if next(logged_in) == len(PLAN["staff"]) + len(PLAN["leaders"]):
            _begin(self.environment)
        started.wait()

    def prepare(self) -> None:
        """What a user keeps track of for its account, set before its first task."""

    def csrf(self) -> str:
        return self.client.cookies.get("csrftoken", "")


class StaffUser(ZhibuUser):
    fixed_count = len(PLAN["staff"])
    accounts = staff_accounts

    def prepare(self) -> None:
        account = self.account
        self.year, self.month = PLAN["year"], PLAN["month"]
        self.version: int | None = None
        self.saves = 0
        self.stale = False
        self.mine = acknowledged["logs"].setdefault(account["username"], {})

    def url(self) -> str:
        return f"/appraisal/logs/{self.year}/{self.month}/"

    def reload(self) -> None:
        """After a save that was not acknowledged (it may still have been stored), start again from the page, as
        the user would: the version it offers, or the month before if the log was submitted meanwhile."""
        response = self.client.get(self.url(), name="reload after a failed save")
        shown = VERSION_RE.search(response.text) if response.status_code == 200 else None
        if response.status_code == 200 and shown is None and "tasks-TOTAL_FORMS" not in response.text:
            self.year, self.month = (self.year - 1, 12) if self.month == 1 else (self.year, self.month - 1)
            self.version, self.saves = None, 0
        elif response.status_code == 200:
            self.version = int(shown.group(1)) if shown else None
            self.stale = False

    @task(7)
    def save(self) -> None:
        if self.stale:
            self.reload()
            if self.stale:
                return
        submit = (self.saves + 1) % SUBMIT_EVERY == 0
        duties = f"{self.account['username']} {self.year}-{self.month} 第{self.saves + 1}次保存 {uuid.uuid4().hex[:8]}"
        data = {
            "csrfmiddlewaretoken": self.csrf(),
            "version": "" if self.version is None else str(self.version),
            "duties": duties,
            "attendance_days": "21",
            "leave_days": "",
            "leave_note": "",
            "study_training": "参加机关集中学习",
            "integrity": "严格遵守中央八项规定精神。",
            "next_month_plan": "继续做好本职工作。",
            "tasks-TOTAL_FORMS": "1",
            "tasks-INITIAL_FORMS": "0",
            "tasks-0-task": "起草本月工作总结",
            "tasks-0-result": "已完成",
            "tasks-0-completed_on": "",
            "action": "submit" if submit else "save",
        }
        with self.client.post(
            self.url(),
            data,
            headers={"X-Zhibu-Fetch": "1"},
            name="submit log" if submit else "save log",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            # Acknowledged: the JSON answer with the address to go to. A page instead is a refusal or a conflict.
            if response.status_code != 200 or not response.headers.get("Content-Type", "").startswith(
                "application/json"
            ):
                response.failure(f"not acknowledged: {response.status_code} {response.headers.get('Content-Type')}")
                self.stale = True
                return
        key = f"{self.year}-{self.month}"
        entry = self.mine.setdefault(key, {"saves": 0, "submitted": False, "duties": ""})
        entry["saves"] += 1
        entry["duties"] = duties
        self.saves += 1
        self.version = (self.version or 0) + 1
        if submit:
            entry["submitted"] = True
            self.year, self.month = (self.year - 1, 12) if self.month == 1 else (self.year, self.month - 1)
            self.version, self.saves = None, 0

    @task(2)
    def view(self) -> None:
        with self.client.get(self.url(), name="view log", catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"answered {response.status_code}")
                return
            # Read your own writes: the page offers the version of the last acknowledged save.
            shown = VERSION_RE.search(response.text)
            if not self.stale and self.version is not None and (shown is None or int(shown.group(1)) != self.version):
                response.failure(f"page shows version {shown and shown.group(1)}, last acknowledged {self.version}")

    @task(1)
    def home(self) -> None:
        self.client.get("/", name="home (task list)")


class LeaderUser(ZhibuUser):
    fixed_count = len(PLAN["leaders"])
    accounts = leader_accounts

    def prepare(self) -> None:
        self.pending = list(self.account["to_sign"])
        self.signed = acknowledged["signed"].setdefault(self.account["username"], [])
        self.next_sign_at: float | None = None

    @task(2)
    def leader_home(self) -> None:
        self.client.get("/appraisal/sign/", name="leader home")

    @task(2)
    def signing_page(self) -> None:
        group, period, _appraisees = (self.pending or self.account["to_sign"])[0]
        self.client.get(f"/appraisal/sign/{group}/{period}/", name="signing page")

    @task(1)
    def sign(self) -> None:
        now = time.monotonic()
        if self.next_sign_at is None:
            self.next_sign_at = now + random.uniform(0, SIGN_EVERY_SECONDS)  # noqa: S311 - pacing, not secrets
        if not self.pending or now < self.next_sign_at:
            return
        self.next_sign_at = now + SIGN_EVERY_SECONDS
        group, period, appraisees = self.pending[0]
        url = f"/appraisal/sign/{group}/{period}/"
        self.client.get(url, name="signing page")
        data = {"csrfmiddlewaretoken": self.csrf(), "password": PASSWORD}
        # Within the 15% excellent quota (DOMAIN.md §5), rounded down: a group under 7 has none.
        excellent = len(appraisees) * 15 // 100
        for number, appraisee in enumerate(appraisees):
            data[f"grade-{appraisee}"] = "excellent" if number < excellent else "competent"
            data[f"opinion-{appraisee}"] = "能够认真履行岗位职责，按时完成各项工作任务。"
        with self.client.post(url, data, name="sign group", allow_redirects=False, catch_response=True) as response:
            if response.status_code != 302:
                response.failure(f"not signed: {response.status_code}")
                return
        self.pending.pop(0)
        self.signed.append([group, period])


class ProbeUser(HttpUser):
    """The floor: a trivial Django view through the same middleware, server and database in the same run."""

    fixed_count = 1
    wait_time = between(0.5, 2)

    def on_start(self) -> None:
        started.wait()

    @task
    def health(self) -> None:
        self.client.get("/health/", name="/health/ (trivial)")
