"""The database enforces "one X per Y" (RELIABILITY.md R15), and a duplicate that two requests race to create is
answered 409, never 500.

- Each rule is a constraint in the model's Meta and in the database itself (introspection on every database; on
  PostgreSQL also pg_constraint, or pg_indexes for a partial unique index, which PostgreSQL keeps as an index).
- 20 browser tabs create the same monthly log at once: one saves, 19 get the conflict screen (409), one row.
  Real concurrent transactions need PostgreSQL:

      DATABASE_URL=postgres://postgres@127.0.0.1:5432/zhibu pytest appraisal/tests/test_one_per_constraints.py

- An IntegrityError that no service expected answers the Chinese 409 page of core.conflict, not a 500.

Each suite shows it can fail: the same 20-tab race against a copy of the log table without its unique constraint
stores more than one row.
"""

# ruff: noqa: F811 (the fixture imported from test_integrity_triggers is named again as a test argument)

import pytest
import time_machine
from django.db import connection, models, transaction
from django.test import Client

from appraisal import services
from appraisal.models import (
    Acknowledgement,
    CadreAppraisee,
    CadreExercise,
    CadreTeamScore,
    Grade,
    MonthlyLog,
    Notification,
    Publication,
    QuarterlySummary,
    Rating,
)
from appraisal.tests.test_integrity_triggers import signed  # noqa: F401 (fixture)
from appraisal.tests.test_log_views import IN_FEBRUARY, form_data, log_url
from reports.models import ReportJob
from reviews.models import VotingCode
from tests.concurrency import race

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent transactions and pg_constraint need PostgreSQL"
)

# (model, constraint name or None for a field's unique=True, the columns that are unique together, partial?)
ONE_PER = [
    (MonthlyLog, "monthly_log_once_per_person_month", ["person_id", "year", "month"], False),
    (QuarterlySummary, "summary_once_per_person_quarter", ["person_id", "year", "quarter"], False),
    # One rating per ratee and period at each revision; a correction is the next revision, never a second row.
    (Rating, "rating_revision_unique", ["person_id", "year", "period", "revision"], False),
    (Acknowledgement, None, ["rating_id"], False),
    (Publication, "publication_once_per_period", ["group_id", "year", "period"], False),
    (Notification, "notification_once_per_key", ["user_id", "key"], False),
    (CadreExercise, "cadre_exercise_once_per_unit_year", ["unit_id", "year"], False),
    (CadreAppraisee, "cadre_appraisee_once_per_exercise", ["exercise_id", "person_id"], False),
    (CadreTeamScore, "cadre_team_score_once_per_scorer", ["appraisee_id", "scorer_id"], False),
    # One ballot per voting code: the code is unique, and casting flips `used` with a conditional UPDATE
    # (reviews.services.ballot_cast); the ballot itself is never linked to the code (R21).
    (VotingCode, None, ["code_hash"], False),
    # One report job per request while it is pending or running (de-duplication of repeated clicks).
    (ReportJob, "report_job_once_while_active", ["params_hash"], True),
]


IDS = [f"{model.__name__}.{name or columns[0]}" for model, name, columns, _partial in ONE_PER]


@pytest.mark.parametrize(("model", "name", "columns", "partial"), ONE_PER, ids=IDS)
def test_each_one_per_rule_is_declared_on_its_model(model, name, columns, partial):
    if name is None:
        [column] = columns
        field = next(f for f in model._meta.concrete_fields if f.column == column)
        assert field.unique
        return
    [constraint] = [c for c in model._meta.constraints if c.name == name]
    assert isinstance(constraint, models.UniqueConstraint)
    assert [model._meta.get_field(f).column for f in constraint.fields] == columns
    assert (constraint.condition is not None) == partial


@pytest.mark.django_db
@pytest.mark.parametrize(("model", "name", "columns", "partial"), ONE_PER, ids=IDS)
def test_each_one_per_rule_exists_in_the_database(model, name, columns, partial):
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, model._meta.db_table)
    unique = [c for c_name, c in found.items() if c["unique"] and (name is None or c_name == name)]
    assert any(c["columns"] == columns for c in unique), found


@postgresql_only
@pytest.mark.django_db
@pytest.mark.parametrize(("model", "name", "columns", "partial"), ONE_PER, ids=IDS)
def test_each_one_per_rule_is_in_pg_constraint_or_is_a_partial_unique_index(model, name, columns, partial):
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if partial:
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = %s AND indexname = %s", [table, name])
            [(definition,)] = cursor.fetchall()
            assert definition.startswith("CREATE UNIQUE INDEX") and " WHERE " in definition
            return
        cursor.execute(
            """
            SELECT c.conname, array_agg(a.attname::text ORDER BY k.ord)
            FROM pg_constraint c
            CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
            WHERE c.conrelid = %s::regclass AND c.contype = 'u'
            GROUP BY c.conname
            """,
            [table],
        )
        constraints = dict(cursor.fetchall())
    if name is not None:
        assert constraints.get(name) == columns, constraints
    else:
        assert columns in constraints.values(), constraints


# ---- 20 tabs create the same log at once --------------------------------------------------------------------------

TABS = 20


def _race_to_create_the_log(user) -> list:
    tabs = [Client() for _ in range(TABS)]
    for tab in tabs:
        tab.force_login(user)
    return race(*(lambda tab=tab, i=i: tab.post(log_url(), form_data(duties=f"第{i}个标签页"))
                  for i, tab in enumerate(tabs)))  # fmt: skip


@postgresql_only
@pytest.mark.django_db(transaction=True)
@time_machine.travel(IN_FEBRUARY, tick=False)
def test_twenty_tabs_creating_the_same_monthly_log_store_one_and_answer_the_rest_409(personas):
    responses = _race_to_create_the_log(personas.alice)

    assert not [r for r in responses if not hasattr(r, "status_code")], responses  # no exception escaped
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [302] + [409] * (TABS - 1), statuses
    assert MonthlyLog.objects.filter(person=personas.people.alice, year=2026, month=2).count() == 1
    stored = MonthlyLog.objects.get().duties
    # Every loser sees the stored text next to their own, to merge.
    for response in (r for r in responses if r.status_code == 409):
        assert {row.label: row.stored for row in response.context["comparison"]}["履行职责情况"] == stored


@postgresql_only
@pytest.mark.django_db(transaction=True)
@time_machine.travel(IN_FEBRUARY, tick=False)
def test_the_race_stores_duplicates_when_the_constraint_is_missing(personas):
    """The test of the test: with the unique constraint dropped, the same race stores more than one log (the
    service's look-up before inserting cannot see the other tabs' uncommitted rows)."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE appraisal_monthlylog DROP CONSTRAINT monthly_log_once_per_person_month")
    try:
        responses = _race_to_create_the_log(personas.alice)
        assert MonthlyLog.objects.filter(person=personas.people.alice, year=2026, month=2).count() > 1, [
            getattr(r, "status_code", r) for r in responses
        ]
    finally:
        MonthlyLog.objects.all().delete()
        with connection.cursor() as cursor:
            cursor.execute(
                "ALTER TABLE appraisal_monthlylog ADD CONSTRAINT monthly_log_once_per_person_month "
                "UNIQUE (person_id, year, month)"
            )


# ---- An unexpected IntegrityError is a 409 page -------------------------------------------------------------------


@pytest.mark.django_db
@time_machine.travel(IN_FEBRUARY, tick=False)
def test_an_integrity_error_no_service_expected_answers_a_chinese_409_page_not_a_500(client, personas, monkeypatch):
    alice = personas.people.alice

    @transaction.atomic
    def save_twice(**kwargs):
        """A service that forgot the race: it inserts the log a second time, as a concurrent request would."""
        for _ in range(2):
            MonthlyLog.objects.create(person=alice, year=2026, month=2, unit=alice.unit)

    monkeypatch.setattr(services, "monthly_log_save", save_twice)
    client.force_login(personas.alice)
    response = client.post(log_url(), form_data())

    assert response.status_code == 409
    page = response.content.decode()
    assert "保存未完成：与已有记录冲突" in page and "本次没有保存任何内容" in page
    assert not MonthlyLog.objects.exists()
    # The page is the site's own, for the signed-in user: the navigation still works.
    assert client.get(log_url()).status_code == 200


@pytest.mark.django_db
def test_other_errors_are_not_turned_into_409(client, personas, monkeypatch):
    def broken(**kwargs):
        raise ZeroDivisionError

    monkeypatch.setattr(services, "monthly_log_save", broken)
    client.force_login(personas.alice)
    with time_machine.travel(IN_FEBRUARY, tick=False), pytest.raises(ZeroDivisionError):
        client.post(log_url(), form_data())


@postgresql_only
@pytest.mark.django_db
@time_machine.travel(IN_FEBRUARY, tick=False)
def test_a_change_to_a_signed_rating_refused_by_the_database_answers_409(client, personas, signed, monkeypatch):
    """The sealing triggers (R12) raise SQLSTATE 23000, an IntegrityError to Django: a request that somehow tried to
    change a signed rating gets the same 409 page, and the rating stays as signed."""
    rating = signed[0]

    @transaction.atomic
    def change_signed_rating(**kwargs):
        Rating.objects.filter(pk=rating.pk).update(grade=Grade.EXCELLENT)

    monkeypatch.setattr(services, "monthly_log_save", change_signed_rating)
    client.force_login(personas.alice)
    response = client.post(log_url(), form_data())

    assert response.status_code == 409 and "保存未完成" in response.content.decode()
    assert Rating.objects.get(pk=rating.pk).grade == rating.grade
