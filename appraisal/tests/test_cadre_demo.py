"""seed_demo adds the cadre appraisal (DOMAIN.md §6): last year's filed, with its ranking and archive entries, and
this year's waiting for the scorers; once, however often it runs."""

import datetime
import io
from zoneinfo import ZoneInfo

import time_machine
from django.core.management import call_command

from appraisal.cadre_selectors import exercise_ranking
from appraisal.cadre_services import result_verify
from appraisal.demo import SEED
from appraisal.demo_cadre import build_cadre_demo
from appraisal.models import CadreExercise, CadreResult
from appraisal.year import archive_timeline
from core.models import AuditEvent, User
from reviews.models import Poll

SHANGHAI = ZoneInfo("Asia/Shanghai")


@time_machine.travel(datetime.datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI))
def test_seed_demo_files_last_years_cadre_appraisal_and_sets_up_this_years_once(db, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    call_command("seed_demo", stdout=io.StringIO())
    counts = (CadreExercise.objects.count(), CadreResult.objects.count(), AuditEvent.objects.count())
    users = {u.username: u for u in User.objects.filter(username__in=["officer", "principal", "leader"])}
    build_cadre_demo(today=datetime.date(2026, 11, 23), users=users, seed=SEED)  # a second run adds nothing
    assert (CadreExercise.objects.count(), CadreResult.objects.count(), AuditEvent.objects.count()) == counts

    last, this = CadreExercise.objects.order_by("year")
    assert (last.year, last.status, this.year, this.status) == (2025, "filed", 2026, "draft")
    assert last.filed_by.username == "officer" and last.filed_at.date() == datetime.date(2026, 1, 20)
    assert last.poll.status == Poll.Status.CLOSED and this.poll.status == Poll.Status.DRAFT
    ranking = exercise_ranking(last)
    assert [row.rank for row in ranking.rows] == sorted(row.rank for row in ranking.rows)
    assert CadreResult.objects.count() == last.appraisees.count() >= 5
    # Dated in January and sealed again under the maintenance switch: every filed result still verifies (R12).
    assert all(result_verify(r) for r in CadreResult.objects.select_related("appraisee__exercise"))
    assert any(row.adjustment == 3 for row in ranking.rows)  # district and city for the same work: 3
    assert not this.appraisees.filter(work_score__isnull=True).exists()
    assert not this.appraisees.filter(principal_score__isnull=False).exists()

    cadre = ranking.rows[0].person
    officer = User.objects.get(username="officer")
    assert [e for e in archive_timeline(user=officer, person=cadre) if e.kind == "cadre"]
