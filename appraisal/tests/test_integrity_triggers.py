"""Signed ratings and filed cadre rankings are sealed in the database as well as by the services (RELIABILITY.md
R12; the triggers of appraisal/migrations/0003_integrity_triggers.py):

- the ORM's .update() and .delete(), and raw SQL as the application's database role, are refused;
- a correction still goes through: it is a new signed revision, an INSERT;
- the one way past is core.maintenance.sealed_rows_writable() (demo data and these tests), and a row changed that
  way, behind the application's back, is found by `manage.py verify_signatures`, for ratings and for filed
  cadre results alike.

The trigger tests need PostgreSQL (SQLite has no such triggers and relies on the models' save()):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zhibu pytest appraisal/tests/test_integrity_triggers.py

Each refusal is shown against a control: the same statement on a copy of the table without the trigger changes
the row, so a refusal here is the trigger's doing and not a broken statement.
"""

# ruff: noqa: F811 (the fixtures imported from cadre_fixtures are named again as test arguments)

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction

from appraisal.cadre_services import cadre_exercise_file, result_content, result_verify
from appraisal.models import CadreAppraisee, CadreExercise, CadreResult, CadreTeamScore, Grade, Rating
from appraisal.services import RatingEntry, content_hash, group_sign, rating_revise, rating_verify
from appraisal.tests.conftest import Q1_END
from core.maintenance import SETTING, sealed_rows_writable

from .cadre_fixtures import PASSWORD, exercise, scored, scorers  # noqa: F401 (fixtures)

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the sealing triggers exist only on PostgreSQL"
)


@pytest.fixture
def signed(personas, group, summaries) -> list[Rating]:
    entries = {a.pk: RatingEntry(Grade.COMPETENT, "认真负责") for a in group.appraisees.all()}
    return group_sign(group=group, period=1, entries=entries, password=PASSWORD, by=personas.lin, today=Q1_END)


@pytest.fixture
def filed(scored, personas) -> CadreExercise:
    cadre_exercise_file(exercise=scored, password=PASSWORD, by=personas.chief)
    scored.refresh_from_db()
    return scored


def _refused(statement, *params) -> str:
    """Run raw SQL as the application's connection; the database's refusal message (the test fails without one)."""
    with pytest.raises(IntegrityError) as refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)
    return str(refused.value)


def _orm_refused(call) -> str:
    with pytest.raises(IntegrityError) as refused, transaction.atomic():
        call()
    return str(refused.value)


def _changed_without_trigger(table: str, statement: str, *params) -> int:
    """The control: the same statement against a trigger-less copy of `table` (named `control`) changes rows."""
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE control ON COMMIT DROP AS SELECT * FROM {table}")  # noqa: S608 (test)
        cursor.execute(statement.replace(table, "control"), params)
        return cursor.rowcount


# ---- Signed ratings ----------------------------------------------------------------------------------------------


@postgresql_only
def test_a_signed_rating_cannot_be_updated_or_deleted_through_the_orm(signed):
    rating = signed[0]
    message = _orm_refused(lambda: Rating.objects.filter(pk=rating.pk).update(grade=Grade.EXCELLENT))
    assert f"signed rating {rating.pk} is sealed: UPDATE refused" in message
    assert "DELETE refused" in _orm_refused(lambda: Rating.objects.filter(pk=rating.pk).delete())
    assert Rating.objects.get(pk=rating.pk).grade == Grade.COMPETENT and rating_verify(rating)


@postgresql_only
def test_raw_sql_update_and_delete_of_a_signed_rating_are_refused_for_the_application_role(signed):
    rating = signed[0]
    update = "UPDATE appraisal_rating SET opinion = %s, content_hash = %s WHERE id = %s"
    assert "UPDATE refused" in _refused(update, "改过的意见", "0" * 64, rating.pk)
    assert "DELETE refused" in _refused("DELETE FROM appraisal_rating WHERE id = %s", rating.pk)
    assert Rating.objects.filter(pk=rating.pk, opinion="认真负责").exists()
    # The test of the test: the very same UPDATE changes a copy of the table that has no trigger.
    assert _changed_without_trigger("appraisal_rating", update, "改过的意见", "0" * 64, rating.pk) == 1


@postgresql_only
def test_a_correction_is_a_new_revision_and_passes_the_trigger(signed, personas):
    rating = signed[0]
    revised = rating_revise(rating=rating, grade=Grade.BASIC, opinion="出勤不足", reason="考勤核对有误",
                            password=PASSWORD, by=personas.lin, today=Q1_END)  # fmt: skip
    assert revised.revision == 2 and rating_verify(revised)
    original = Rating.objects.get(pk=rating.pk)
    assert original.grade == Grade.COMPETENT and rating_verify(original)


@postgresql_only
def test_the_maintenance_switch_lets_a_change_through_only_inside_its_block(signed):
    rating = signed[0]
    with sealed_rows_writable():
        Rating.objects.filter(pk=rating.pk).update(opinion="演示数据改期")
    assert Rating.objects.get(pk=rating.pk).opinion == "演示数据改期"
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting(%s, true)", [SETTING])
        assert cursor.fetchone()[0] == "off"
    assert "UPDATE refused" in _orm_refused(lambda: Rating.objects.filter(pk=rating.pk).update(opinion="再改"))


@postgresql_only
def test_the_maintenance_switch_is_undone_when_its_block_fails(signed):
    rating = signed[0]
    with pytest.raises(ZeroDivisionError), sealed_rows_writable():
        Rating.objects.filter(pk=rating.pk).update(opinion="回滚")
        _ = 1 / 0
    assert Rating.objects.get(pk=rating.pk).opinion == "认真负责"
    assert "UPDATE refused" in _orm_refused(lambda: Rating.objects.filter(pk=rating.pk).update(opinion="再改"))


def test_a_rating_changed_behind_the_applications_back_is_found_by_verify_signatures(signed, capsys):
    rating = signed[0]
    with sealed_rows_writable():
        Rating.objects.filter(pk=rating.pk).update(grade=Grade.EXCELLENT)
    with pytest.raises(CommandError, match="共校验 4 条评鉴，1 条与签署时不一致"):
        call_command("verify_signatures")
    assert f"评鉴编号 {rating.pk}" in capsys.readouterr().out


# ---- Filed cadre rankings ---------------------------------------------------------------------------------------


@postgresql_only
def test_a_filed_exercise_cannot_be_unfiled_changed_or_deleted(filed):
    unfile = "UPDATE appraisal_cadreexercise SET status = 'draft', filed_by_id = NULL, filed_at = NULL WHERE id = %s"
    assert f"filed cadre appraisal {filed.pk} is sealed: UPDATE refused" in _refused(unfile, filed.pk)
    assert "DELETE refused" in _refused("DELETE FROM appraisal_cadreexercise WHERE id = %s", filed.pk)
    assert "UPDATE refused" in _orm_refused(lambda: CadreExercise.objects.filter(pk=filed.pk).update(title="改名"))
    assert CadreExercise.objects.get(pk=filed.pk).is_filed
    assert _changed_without_trigger("appraisal_cadreexercise", unfile, filed.pk) == 1


@postgresql_only
def test_the_results_scores_and_cadres_of_a_filed_exercise_cannot_change(filed):
    result = CadreResult.objects.filter(appraisee__exercise=filed).order_by("rank").first()
    bump = "UPDATE appraisal_cadreresult SET rank = rank + 1, total_display = total_display + 1 WHERE id = %s"
    assert f"appraisal_cadreresult of filed cadre appraisal {filed.pk}: UPDATE refused" in _refused(bump, result.pk)
    assert "DELETE refused" in _orm_refused(lambda: CadreResult.objects.filter(pk=result.pk).delete())
    appraisee = result.appraisee
    assert "UPDATE refused" in _orm_refused(
        lambda: CadreAppraisee.objects.filter(pk=appraisee.pk).update(work_score=100)
    )
    scorer_id = CadreTeamScore.objects.filter(appraisee=appraisee).values_list("scorer_id", flat=True).first()
    assert "UPDATE refused" in _orm_refused(lambda: CadreTeamScore.objects.filter(appraisee=appraisee).update(score=0))
    assert "DELETE refused" in _orm_refused(lambda: CadreTeamScore.objects.filter(appraisee=appraisee).delete())
    insert = "INSERT INTO appraisal_cadreteamscore (appraisee_id, scorer_id, score) VALUES (%s, %s, 100)"
    assert "INSERT refused" in _refused(insert, appraisee.pk, scorer_id)
    assert result_verify(CadreResult.objects.select_related("appraisee__exercise").get(pk=result.pk))
    assert _changed_without_trigger("appraisal_cadreresult", bump, result.pk) == 1


@postgresql_only
def test_scores_of_an_exercise_not_yet_filed_still_change(scored):
    """The guard is about filing: the same UPDATE the filed exercise refuses goes through while it is a draft."""
    appraisee = scored.appraisees.first()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE appraisal_cadreappraisee SET work_score = 100 WHERE id = %s", [appraisee.pk])
        assert cursor.rowcount == 1


def test_each_filed_result_carries_a_digest_that_verifies(filed, capsys):
    results = list(CadreResult.objects.filter(appraisee__exercise=filed).select_related("appraisee__exercise"))
    assert len(results) == 4 and all(len(r.digest) == 64 and result_verify(r) for r in results)
    call_command("verify_signatures", "--year", "2026")
    assert "4 条中层干部考核结果，全部与备案一致" in capsys.readouterr().out


@pytest.mark.parametrize(
    "change",
    [
        {"rank": 1, "total_display": "99.99"},  # the ranking itself
        {"inputs": {"tampered": True}},  # what it was computed from
    ],
    ids=["figures", "inputs"],
)
def test_a_filed_result_changed_behind_the_applications_back_is_found_by_verify_signatures(filed, change, capsys):
    result = CadreResult.objects.filter(appraisee__exercise=filed).order_by("-rank").first()
    with sealed_rows_writable():
        CadreResult.objects.filter(pk=result.pk).update(**change)
    with pytest.raises(CommandError, match="4 条中层干部考核结果，1 条与备案时不一致"):
        call_command("verify_signatures")
    assert f"中层干部考核结果编号 {result.pk}" in capsys.readouterr().out


def test_a_resealed_result_whose_total_does_not_follow_from_its_inputs_is_found(filed):
    """Changing a figure and recomputing the digest, as someone who read the code could, still fails: the total is
    recomputed from the recorded inputs by the rules of §6."""
    result = CadreResult.objects.select_related("appraisee__exercise").filter(appraisee__exercise=filed).first()
    result.total_display += 1
    result.digest = content_hash(result_content(result, filed))
    with sealed_rows_writable():
        CadreResult.objects.filter(pk=result.pk).update(total_display=result.total_display, digest=result.digest)
    assert not result_verify(CadreResult.objects.select_related("appraisee__exercise").get(pk=result.pk))


def test_moving_the_filing_time_is_found(filed):
    with sealed_rows_writable():
        CadreExercise.objects.filter(pk=filed.pk).update(filed_at=filed.filed_at.replace(year=2025))
    results = CadreResult.objects.filter(appraisee__exercise=filed).select_related("appraisee__exercise")
    assert not any(result_verify(r) for r in results)
