"""What every benchmark here shares: a throwaway SQLite database, whatever DATABASE_URL says, and the timing of
one page (warm-up, then the median of repeated GETs, and the queries of one more)."""

import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REQUESTS = 15
WARM_UP = 3


def with_throwaway_database(run: Callable[[], None]) -> None:
    sys.path.insert(0, str(ROOT))
    tmp = Path(tempfile.mkdtemp(prefix="zhibu-bench-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
    try:
        run()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def measure(client, url: str) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(WARM_UP):
        assert client.get(url).status_code == 200
    timings = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        response = client.get(url)
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    slowest = sorted(((q["time"], q["sql"]) for q in queries.captured_queries), key=lambda q: -float(q[0]))[:3]
    return {
        "median": statistics.median(timings),
        "min": min(timings),
        "max": max(timings),
        "queries": len(queries),
        "bytes": len(response.content),
        "slowest": slowest,
    }
