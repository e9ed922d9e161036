"""Static analysis and the dependency audit, in a form that cannot pass by accident (RELIABILITY.md R28, MEAS-10,
MEAS-11): bandit runs on the application code and every finding of medium or high severity must be fixed or waived
on its line with `# nosec B<number>  # reason`; the bandit run is shown to find a seeded hole; the dependency audit runs
only against an advisory source that answers for a known-vulnerable release, and is reported SKIPPED otherwise,
never passed. `make audit` runs this file."""

import datetime
import json
import re
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from appraisal.models import Grade, QuarterlySummary
from appraisal.services import RatingEntry, cycle_open, group_add, group_sign

ROOT = Path(settings.BASE_DIR)
BIN = Path(sys.executable).parent
APP_PACKAGES = ["config", "core", "branches", "members", "appraisal", "reviews", "reports"]
BLOCKING_SEVERITIES = {"MEDIUM", "HIGH"}
# A waiver names the checks it excuses and says why after a second `#`: bandit would read bare words as test names.
WAIVER = re.compile(r"# nosec (B\d{3})( B\d{3})*  # \S")

# Django 4.2.0 has published advisories (CVE-2023-31047 among them): a source that reports none for it is no source.
CANARY = ("django", "4.2.0")
ADVISORY_TIMEOUT = 5


def _bandit(*targets: Path | str) -> list[dict]:
    result = subprocess.run(
        [BIN / "bandit", "-c", ROOT / "pyproject.toml", "-r", *targets, "-f", "json", "-q"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    # Exit 1 only means "found something"; anything else, or no report, is a broken run, never a clean one.
    assert result.returncode in (0, 1), result.stderr
    report = json.loads(result.stdout)
    assert report["errors"] == [], report["errors"]
    return report["results"]


def _describe(findings: list[dict]) -> str:
    return "\n".join(
        f"{f['filename']}:{f['line_number']} {f['test_id']} {f['issue_severity']}: {f['issue_text']}" for f in findings
    )


def test_bandit_finds_no_unwaived_medium_or_high_finding_in_the_application():
    findings = [f for f in _bandit(*APP_PACKAGES) if f["issue_severity"] in BLOCKING_SEVERITIES]
    assert findings == [], "bandit findings to fix or waive with `# nosec B<number>  # reason`:\n" + _describe(findings)


def test_bandit_run_finds_a_seeded_mark_safe_and_raw_sql(tmp_path):
    """The same run, pointed at a file with the holes MEAS-10 seeded, must report them: a silent bandit is no pass."""
    package = tmp_path / "seeded"
    package.mkdir()
    (package / "views.py").write_text(
        "from django.db.models.expressions import RawSQL\n"
        "from django.utils.safestring import mark_safe\n\n\n"
        "def greet(request):\n"
        "    return mark_safe(request.GET['name'])\n\n\n"
        "def rows(queryset, column):\n"
        "    return queryset.annotate(value=RawSQL(column, []))\n"
    )
    found = {f["test_id"] for f in _bandit(package) if f["issue_severity"] in BLOCKING_SEVERITIES}
    assert {"B308", "B703", "B611"} <= found


def test_every_bandit_waiver_names_its_check_and_gives_a_reason():
    unexplained = []
    for package in APP_PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if {"tests", "migrations"} & set(path.relative_to(ROOT).parts):
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if "nosec" in line and not WAIVER.search(line):
                    unexplained.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert unexplained == []


def _pypi_answers() -> str | None:
    """None when PyPI's JSON API reports advisories for the canary release, else why not."""
    name, version = CANARY
    try:
        with urllib.request.urlopen(
            f"https://pypi.org/pypi/{name}/{version}/json", timeout=ADVISORY_TIMEOUT
        ) as response:
            advisories = json.load(response).get("vulnerabilities")
    except (OSError, ValueError) as exc:
        return f"PyPI JSON API: {exc}"
    return None if advisories else f"PyPI JSON API reports no advisory for {name} {version}"


def _osv_answers() -> str | None:
    name, version = CANARY
    query = json.dumps({"package": {"name": name, "ecosystem": "PyPI"}, "version": version}).encode()
    request = urllib.request.Request(
        "https://api.osv.dev/v1/query", data=query, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=ADVISORY_TIMEOUT) as response:  # noqa: S310 - fixed https URL
            advisories = json.load(response).get("vulns")
    except (OSError, ValueError) as exc:
        return f"OSV: {exc}"
    return None if advisories else f"OSV reports no advisory for {name} {version}"


def test_dependency_audit_finds_no_known_vulnerability():
    reasons = {}
    for service, probe in (("pypi", _pypi_answers), ("osv", _osv_answers)):
        reason = probe()
        if reason is None:
            break
        reasons[service] = reason
    else:
        pytest.skip(
            "SKIPPED: no advisory source reachable; dependencies NOT audited (" + "; ".join(reasons.values()) + ")"
        )
    result = subprocess.run(
        [BIN / "pip-audit", "--strict", "--skip-editable", "--vulnerability-service", service,
         "--progress-spinner", "off", "--timeout", "30", "--desc", "off"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, f"pip-audit --strict ({service}) failed:\n{result.stdout}\n{result.stderr}"


@pytest.mark.django_db
def test_the_waived_mark_safe_of_the_signing_rows_escapes_every_user_value(client, personas):
    """The proof behind the B308/B703 waiver in appraisal/views/signing.py: markup typed into a name, a position, a
    summary and an opinion comes back escaped, on the open rows (with the typed values) and on the signed ones."""
    markup = "<script>alert(1)</script>"
    people = personas.people
    for person in (people.alice, people.bob):
        person.name, person.position = markup, '"><img src=x onerror=alert(2)>'
        person.save()
    with time_machine.travel(datetime.datetime(2026, 3, 31, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        cycle = cycle_open(year=2026, name="2026年度平时考核", by=personas.chief)
        group = group_add(cycle=cycle, name="办公室", leader=personas.lin, people=[people.alice, people.bob],
                          by=personas.chief)  # fmt: skip
        for person in (people.alice, people.bob):
            QuarterlySummary.objects.create(
                person=person, year=2026, quarter=1, unit=person.unit, duties=markup, tasks_completed=f"a\n{markup}",
                attendance=markup, unfinished_explanation=markup,
            )  # fmt: skip
        alice, bob = group.appraisees.all()
        client.force_login(personas.lin)
        url = reverse("appraisal:sign", args=[group.pk, 1])
        # A refused step (wrong password) shows the typed opinions again in the open rows.
        typed = client.post(url, {"password": "wrong", **{f"grade-{a.pk}": Grade.COMPETENT for a in (alice, bob)},
                                  **{f"opinion-{a.pk}": markup for a in (alice, bob)}})  # fmt: skip
        entries = {a.pk: RatingEntry(Grade.COMPETENT, markup) for a in (alice, bob)}
        group_sign(group=group, period=1, entries=entries, password="pw-for-tests-1", by=personas.lin,
                   today=datetime.date(2026, 3, 31))  # fmt: skip
        signed = client.get(url)
    for response in (typed, signed):
        html = response.content.decode()
        assert response.status_code == 200
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
