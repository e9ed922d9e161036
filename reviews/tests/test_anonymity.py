"""No stored record links a ballot to a voter or a code (DOMAIN.md §7; RELIABILITY.md R21 and MEAS-8).

The linkage-attack suite of R21: after 50 ballots and the close, join on foreign keys or shared columns, on
timestamps, on the transaction id (xmin), and match the physical order (ctid) or the key order of the counted
ballots against the order of voting. The system-column checks need PostgreSQL:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zhibu_polls pytest reviews/tests/test_anonymity.py
"""

from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection, models

from reviews.models import Answer, Ballot, Poll, PollQuestion, StagedBallot, VotingCode
from reviews.services import (
    ballot_cast,
    poll_close,
    poll_codes_issue,
    poll_create,
    poll_open,
    poll_question_add,
    poll_subject_add,
)

pytestmark = pytest.mark.django_db

VOTERS = 50
# Position matches of a random permutation of 50 are about Poisson(1): six or more happen 6 times in 10,000 runs.
CHANCE_BOUND = 5
BALLOT_TABLES = (StagedBallot, Ballot, Answer)
# The only tables a ballot row may point to: its poll and, for a mark, the ballot, subject and question.
ALLOWED_TARGETS = {"reviews_poll", "reviews_ballot", "reviews_pollsubject", "reviews_pollquestion"}
TIME_FIELDS = ("DateField", "DateTimeField", "TimeField", "DurationField")


@pytest.mark.parametrize("model", BALLOT_TABLES, ids=lambda m: m.__name__)
def test_ballot_tables_have_no_link_to_a_person_a_user_or_a_code_and_no_time(model):
    for field in model._meta.get_fields():
        if field.is_relation and field.concrete:
            assert field.related_model._meta.db_table in ALLOWED_TARGETS, field
        assert not isinstance(field, models.DateField | models.TimeField | models.DurationField), field
    # The same in the database as migrated, not only in the model classes.
    with connection.cursor() as cursor:
        table = model._meta.db_table
        relations = connection.introspection.get_relations(cursor, table)
        columns = connection.introspection.get_table_description(cursor, table)
    assert {target for _column, target in relations.values()} <= ALLOWED_TARGETS
    for column in columns:
        internal = connection.introspection.get_field_type(column.type_code, column)
        assert internal not in TIME_FIELDS, column.name


def test_the_code_table_holds_only_a_hash_and_a_used_flag():
    columns = {f.column for f in VotingCode._meta.concrete_fields}
    assert columns == {"id", "poll_id", "code_hash", "used"}
    assert settings.AUTH_USER_MODEL not in {
        f.related_model._meta.label for f in VotingCode._meta.concrete_fields if f.is_relation
    }


@pytest.fixture
def fifty_ballots(personas, org):
    """50 voters in a known order, each giving Bob a distinct score (50.00 … 99.00): a ballot's score tells its
    position in the voting order, which is exactly what an attacker must not recover from the rows."""
    poll = poll_create(actor=personas.chief, title="测评", kind=Poll.Kind.CADRE, unit=org.organ)
    subject = poll_subject_add(actor=personas.chief, poll=poll, label="", person=personas.people.bob)
    question = poll_question_add(actor=personas.chief, poll=poll, text="综合评价", kind=PollQuestion.Kind.SCORE)
    codes = poll_codes_issue(actor=personas.chief, poll=poll, count=VOTERS + 10)
    poll_open(actor=personas.chief, poll=poll)
    for position, code in enumerate(codes[:VOTERS]):
        ballot_cast(code=code, answers={(subject.pk, question.pk): Decimal(50 + position)})
    return poll


def _position_matches(scores_in_stored_order: list[Decimal]) -> int:
    return sum(1 for i, score in enumerate(scores_in_stored_order) if score == Decimal(50 + i))


def test_after_close_nothing_is_left_to_join_ballots_to_codes(personas, fifty_ballots):
    staged = list(StagedBallot.objects.values_list("answers", flat=True))
    assert len(staged) == VOTERS

    poll_close(actor=personas.chief, poll=fifty_ballots)

    assert not VotingCode.objects.exists()
    assert not StagedBallot.objects.exists()
    assert Ballot.objects.filter(poll=fifty_ballots).count() == VOTERS
    # Listed the way the application lists them (by random key), ballots show no voting order.
    listed = list(
        Answer.objects.filter(ballot__poll=fifty_ballots).order_by("ballot_id").values_list("score", flat=True)
    )
    assert _position_matches(listed) <= CHANCE_BOUND


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="xmin and ctid are PostgreSQL system columns"
)


def _rows(sql: str, params=()) -> list:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@postgresql_only
def test_staging_while_open_is_the_documented_window_and_close_ends_it(personas, fifty_ballots):
    # While open, a staged ballot shares its transaction id with the code it burnt (MEAS-8's residual window) …
    used_xmins = {r[0] for r in _rows("SELECT xmin::text FROM reviews_votingcode WHERE used")}
    staged_xmins = {r[0] for r in _rows("SELECT xmin::text FROM reviews_stagedballot")}
    assert len(used_xmins) == VOTERS and staged_xmins == used_xmins

    poll_close(actor=personas.chief, poll=fifty_ballots)

    # … and after the close every counted row carries the one transaction id of the close.
    ballot_xmins = {r[0] for r in _rows("SELECT xmin::text FROM reviews_ballot")}
    answer_xmins = {r[0] for r in _rows("SELECT xmin::text FROM reviews_answer")}
    assert len(ballot_xmins) == 1 and answer_xmins == ballot_xmins
    assert not ballot_xmins & used_xmins
    assert _rows("SELECT count(*) FROM reviews_votingcode") == [(0,)]
    assert _rows("SELECT count(*) FROM reviews_stagedballot") == [(0,)]


@postgresql_only
def test_physical_and_key_order_of_counted_ballots_do_not_follow_the_voting_order(personas, fifty_ballots):
    poll_close(actor=personas.chief, poll=fifty_ballots)

    by_ballot_ctid = [
        r[0]
        for r in _rows(
            "SELECT a.score FROM reviews_ballot b JOIN reviews_answer a ON a.ballot_id = b.id ORDER BY b.ctid"
        )
    ]
    by_answer_ctid = [r[0] for r in _rows("SELECT score FROM reviews_answer ORDER BY ctid")]
    by_answer_key = [r[0] for r in _rows("SELECT score FROM reviews_answer ORDER BY id")]
    for order in (by_ballot_ctid, by_answer_ctid, by_answer_key):
        assert sorted(order) == [Decimal(50 + i) for i in range(VOTERS)]
        assert _position_matches(order) <= CHANCE_BOUND
