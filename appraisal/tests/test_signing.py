"""Leader rating (领导评鉴, DOMAIN.md §5): one signing step per group, the 15% quota, signatures and revisions."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from appraisal.models import AdmonishmentTask, Delegation, Grade, Kinship, Rating
from appraisal.services import RatingEntry, current_ratings, group_add, group_sign, rating_revise, rating_verify
from appraisal.tests.conftest import Q1_END, write_summary
from core.maintenance import sealed_rows_writable
from core.models import AuditEvent
from tests.factories import PersonFactory

PASSWORD = "pw-for-tests-1"


def _entries(group, grades: dict[str, str]) -> dict[int, RatingEntry]:
    by_name = {a.person.name: a.pk for a in group.appraisees.select_related("person")}
    return {by_name[name]: RatingEntry(grade=grade, opinion=f"{name}工作认真") for name, grade in grades.items()}


ALL_COMPETENT = {
    "张小丽": Grade.COMPETENT,
    "李建国": Grade.COMPETENT,
    "欧阳静": Grade.COMPETENT,
    "孙明": Grade.COMPETENT,
}


def test_leader_signs_the_whole_group_in_one_step(personas, group, summaries):
    ratings = group_sign(group=group, period=1, entries=_entries(group, ALL_COMPETENT), password=PASSWORD,
                         by=personas.lin, today=Q1_END)  # fmt: skip
    assert len(ratings) == 4
    assert all(r.signed_by == personas.lin and r.revision == 1 and rating_verify(r) for r in ratings)
    assert AuditEvent.objects.filter(action="rating.sign").count() == 1


def test_signing_without_the_password_fails_and_changes_nothing(personas, group, summaries):
    with pytest.raises(ValidationError, match="密码不正确"):
        group_sign(group=group, period=1, entries=_entries(group, ALL_COMPETENT), password="wrong", by=personas.lin,
                   today=Q1_END)  # fmt: skip
    assert not Rating.objects.exists()


def test_signing_over_the_quota_is_refused_naming_quota_and_count_and_changes_nothing(personas, group, summaries):
    grades = {**ALL_COMPETENT, "张小丽": Grade.EXCELLENT}  # 4 appraisees: quota 0
    with pytest.raises(ValidationError) as refused:
        group_sign(group=group, period=1, entries=_entries(group, grades), password=PASSWORD, by=personas.lin,
                   today=Q1_END)  # fmt: skip
    assert "名额为 0 名" in refused.value.messages[0] and "共评定 1 名" in refused.value.messages[0]
    assert not Rating.objects.exists()


def test_one_excellent_is_allowed_in_a_group_of_seven(personas, cycle, org):
    people = [personas.people.alice, *PersonFactory.create_batch(6, unit=org.office)]
    group = group_add(cycle=cycle, name="七人组", leader=personas.lin, people=people, by=personas.chief)
    for person in people:
        write_summary(person)
    grades = {a.pk: RatingEntry(Grade.COMPETENT, "好") for a in group.appraisees.all()}
    first = group.appraisees.first().pk
    grades[first] = RatingEntry(Grade.EXCELLENT, "很好")
    assert len(group_sign(group=group, period=1, entries=grades, password=PASSWORD, by=personas.lin, today=Q1_END)) == 7


def test_only_the_groups_leader_may_sign(personas, group, summaries):
    with pytest.raises(PermissionDenied):
        group_sign(group=group, period=1, entries=_entries(group, ALL_COMPETENT), password=PASSWORD,
                   by=personas.bob, today=Q1_END)  # fmt: skip


def test_signing_opens_on_the_last_working_day_of_the_quarter(personas, group, summaries):
    with pytest.raises(ValidationError, match="2026-03-31"):
        group_sign(group=group, period=1, entries=_entries(group, ALL_COMPETENT), password=PASSWORD,
                   by=personas.lin, today=datetime.date(2026, 3, 30))  # fmt: skip


def test_every_appraisee_needs_a_summary_and_an_opinion(personas, group, summaries):
    summaries.sam.delete()
    entries = _entries(group, ALL_COMPETENT)
    entries.pop(next(a.pk for a in group.appraisees.all() if a.person.name == "李建国"))
    with pytest.raises(ValidationError) as refused:
        group_sign(group=group, period=1, entries=entries, password=PASSWORD, by=personas.lin, today=Q1_END)
    assert set(refused.value.messages) == {"孙明：尚无季度小结。", "李建国：请填写评鉴意见。"}


def test_a_signed_group_cannot_be_signed_again(personas, group, summaries):
    group_sign(group=group, period=1, entries=_entries(group, ALL_COMPETENT), password=PASSWORD, by=personas.lin,
               today=Q1_END)  # fmt: skip
    with pytest.raises(ValidationError, match="已签署"):
        group_sign(group=group, period=1, entries=_entries(group, ALL_COMPETENT), password=PASSWORD,
                   by=personas.lin, today=Q1_END)  # fmt: skip


def test_a_signed_rating_cannot_be_changed_only_revised(personas, group, summaries):
    [rating, *_] = group_sign(group=group, period=1, entries=_entries(group, ALL_COMPETENT), password=PASSWORD,
                              by=personas.lin, today=Q1_END)  # fmt: skip
    rating.grade = Grade.BASIC
    with pytest.raises(ValueError, match="cannot be changed"):
        rating.save()
    revision = rating_revise(rating=rating, grade=Grade.BASIC, opinion="出勤不足", reason="考勤核对有误",
                             password=PASSWORD, by=personas.lin, today=Q1_END)  # fmt: skip
    assert revision.revision == 2 and revision.revision_reason == "考勤核对有误"
    old = Rating.objects.get(pk=rating.pk)
    assert old.grade == Grade.COMPETENT and rating_verify(old)
    assert current_ratings(group, 1)[rating.appraisee_id] == revision


def test_a_revision_into_excellent_respects_the_quota(personas, group, summaries):
    [rating, *_] = group_sign(group=group, period=1, entries=_entries(group, ALL_COMPETENT), password=PASSWORD,
                              by=personas.lin, today=Q1_END)  # fmt: skip
    with pytest.raises(ValidationError, match="超出名额"):
        rating_revise(rating=rating, grade=Grade.EXCELLENT, opinion="优秀", reason="重新评定", password=PASSWORD,
                      by=personas.lin, today=Q1_END)  # fmt: skip


def test_incompetent_leaves_an_open_admonishment_task(personas, group, summaries):
    grades = {**ALL_COMPETENT, "李建国": Grade.INCOMPETENT}
    group_sign(group=group, period=1, entries=_entries(group, grades), password=PASSWORD, by=personas.lin,
               today=Q1_END)  # fmt: skip
    [task] = AdmonishmentTask.objects.all()
    assert task.person.name == "李建国" and task.is_open


def test_changing_signed_content_in_the_database_is_detected(personas, group, summaries):
    [rating, *_] = group_sign(group=group, period=1, entries=_entries(group, ALL_COMPETENT), password=PASSWORD,
                              by=personas.lin, today=Q1_END)  # fmt: skip
    with sealed_rows_writable():  # behind the application's back: the database refuses it otherwise
        Rating.objects.filter(pk=rating.pk).update(grade=Grade.EXCELLENT)
    assert not rating_verify(Rating.objects.get(pk=rating.pk))
    with sealed_rows_writable():
        Rating.objects.filter(pk=rating.pk).update(grade=rating.grade, opinion="改过的意见")
    assert not rating_verify(Rating.objects.get(pk=rating.pk))


def test_an_acting_leader_signs_by_delegation_and_it_is_recorded(personas, group, summaries):
    Delegation.objects.create(leader=personas.lin, acting=personas.chief, starts_on=datetime.date(2026, 3, 1),
                              ends_on=datetime.date(2026, 4, 30), reason="出差")  # fmt: skip
    ratings = group_sign(group=group, period=1, entries=_entries(group, ALL_COMPETENT), password=PASSWORD,
                         by=personas.chief, today=Q1_END)  # fmt: skip
    assert {(r.signed_by, r.on_behalf_of) for r in ratings} == {(personas.chief, personas.lin)}
    assert all(rating_verify(r) for r in ratings)


def test_a_leader_is_recused_from_rating_a_relative(personas, group, summaries):
    Kinship.objects.create(person=personas.people.lin, relative=personas.people.alice, relation="配偶")
    with pytest.raises(ValidationError, match="张小丽：评鉴领导须回避"):
        group_sign(group=group, period=1, entries=_entries(group, ALL_COMPETENT), password=PASSWORD,
                   by=personas.lin, today=Q1_END)  # fmt: skip
    alice = group.appraisees.get(person=personas.people.alice)
    alice.rating_leader = personas.chief
    alice.save()
    assert len(group_sign(group=group, period=1, entries=_entries(group, ALL_COMPETENT), password=PASSWORD,
                          by=personas.lin, today=Q1_END)) == 3  # fmt: skip
    assert len(group_sign(group=group, period=1, entries=_entries(group, {"张小丽": Grade.COMPETENT}),
                          password=PASSWORD, by=personas.chief, today=Q1_END)) == 1  # fmt: skip


def test_half_year_variant_grades_by_score(personas, half_year_cycle):
    p = personas.people
    group = group_add(cycle=half_year_cycle, name="量化组", leader=personas.lin, people=[p.alice, p.bob],
                      by=personas.chief)  # fmt: skip
    for person in (p.alice, p.bob):
        write_summary(person, quarter=2)
    entries = {a.pk: RatingEntry(None, "认真", Decimal("85.5") if a.person == p.alice else Decimal("59"))
               for a in group.appraisees.select_related("person")}  # fmt: skip
    ratings = group_sign(group=group, period=1, entries=entries, password=PASSWORD, by=personas.lin,
                         today=datetime.date(2026, 6, 30))  # fmt: skip
    assert {r.person.name: (r.grade, r.score) for r in ratings} == {
        "张小丽": (Grade.COMPETENT, Decimal("85.5")),
        "李建国": (Grade.INCOMPETENT, Decimal("59")),
    }


def test_a_signed_rating_cannot_be_changed_in_the_admin(client, personas, group, summaries):
    [rating, *_] = group_sign(group=group, period=1, entries=_entries(group, ALL_COMPETENT), password=PASSWORD,
                              by=personas.lin, today=Q1_END)  # fmt: skip
    personas.chief.is_staff = personas.chief.is_superuser = True
    personas.chief.save()
    client.force_login(personas.chief)
    url = f"/admin/appraisal/rating/{rating.pk}/change/"
    assert client.get(url).status_code == 200  # viewable
    client.post(url, {"grade": Grade.EXCELLENT, "opinion": "改"})
    assert Rating.objects.get(pk=rating.pk).grade == Grade.COMPETENT
    assert client.post(f"/admin/appraisal/rating/{rating.pk}/delete/", {"post": "yes"}).status_code == 403
