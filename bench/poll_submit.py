"""Ballots through the real participant view against PostgreSQL: 300 participants each cast one ballot scoring
20 cadres (6,000 marks). Prints ballots per second and marks per second next to the rate of a trivial Django view
measured in the same run, and the time the close (the shuffled move) and the results take. Prints only.

    .venv/bin/python bench/poll_submit.py [--threads 4]

Needs PostgreSQL (the ballots are cast with a share lock and a conditional UPDATE whose cost SQLite would not show):
DATABASE_URL names the server, default postgres://postgres@127.0.0.1:5432/zhibu_bench_polls. A throwaway database
(test_<name>) is created and dropped again. Each ballot is one POST of the ballot form with the code and 20 scores,
through the whole middleware stack (sessions, login-required, CSP; the test client skips only the CSRF check), the
way a phone submits it. With --threads N, N clients submit at once (one connection each), as participants of a
meeting do; the clients run in this one Python process, so they share its interpreter lock with the server side.
"""

import argparse
import os
import random
import statistics
import sys
import threading
import time
import warnings
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PARTICIPANTS = 300
CADRES = 20
TRIVIAL_REQUESTS = 300
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/zhibu_bench_polls"


def trivial(request):
    from django.http import HttpResponse

    return HttpResponse("ok")


def _urlpatterns():
    from django.contrib.auth.decorators import login_not_required
    from django.urls import include, path

    return [path("bench/trivial/", login_not_required(trivial)), path("", include("config.urls"))]


def _rate(count: int, seconds: float) -> float:
    return count / seconds if seconds else float("inf")


def run(threads: int) -> None:
    import django

    warnings.filterwarnings("ignore", message="No directory at")  # whitenoise: collected files are not needed
    django.setup()

    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import clear_url_caches, reverse

    if connection.vendor != "postgresql":
        sys.exit("bench/poll_submit.py measures PostgreSQL: set DATABASE_URL=postgres://…")
    setup_test_environment()  # allows the test client's host name
    # The project's URLs plus the trivial view, in this module.
    urlpatterns.extend(_urlpatterns())
    settings.ROOT_URLCONF = __name__
    clear_url_caches()
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        figures = measure(threads, Client, reverse)
    finally:
        connection.creation.destroy_test_db(name, verbosity=0)
    report(threads, figures)


def setup_poll():
    from branches.models import Unit
    from core.models import User
    from core.roles import Role
    from members.models import Education, Gender, Person, name_initials
    from members.services import role_assign
    from reviews.models import Poll, PollQuestion
    from reviews.services import poll_codes_issue, poll_create, poll_open, poll_question_add, poll_subject_add

    organ = Unit.objects.create(name="某区机关", kind=Unit.Kind.ORGAN)
    office = Unit.objects.create(name="办公室", parent=organ)
    officer = User.objects.create_user(username="officer")
    role_assign(user=officer, role=Role.ORG_OFFICER, unit=organ)
    cadres = Person.objects.bulk_create(
        Person(
            name=f"干部{i:02d}",
            name_initials=name_initials(f"干部{i:02d}"),  # bulk_create skips save(), which sets it
            gender=Gender.MALE,
            birth_date="1975-01-01",
            education=Education.UNDERGRADUATE,
            unit=office,
            position="科长",
        )
        for i in range(CADRES)
    )
    poll = poll_create(actor=officer, title="中层干部民主测评", kind=Poll.Kind.CADRE, unit=organ)
    subjects = [poll_subject_add(actor=officer, poll=poll, label="", person=p) for p in cadres]
    question = poll_question_add(actor=officer, poll=poll, text="综合评价", kind=PollQuestion.Kind.SCORE)
    codes = poll_codes_issue(actor=officer, poll=poll, count=PARTICIPANTS)
    poll_open(actor=officer, poll=poll)
    return officer, poll, subjects, question, codes


def timed_requests(make_client, send, items, threads: int) -> tuple[float, list[float], list[int]]:
    """Send one request per item over `threads` clients at once; the wall time, each latency and each status."""
    from django.db import connections

    chunks = [items[i::threads] for i in range(threads)]
    latencies: list[float] = []
    statuses: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(threads + 1)

    def worker(chunk):
        client = make_client()
        mine, codes = [], []
        barrier.wait()
        for item in chunk:
            started = time.perf_counter()
            status = send(client, item)
            mine.append(time.perf_counter() - started)
            codes.append(status)
        with lock:
            latencies.extend(mine)
            statuses.extend(codes)
        connections.close_all()

    workers = [threading.Thread(target=worker, args=(chunk,)) for chunk in chunks]
    for w in workers:
        w.start()
    barrier.wait()
    started = time.perf_counter()
    for w in workers:
        w.join()
    return time.perf_counter() - started, latencies, statuses


def measure(threads: int, Client, reverse) -> dict:
    from reviews.models import Answer, StagedBallot
    from reviews.results import poll_results
    from reviews.services import poll_close

    officer, poll, subjects, question, codes = setup_poll()
    rng = random.Random(2026)  # noqa: S311 - made-up scores, not secrets
    ballots = [
        {"code": code, **{f"s{s.pk}_q{question.pk}": str(Decimal(rng.randint(6000, 10000)) / 100) for s in subjects}}
        for code in codes
    ]
    submit_url = reverse("vote:submit")
    start_url = reverse("vote:start")

    # Warm up every path once (templates, URL resolver, connection), on a trivial request and on the code page.
    warm = Client()
    warm.get("/bench/trivial/")
    warm.get("/health/")
    warm.post(start_url, {"code": codes[0]})

    figures = {}
    for label, url in (("trivial view (no query)", "/bench/trivial/"), ("/health/ (SELECT 1)", "/health/")):
        wall, latencies, statuses = timed_requests(
            Client, lambda client, _item, url=url: client.get(url).status_code, list(range(TRIVIAL_REQUESTS)), threads
        )
        assert set(statuses) == {200}, statuses
        figures[label] = (wall, latencies, TRIVIAL_REQUESTS)

    # The code page: the participant types the code and gets the ballot with 20 cadres.
    wall, latencies, statuses = timed_requests(
        Client, lambda client, ballot: client.post(start_url, {"code": ballot["code"]}).status_code, ballots, threads
    )
    assert set(statuses) == {200}, statuses
    figures["code page → ballot form"] = (wall, latencies, len(ballots))

    wall, latencies, statuses = timed_requests(
        Client, lambda client, ballot: client.post(submit_url, ballot).status_code, ballots, threads
    )
    assert set(statuses) == {302}, sorted(set(statuses))
    assert StagedBallot.objects.filter(poll=poll).count() == PARTICIPANTS
    figures["ballot submitted (cast)"] = (wall, latencies, len(ballots))

    started = time.perf_counter()
    poll_close(actor=officer, poll=poll)
    close_seconds = time.perf_counter() - started
    assert Answer.objects.filter(ballot__poll=poll).count() == PARTICIPANTS * CADRES
    started = time.perf_counter()
    results = poll_results(poll)
    results_seconds = time.perf_counter() - started
    assert all(s.valid == PARTICIPANTS for s in results.subjects)
    return {"requests": figures, "close": close_seconds, "results": results_seconds}


def report(threads: int, figures: dict) -> None:
    print(
        f"{PARTICIPANTS} participants × {CADRES} cadres = {PARTICIPANTS} ballots, {PARTICIPANTS * CADRES} marks; "
        f"PostgreSQL; {threads} client thread(s); Django test client through the whole middleware stack"
    )
    print(f"{'request':<26} {'count':>6} {'per s':>9} {'marks/s':>9} {'median ms':>10} {'p95 ms':>8} {'max ms':>8}")
    requests = figures["requests"]
    for label, (wall, latencies, count) in requests.items():
        ordered = sorted(latencies)
        p95 = ordered[int(0.95 * (len(ordered) - 1))]
        marks = f"{_rate(count * CADRES, wall):>9.0f}" if label.startswith("ballot") else f"{'':>9}"
        print(
            f"{label:<26} {count:>6} {_rate(count, wall):>9.1f} {marks} {statistics.median(latencies) * 1000:>10.1f}"
            f" {p95 * 1000:>8.1f} {ordered[-1] * 1000:>8.1f}"
        )
    trivial_rate = _rate(requests["trivial view (no query)"][2], requests["trivial view (no query)"][0])
    health_rate = _rate(requests["/health/ (SELECT 1)"][2], requests["/health/ (SELECT 1)"][0])
    cast_wall, _latencies, cast_count = requests["ballot submitted (cast)"]
    cast_rate = _rate(cast_count, cast_wall)
    print(
        f"ballots/s ÷ trivial view/s = {cast_rate / trivial_rate:.3f} (1 ballot costs {trivial_rate / cast_rate:.1f} "
        f"trivial requests); ÷ /health/ = {cast_rate / health_rate:.3f}"
    )
    print(f"marks/s = {cast_rate * CADRES:.0f}; all {PARTICIPANTS} ballots in {cast_wall:.2f} s")
    print(
        f"close (shuffled move of {PARTICIPANTS} ballots / {PARTICIPANTS * CADRES} marks):"
        f" {figures['close'] * 1000:.0f} ms; results: {figures['results'] * 1000:.0f} ms"
    )
    print(f"load average {os.getloadavg()[0]:.2f}")


urlpatterns: list = []

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="clients submitting at once (default 1)")
    arguments = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    os.environ["DATABASE_URL"] = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    run(max(1, arguments.threads))
