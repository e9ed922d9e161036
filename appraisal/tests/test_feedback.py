"""Feedback and publication (DOMAIN.md §5): acknowledgement of the current revision, publication only when everyone
is signed, the admonishment talk a 不称职 rating requires, commendations and penalties."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from appraisal.feedback import (
    admonishment_record,
    admonishment_rows,
    commendation_record,
    group_publish,
    rating_acknowledge,
)
from appraisal.models import Acknowledgement, AdmonishmentTask, Commendation, Grade, Publication, Rating
from appraisal.services import RatingEntry, group_sign, rating_revise
from appraisal.tests.conftest import Q1_END
from core.models import AuditEvent
from tests.factories import UserFactory

PASSWORD = "pw-for-tests-1"

ALL_COMPETENT = {
    "张小丽": Grade.COMPETENT,
    "李建国": Grade.COMPETENT,
    "欧阳静": Grade.COMPETENT,
    "孙明": Grade.COMPETENT,
}


def sign(group, grades: dict[str, str], *, by, period: int = 1, today: datetime.date = Q1_END) -> list[Rating]:
    """Sign the named appraisees' grades, as the leader does on the signing page."""
    by_name = {a.person.name: a.pk for a in group.appraisees.select_related("person")}
    entries = {by_name[name]: RatingEntry(grade=grade, opinion=f"{name}全年工作认真") for name, grade in grades.items()}
    return group_sign(group=group, period=period, entries=entries, password=PASSWORD, by=by, today=today)


def rating_of(ratings: list[Rating], name: str) -> Rating:
    return next(r for r in ratings if r.person.name == name)


# ---- Acknowledgement -----------------------------------------------------------------------------------------


def test_the_appraisee_acknowledges_their_rating_and_it_is_audited(personas, group, summaries):
    alice_rating = rating_of(sign(group, ALL_COMPETENT, by=personas.lin), "张小丽")
    rating_acknowledge(rating=alice_rating, by=personas.alice)
    assert Acknowledgement.objects.get().rating == alice_rating
    assert AuditEvent.objects.filter(action="rating.acknowledge", object_id=str(alice_rating.pk)).exists()


def test_acknowledgement_belongs_to_the_current_revision(personas, group, summaries):
    first = rating_of(sign(group, ALL_COMPETENT, by=personas.lin), "张小丽")
    rating_acknowledge(rating=first, by=personas.alice)
    revision = rating_revise(rating=first, grade=Grade.BASIC, opinion="请假较多", reason="考勤核对有误",
                             password=PASSWORD, by=personas.lin, today=Q1_END)  # fmt: skip
    assert not Acknowledgement.objects.filter(rating=revision).exists()
    assert Acknowledgement.objects.filter(rating=first).exists()
    with pytest.raises(ValidationError, match="已有新的修订"):
        rating_acknowledge(rating=Rating.objects.get(pk=first.pk), by=personas.alice)
    rating_acknowledge(rating=revision, by=personas.alice)
    assert Acknowledgement.objects.filter(rating=revision).exists()


def test_only_the_appraisee_may_acknowledge(personas, group, summaries):
    alice_rating = rating_of(sign(group, ALL_COMPETENT, by=personas.lin), "张小丽")
    with pytest.raises(PermissionDenied):
        rating_acknowledge(rating=alice_rating, by=personas.lin)
    assert not Acknowledgement.objects.exists()


def test_acknowledging_twice_is_refused(personas, group, summaries):
    alice_rating = rating_of(sign(group, ALL_COMPETENT, by=personas.lin), "张小丽")
    rating_acknowledge(rating=alice_rating, by=personas.alice)
    with pytest.raises(ValidationError, match="已确认过"):
        rating_acknowledge(rating=alice_rating, by=personas.alice)


# ---- Publication ---------------------------------------------------------------------------------------------


def test_publication_is_refused_while_someone_is_unsigned_naming_them(personas, group, summaries):
    sam = group.appraisees.get(person=personas.people.sam)
    sam.rating_leader = UserFactory(username="deputy")
    sam.save()
    sign(group, {name: g for name, g in ALL_COMPETENT.items() if name != "孙明"}, by=personas.lin)
    with pytest.raises(ValidationError, match="尚未签署评鉴，暂不能公示：孙明"):
        group_publish(group=group, period=1, by=personas.chief)
    assert not Publication.objects.exists()


def test_the_officer_publishes_a_fully_signed_group_once(personas, group, summaries):
    sign(group, ALL_COMPETENT, by=personas.lin)
    publication = group_publish(group=group, period=1, by=personas.chief)
    assert (publication.year, publication.period, publication.published_by) == (2026, 1, personas.chief)
    assert AuditEvent.objects.filter(action="publication.publish").count() == 1
    with pytest.raises(ValidationError, match="已经公示"):
        group_publish(group=group, period=1, by=personas.chief)


def test_only_an_officer_whose_unit_scope_holds_the_group_may_publish(personas, group, summaries):
    sign(group, ALL_COMPETENT, by=personas.lin)
    # Olga is an officer on the party side only; Bob heads the unit; Lin signed: none of them publishes.
    for user in (personas.olga, personas.bob, personas.lin):
        with pytest.raises(PermissionDenied):
            group_publish(group=group, period=1, by=user)
    assert not Publication.objects.exists()


# ---- Admonishment talks --------------------------------------------------------------------------------------


def test_incompetent_leaves_an_open_admonishment_task_until_the_talk_is_recorded(personas, group, summaries):
    sign(group, {**ALL_COMPETENT, "李建国": Grade.INCOMPETENT}, by=personas.lin)
    task = AdmonishmentTask.objects.get()
    open_rows, closed_rows = admonishment_rows(user=personas.lin)
    assert [row.task for row in open_rows] == [task] and not closed_rows
    today = timezone.localdate()
    admonishment_record(task=task, talk_on=today, notes="指出问题，本人表示认真整改。", by=personas.lin)
    task.refresh_from_db()
    assert not task.is_open and task.talk_by == personas.lin and task.talk_on == today
    open_rows, closed_rows = admonishment_rows(user=personas.lin)
    assert not open_rows and closed_rows[0].state == "recorded"
    assert AuditEvent.objects.filter(action="admonishment.record", object_id=str(task.pk)).exists()
    with pytest.raises(ValidationError, match="已经记录"):
        admonishment_record(task=task, talk_on=today, notes="再记一次", by=personas.lin)


def test_the_unit_head_of_the_persons_unit_may_record_the_talk(personas, group, summaries):
    sign(group, {**ALL_COMPETENT, "张小丽": Grade.INCOMPETENT}, by=personas.lin)
    task = AdmonishmentTask.objects.get()
    admonishment_record(task=task, talk_on=timezone.localdate(), notes="谈话提醒。", by=personas.bob)
    assert AdmonishmentTask.objects.get().talk_by == personas.bob


def test_staff_and_the_person_themself_cannot_record_a_talk(personas, group, summaries):
    sign(group, {**ALL_COMPETENT, "李建国": Grade.INCOMPETENT}, by=personas.lin)
    task = AdmonishmentTask.objects.get()
    # Bob heads the unit, but the talk is with him: someone else must hold it.
    for user in (personas.alice, personas.sam, personas.chief, personas.bob):
        with pytest.raises(PermissionDenied):
            admonishment_record(task=task, talk_on=timezone.localdate(), notes="谈话", by=user)
    assert AdmonishmentTask.objects.get().is_open


def test_a_talk_needs_notes_and_a_date_between_the_rating_and_today(personas, group, summaries):
    sign(group, {**ALL_COMPETENT, "李建国": Grade.INCOMPETENT}, by=personas.lin)
    task = AdmonishmentTask.objects.get()
    today = timezone.localdate()
    with pytest.raises(ValidationError, match="不能晚于今天"):
        admonishment_record(task=task, talk_on=today + datetime.timedelta(days=1), notes="谈话", by=personas.lin)
    with pytest.raises(ValidationError, match="不能早于评鉴签署日期"):
        admonishment_record(task=task, talk_on=today - datetime.timedelta(days=1), notes="谈话", by=personas.lin)
    with pytest.raises(ValidationError, match="请填写谈话记录"):
        admonishment_record(task=task, talk_on=today, notes="  ", by=personas.lin)
    assert AdmonishmentTask.objects.get().is_open


def test_a_rating_revised_away_from_incompetent_no_longer_needs_a_talk(personas, group, summaries):
    bob_rating = rating_of(sign(group, {**ALL_COMPETENT, "李建国": Grade.INCOMPETENT}, by=personas.lin), "李建国")
    rating_revise(rating=bob_rating, grade=Grade.BASIC, opinion="有所改进", reason="补充材料后重新评定",
                  password=PASSWORD, by=personas.lin, today=Q1_END)  # fmt: skip
    open_rows, closed_rows = admonishment_rows(user=personas.lin)
    assert not open_rows and closed_rows[0].state == "superseded"
    with pytest.raises(ValidationError, match="已有新的修订"):
        admonishment_record(task=AdmonishmentTask.objects.get(), talk_on=timezone.localdate(), notes="谈话",
                            by=personas.lin)  # fmt: skip


# ---- Commendations and penalties -----------------------------------------------------------------------------


def _commend(person, by, **overrides):
    fields = {
        "kind": Commendation.Kind.COMMENDATION,
        "level": Commendation.Level.CITY,
        "title": "市级优秀公务员",
        "work_item": "疫情防控",
        "awarded_on": datetime.date(2026, 5, 4),
        "document_number": "某市人社发〔2026〕12号",
    }
    fields.update(overrides)
    return commendation_record(person=person, by=by, **fields)


def test_an_officer_records_a_commendation_of_someone_in_their_unit_scope(personas):
    commendation = _commend(personas.people.wang, personas.chief)
    assert commendation.recorded_by == personas.chief
    assert str(commendation) == "王芳 市级表彰奖励 市级优秀公务员"
    assert AuditEvent.objects.filter(action="commendation.record", object_id=str(commendation.pk)).exists()


def test_only_an_officer_covering_the_person_records_commendations(personas):
    for user in (personas.olga, personas.bob, personas.alice):
        with pytest.raises(PermissionDenied):
            _commend(personas.people.alice, user)
    assert not Commendation.objects.exists()


def test_a_commendation_needs_its_document_number_and_a_past_date(personas):
    with pytest.raises(ValidationError) as missing:
        _commend(personas.people.alice, personas.chief, document_number="  ")
    assert "document_number" in missing.value.message_dict
    with pytest.raises(ValidationError) as future:
        _commend(personas.people.alice, personas.chief, awarded_on=timezone.localdate() + datetime.timedelta(days=1))
    assert "awarded_on" in future.value.message_dict
    assert not Commendation.objects.exists()
