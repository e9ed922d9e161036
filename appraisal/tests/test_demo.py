"""seed_demo builds this year's routine appraisal of the demo organ, through the real services, once."""

import datetime
import io
from collections import Counter
from zoneinfo import ZoneInfo

import time_machine
from django.core.management import call_command

from appraisal.models import (
    AdmonishmentTask,
    AppraisalGroup,
    Commendation,
    Cycle,
    Grade,
    LogStatus,
    MonthlyLog,
    Publication,
    QuarterlySummary,
    Rating,
)
from appraisal.rules import excellent_quota, rules_for_year
from appraisal.services import current_ratings, rating_verify
from core.models import User

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _snapshot() -> dict:
    return {
        "logs": set(MonthlyLog.objects.values_list("person_id", "month", "status", "is_late")),
        "summaries": QuarterlySummary.objects.count(),
        "ratings": set(Rating.objects.values_list("person_id", "period", "revision", "grade", "content_hash")),
        "publications": Publication.objects.count(),
        "commendations": Commendation.objects.count(),
    }


@time_machine.travel(datetime.datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI))
def test_seed_demo_builds_the_years_appraisal_once_with_valid_signatures_and_logins(db, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    call_command("seed_demo", stdout=io.StringIO())
    first = _snapshot()
    call_command("seed_demo", stdout=io.StringIO())
    assert _snapshot() == first

    cycle = Cycle.objects.get()
    assert (cycle.year, cycle.kind) == (2026, Cycle.Kind.QUARTERLY_GRADED)
    groups = list(AppraisalGroup.objects.filter(cycle=cycle).select_related("leader"))
    assert len(groups) == 6
    leaders = {g.name: g.leader.username for g in groups}
    assert leaders["办公室"] == leaders["宣传部"] == "leader" and leaders["组织部"] == "principal"

    statuses = Counter(MonthlyLog.objects.values_list("status", flat=True))
    assert statuses[LogStatus.RETURNED] == 1 and statuses[LogStatus.DRAFT] > 0
    assert MonthlyLog.objects.filter(is_late=True).exists()
    assert MonthlyLog.objects.exclude(unit_head_comment="").exists()
    assert set(MonthlyLog.objects.values_list("month", flat=True)) == set(range(1, 12))

    ratings = list(Rating.objects.all())
    assert {r.period for r in ratings} == {1, 2, 3}
    assert all(rating_verify(r) for r in ratings)
    assert {r.signed_at.astimezone(SHANGHAI).date() for r in ratings if r.revision == 1} == {
        datetime.date(2026, 3, 31),
        datetime.date(2026, 6, 30),
        datetime.date(2026, 9, 30),
    }
    assert Rating.objects.filter(revision=2).count() == 1
    for group in groups:
        quota = excellent_quota(group.appraisees.count(), rules_for_year(2026))
        for period in (1, 2, 3):
            current = current_ratings(group, period).values()
            assert sum(r.grade == Grade.EXCELLENT for r in current) <= quota
    admonishment = AdmonishmentTask.objects.get()
    assert admonishment.is_open and admonishment.rating.grade == Grade.INCOMPETENT

    # 宣传部's third quarter waits for the demo leader; 办公室's waits to be published.
    publicity = next(g for g in groups if g.name == "宣传部")
    assert len(current_ratings(publicity, 3)) < publicity.appraisees.count()
    assert not Publication.objects.filter(group__name="办公室", period=3).exists()
    assert Publication.objects.filter(group__name="组织部", period=3).exists()
    assert Commendation.objects.filter(kind=Commendation.Kind.PENALTY).count() == 1

    logins = {}
    for line in (tmp_path / "demo_logins.txt").read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in ("leader", "principal"):
            logins[parts[1]] = parts[2]
    assert all(User.objects.get(username=u).check_password(p) for u, p in logins.items())
    assert len(logins) == 2
