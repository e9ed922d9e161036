"""The yearly party-review records (DOMAIN.md §7): leader commentary on three levels, public commitments, star
ratings and secretaries' reports (双述双评).

第一党支部 elected 孙明 secretary and 张小丽 organisation member on 10 January 2025; 李建国 and 欧阳静 are its
members outside the committee. 欧阳静 is also the officer of 第一党总支, the branch's upper level.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404

from branches.committees import committee_term_record
from core.models import AUDIT_ACTION_LABELS, AuditEvent
from reviews.commentary import ITEMS
from reviews.models import CommentaryLevel, LeaderCommentary, PublicCommitment, SecretaryReport, StarRating
from reviews.records import (
    commentary_correct,
    commentary_record,
    commitment_make,
    commitment_update,
    commitment_update_fulfilment,
    secretary_report_save,
    star_rating_set,
)
from reviews.records_selectors import commentary_get, commitment_get, commitments_for

D = datetime.date
UPPER, SECRETARY, COMMITTEE = (
    CommentaryLevel.UPPER_ON_BRANCH,
    CommentaryLevel.SECRETARY_ON_COMMITTEE,
    CommentaryLevel.COMMITTEE_ON_MEMBER,
)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime.datetime(2026, 6, 15, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        yield


@pytest.fixture
def committee(personas, org):
    p = personas.people
    return committee_term_record(
        organization=org.branch_1,
        elected_on=D(2025, 1, 10),
        members=[(p.sam, "secretary"), (p.alice, "organization")],
        by=personas.sam,
    )


def full_items(level: str) -> dict[str, str]:
    return {item.key: f"{item.label}：较好" for item in ITEMS[level]}


def comment(personas, org, level, *, actor=None, person=None, commentator=None, **overrides):
    values = {
        "actor": actor or personas.sam,
        "year": 2026,
        "level": level,
        "branch": org.branch_1,
        "person": person,
        "commentator": commentator,
        "commentator_name": "",
        "commented_on": D(2026, 6, 10),
        "items": full_items(level),
        "strengths": "工作扎实",
        "improvements": "理论学习有待加强",
    }
    values.update(overrides)
    return commentary_record(**values)


# ---- Leader commentary -------------------------------------------------------------------------------------------


def test_commentary_items_are_the_listed_contents_of_each_level():
    labels = {level: [str(item.label) for item in items] for level, items in ITEMS.items()}
    assert labels[UPPER] == [
        "组织领导情况", "公开承诺事项的兑现情况", "活动措施落实情况", "活动与本职工作结合情况", "履行管党责任情况",
        "活动效果情况",
    ]  # fmt: skip
    assert labels[SECRETARY] == [
        "参加活动情况", "公开承诺事项兑现情况", "推动科学发展情况", "执行政策情况", "工作作风和廉洁自律情况",
        "关心服务群众情况", "分管工作落实情况",
    ]  # fmt: skip
    assert labels[COMMITTEE] == [
        "参加活动情况", "公开承诺事项兑现情况", "履行岗位职责情况", "服务群众情况", "工作作风情况", "工作成效情况",
    ]  # fmt: skip
    for items in ITEMS.values():
        assert len({item.key for item in items}) == len(items)


def test_secretary_comments_only_on_committee_members(personas, org, committee):
    p = personas.people
    commentary = comment(personas, org, SECRETARY, person=p.alice, commentator=p.sam)
    assert (commentary.commentator_name, commentary.commentator_post) == ("孙明", "书记")

    with pytest.raises(ValidationError, match="不是本届支委委员"):
        comment(personas, org, SECRETARY, person=p.bob, commentator=p.sam)
    with pytest.raises(ValidationError, match="不是本届支委委员"):
        comment(personas, org, SECRETARY, person=p.sam, commentator=p.sam, year=2025)
    with pytest.raises(ValidationError, match="须是本支部的书记"):
        comment(personas, org, SECRETARY, person=p.sam, commentator=p.alice)
    assert LeaderCommentary.objects.count() == 1
    assert AuditEvent.objects.filter(action="commentary.record").count() == 1


def test_committee_members_comment_only_on_members_outside_the_committee(personas, org, committee):
    p = personas.people
    comment(personas, org, COMMITTEE, person=p.bob, commentator=p.alice)
    comment(personas, org, COMMITTEE, person=p.olga, commentator=p.sam)  # the secretary is on the committee too

    with pytest.raises(ValidationError, match="是支委委员，应由书记点评"):
        comment(personas, org, COMMITTEE, person=p.alice, commentator=p.sam)
    with pytest.raises(ValidationError, match="李建国 不是本届支委委员"):
        comment(personas, org, COMMITTEE, person=p.olga, commentator=p.bob, year=2025)
    with pytest.raises(ValidationError, match="王芳 不是本支部的党员"):
        comment(personas, org, COMMITTEE, person=p.wang, commentator=p.alice)
    assert LeaderCommentary.objects.count() == 2


def test_commentary_follows_the_committee_in_force_on_its_date(personas, org, committee):
    p = personas.people
    committee_term_record(
        organization=org.branch_1,
        elected_on=D(2026, 3, 1),
        members=[(p.alice, "secretary"), (p.sam, "organization")],
        by=personas.sam,
    )
    comment(personas, org, SECRETARY, person=p.alice, commentator=p.sam, year=2025, commented_on=D(2026, 2, 1))
    with pytest.raises(ValidationError, match="须是本支部的书记"):
        comment(personas, org, SECRETARY, person=p.alice, commentator=p.sam, commented_on=D(2026, 4, 1))
    comment(personas, org, SECRETARY, person=p.sam, commentator=p.alice, commented_on=D(2026, 4, 1))

    with pytest.raises(ValidationError, match="没有在任的支部委员会"):
        comment(personas, org, COMMITTEE, person=p.bob, commentator=p.sam, year=2024, commented_on=D(2024, 12, 1))


def test_commentary_requires_every_listed_item(personas, org, committee):
    items = full_items(COMMITTEE)
    items["duties"] = "  "
    del items["results"]

    with pytest.raises(ValidationError) as refused:
        comment(personas, org, COMMITTEE, person=personas.people.bob, commentator=personas.people.alice, items=items)

    assert refused.value.messages == ["以下点评内容未填写：履行岗位职责情况、工作成效情况。"]
    with pytest.raises(ValidationError, match="需要改进的地方"):
        comment(
            personas, org, COMMITTEE, person=personas.people.bob, commentator=personas.people.alice, improvements=""
        )
    assert not LeaderCommentary.objects.exists()


def test_upper_level_comments_on_the_branch_and_only_the_upper_level_records_it(personas, org, committee):
    commentary = comment(
        personas, org, UPPER, actor=personas.olga, commentator_name="张永忠", commentator_post="机关工委副书记"
    )
    assert (commentary.person, commentary.commentator, commentary.commentator_name) == (None, None, "张永忠")
    assert set(commentary.items) == {item.key for item in ITEMS[UPPER]}

    with pytest.raises(PermissionDenied):  # the branch does not write its own judgement
        comment(personas, org, UPPER, year=2025, commentator_name="张永忠")
    with pytest.raises(ValidationError, match="不填被点评人"):
        comment(
            personas, org, UPPER, actor=personas.chief, year=2025, person=personas.people.bob, commentator_name="某"
        )
    with pytest.raises(ValidationError, match="请填写点评人姓名"):
        comment(personas, org, UPPER, actor=personas.chief, year=2025)
    with pytest.raises(PermissionDenied):
        comment(
            personas,
            org,
            COMMITTEE,
            actor=personas.alice,
            person=personas.people.bob,
            commentator=personas.people.alice,
        )


def test_a_commentary_is_corrected_by_whoever_may_record_it_keeping_who_and_the_old_text_in_the_audit(
    personas, org, committee
):
    commentary = comment(
        personas, org, UPPER, actor=personas.olga, commentator_name="张永忠", commentator_post="机关工委副书记"
    )
    old_improvements = commentary.improvements
    items = full_items(UPPER)
    items[ITEMS[UPPER][0].key] = "更正后的组织领导情况"

    with pytest.raises(PermissionDenied):  # the branch does not rewrite the upper level's judgement
        commentary_correct(actor=personas.sam, commentary=commentary, commented_on=commentary.commented_on,
                           items=items, improvements="改")  # fmt: skip
    with pytest.raises(ValidationError, match="以下点评内容未填写"):
        commentary_correct(actor=personas.olga, commentary=commentary, commented_on=commentary.commented_on,
                           items={}, improvements="改")  # fmt: skip
    commentary_correct(
        actor=personas.olga, commentary=commentary, commented_on=commentary.commented_on, items=items,
        improvements="更正后的改进意见",
    )  # fmt: skip

    commentary.refresh_from_db()
    assert commentary.items[ITEMS[UPPER][0].key] == "更正后的组织领导情况"
    assert (commentary.commentator_name, commentary.improvements) == ("张永忠", "更正后的改进意见")
    event = AuditEvent.objects.get(action="commentary.correct")
    assert event.data["before"]["improvements"] == old_improvements


def test_a_commentary_is_recorded_once_a_year(personas, org, committee):
    p = personas.people
    comment(personas, org, UPPER, actor=personas.olga, commentator_name="张永忠")
    comment(personas, org, COMMITTEE, person=p.bob, commentator=p.alice)

    with pytest.raises(ValidationError, match="第一党支部 2026年度已有上级领导点评"):
        comment(personas, org, UPPER, actor=personas.chief, commentator_name="另一位领导")
    with pytest.raises(ValidationError, match="李建国 2026年度已有“支委委员点评党员”"):
        comment(personas, org, COMMITTEE, person=p.bob, commentator=p.sam)
    comment(personas, org, COMMITTEE, person=p.bob, commentator=p.sam, year=2025, commented_on=D(2025, 12, 20))
    # The database holds the line too, should two people record at the same moment.
    with pytest.raises(IntegrityError), transaction.atomic():
        LeaderCommentary.objects.create(
            year=2026, level=UPPER, branch=org.branch_1, commentator_name="x", commented_on=D(2026, 6, 1),
            improvements="x",
        )  # fmt: skip


def test_commentary_dates_are_in_or_after_its_year_and_not_in_the_future(personas, org, committee):
    p = personas.people
    with pytest.raises(ValidationError, match="不能晚于今天"):
        comment(personas, org, COMMITTEE, person=p.bob, commentator=p.alice, commented_on=D(2026, 6, 16))
    with pytest.raises(ValidationError, match="不能早于所点评的年度"):
        comment(personas, org, COMMITTEE, person=p.bob, commentator=p.alice, commented_on=D(2025, 12, 31))


# ---- Public commitments ------------------------------------------------------------------------------------------


def test_fulfilled_commitment_requires_evidence(personas, org):
    commitment = commitment_make(
        actor=personas.sam, year=2026, branch=org.branch_1, content="为群众办实事十件", made_on=D(2026, 1, 8)
    )
    with pytest.raises(ValidationError, match="须附佐证材料"):
        commitment_update_fulfilment(actor=personas.sam, commitment=commitment, fulfilment="fulfilled", note="已办")
    with pytest.raises(ValidationError, match="须说明原因"):
        commitment_update_fulfilment(actor=personas.sam, commitment=commitment, fulfilment="unfulfilled")
    commitment.refresh_from_db()
    assert commitment.fulfilment == "pending"

    commitment_update_fulfilment(
        actor=personas.sam, commitment=commitment, fulfilment="fulfilled", evidence="办实事台账（10件）"
    )
    commitment.refresh_from_db()
    assert (commitment.fulfilment, commitment.evidence) == ("fulfilled", "办实事台账（10件）")
    event = AuditEvent.objects.get(action="commitment.fulfilment")
    assert event.data["old"]["fulfilment"] == "pending" and event.data["new"]["fulfilment"] == "fulfilled"
    with pytest.raises(IntegrityError), transaction.atomic():
        PublicCommitment.objects.filter(pk=commitment.pk).update(evidence="")


def test_a_member_writes_their_own_commitment_and_the_secretary_records_its_fulfilment(personas, org):
    p = personas.people
    own = commitment_make(
        actor=personas.alice, year=2026, branch=org.branch_1, person=p.alice, content="带头学习", made_on=D(2026, 1, 5)
    )
    commitment_update(actor=personas.alice, commitment=own, content="带头学习，每月读一本书", made_on=D(2026, 1, 5))
    with pytest.raises(PermissionDenied):
        commitment_make(
            actor=personas.alice, year=2026, branch=org.branch_1, person=p.bob, content="x", made_on=D(2026, 1, 5)
        )
    with pytest.raises(PermissionDenied):
        commitment_update_fulfilment(actor=personas.alice, commitment=own, fulfilment="in_progress")

    commitment_update_fulfilment(actor=personas.sam, commitment=own, fulfilment="unfulfilled", note="调离岗位")
    with pytest.raises(ValidationError, match="承诺内容不能再修改"):
        commitment_update(actor=personas.alice, commitment=own, content="改写", made_on=D(2026, 1, 5))
    assert [e.action for e in AuditEvent.objects.filter(action__startswith="commitment.").order_by("pk")] == [
        "commitment.make", "commitment.update", "commitment.fulfilment"
    ]  # fmt: skip


def test_a_commitment_is_made_once_a_year_by_a_member_of_the_branch(personas, org):
    p = personas.people
    commitment_make(actor=personas.sam, year=2026, branch=org.branch_1, content="支部承诺", made_on=D(2026, 1, 8))
    commitment_make(
        actor=personas.sam, year=2026, branch=org.branch_1, person=p.bob, content="个人承诺", made_on=D(2026, 1, 8)
    )
    with pytest.raises(ValidationError, match="第一党支部 2026年度已有公开承诺"):
        commitment_make(actor=personas.sam, year=2026, branch=org.branch_1, content="又一个", made_on=D(2026, 2, 1))
    with pytest.raises(ValidationError, match="李建国 2026年度已有公开承诺"):
        commitment_make(
            actor=personas.sam, year=2026, branch=org.branch_1, person=p.bob, content="又一个", made_on=D(2026, 2, 1)
        )
    with pytest.raises(ValidationError, match="林志远 不是本支部的党员"):
        commitment_make(
            actor=personas.sam, year=2026, branch=org.branch_1, person=p.lin, content="x", made_on=D(2026, 2, 1)
        )
    with pytest.raises(PermissionDenied):
        commitment_make(actor=personas.sam, year=2026, branch=org.branch_2, content="x", made_on=D(2026, 2, 1))
    with pytest.raises(ValidationError, match="该年度或上一年度"):
        commitment_make(actor=personas.sam, year=2025, branch=org.branch_1, content="x", made_on=D(2026, 2, 1))


def test_commitments_for_maps_each_subject_to_its_commitment_of_the_year(personas, org, django_assert_num_queries):
    p = personas.people
    branch = commitment_make(
        actor=personas.chief, year=2026, branch=org.branch_1, content="支部", made_on=D(2026, 1, 2)
    )
    alice = commitment_make(
        actor=personas.chief, year=2026, branch=org.branch_1, person=p.alice, content="张", made_on=D(2026, 1, 2)
    )
    commitment_make(
        actor=personas.chief, year=2025, branch=org.branch_1, person=p.bob, content="去年", made_on=D(2025, 1, 2)
    )

    with django_assert_num_queries(2):
        found = commitments_for(
            year=2026, person_ids=[p.alice.pk, p.bob.pk], organization_ids=[org.branch_1.pk, org.branch_2.pk]
        )

    assert found == {("person", p.alice.pk): alice, ("organization", org.branch_1.pk): branch}
    assert commitments_for(year=2026) == {}


# ---- Star rating -------------------------------------------------------------------------------------------------


def test_star_rating_is_one_to_five_with_reasons(personas, org):
    bob = personas.people.bob
    for stars in (0, 6):
        with pytest.raises(ValidationError, match="一至五星"):
            star_rating_set(actor=personas.sam, year=2026, branch=org.branch_1, person=bob, stars=stars, reasons="好")
    with pytest.raises(ValidationError, match="请填写评定理由"):
        star_rating_set(actor=personas.sam, year=2026, branch=org.branch_1, person=bob, stars=4, reasons="  ")
    assert not StarRating.objects.exists()

    rating = star_rating_set(
        actor=personas.sam, year=2026, branch=org.branch_1, person=bob, stars=5, reasons="带头作用突出"
    )
    assert (rating.stars, str(rating)) == (5, "李建国 ★★★★★")
    for change in ({"stars": 6}, {"reasons": ""}):
        with pytest.raises(IntegrityError), transaction.atomic():
            StarRating.objects.filter(pk=rating.pk).update(**change)


def test_second_star_rating_in_a_year_updates_it(personas, org):
    bob = personas.people.bob
    star_rating_set(actor=personas.sam, year=2026, branch=org.branch_1, person=bob, stars=3, reasons="表现一般")
    star_rating_set(actor=personas.olga, year=2026, branch=org.branch_1, person=bob, stars=4, reasons="复核后调整")

    rating = StarRating.objects.get()
    assert (rating.stars, rating.reasons, rating.rated_by) == (4, "复核后调整", personas.olga)
    update = AuditEvent.objects.get(action="star_rating.update")
    assert update.data == {"old": {"stars": 3, "reasons": "表现一般"}, "new": {"stars": 4, "reasons": "复核后调整"}}
    assert AuditEvent.objects.filter(action="star_rating.set").count() == 1
    star_rating_set(actor=personas.sam, year=2025, branch=org.branch_1, person=bob, stars=2, reasons="上年度")
    assert StarRating.objects.count() == 2


def test_star_rating_is_for_members_of_the_branch_by_its_organisers(personas, org):
    p = personas.people
    with pytest.raises(ValidationError, match="王芳 不是本支部的党员"):
        star_rating_set(actor=personas.chief, year=2026, branch=org.branch_1, person=p.wang, stars=3, reasons="x")
    with pytest.raises(PermissionDenied):
        star_rating_set(actor=personas.sam, year=2026, branch=org.branch_2, person=p.wang, stars=3, reasons="x")
    with pytest.raises(ValidationError, match="年度须在2000年至今年之间"):
        star_rating_set(actor=personas.sam, year=2027, branch=org.branch_1, person=p.bob, stars=3, reasons="x")


# ---- Secretaries' reports (双述双评) -------------------------------------------------------------------------------


def report(personas, org, actor=None, **overrides):
    values = {
        "actor": actor or personas.sam,
        "year": 2025,
        "branch": org.branch_1,
        "secretary": personas.people.sam,
        "report": "一年来支部工作情况……",
        "reported_to_members_on": D(2025, 12, 26),
        "members_assessment": "satisfied",
    }
    values.update(overrides)
    return secretary_report_save(**values)


def test_only_the_current_secretary_reports(personas, org, committee):
    with pytest.raises(ValidationError, match="张小丽 不是第一党支部在任的书记"):
        report(personas, org, secretary=personas.people.alice)
    saved = report(personas, org)
    assert (saved.secretary, saved.members_assessment) == (personas.people.sam, "satisfied")
    assert AuditEvent.objects.filter(action="secretary_report.record").count() == 1


def test_an_assessment_is_recorded_only_after_its_report(personas, org, committee):
    with pytest.raises(ValidationError, match="向党员群众述职之后"):
        report(personas, org, reported_to_members_on=None)
    with pytest.raises(ValidationError, match="向党员群众述职之后"):
        report(personas, org, year=2026, reported_to_members_on=D(2026, 12, 28))
    report(personas, org, year=2026, reported_to_members_on=D(2026, 12, 28), members_assessment="")
    with pytest.raises(ValidationError, match="向上级党组织述职之后"):
        report(personas, org, actor=personas.olga, upper_assessment="good")
    with pytest.raises(IntegrityError), transaction.atomic():
        SecretaryReport.objects.filter(year=2026).update(members_assessment="basic", reported_to_members_on=None)


def test_the_upper_assessment_is_recorded_by_the_upper_level(personas, org, committee):
    report(personas, org)
    with pytest.raises(PermissionDenied):
        report(personas, org, reported_to_upper_on=D(2026, 1, 10), upper_assessment="good", upper_comment="很好")

    saved = report(
        personas, org, actor=personas.olga, reported_to_upper_on=D(2026, 1, 10), upper_assessment="good",
        upper_comment="工作扎实",
    )  # fmt: skip
    # The secretary keeps the report; the upper level's assessment stays as it was recorded.
    report(personas, org, report="补充：……", reported_to_upper_on=D(2026, 1, 10), upper_assessment="good",
           upper_comment="工作扎实")  # fmt: skip
    saved.refresh_from_db()
    assert (saved.report, saved.upper_assessment, saved.upper_comment) == ("补充：……", "good", "工作扎实")
    assert SecretaryReport.objects.count() == 1
    assert AuditEvent.objects.filter(action="secretary_report.update").count() == 2


# ---- Scope and audit ---------------------------------------------------------------------------------------------


def test_records_outside_the_scope_are_404(personas, org, committee):
    p = personas.people
    theirs = commitment_make(
        actor=personas.chief, year=2026, branch=org.branch_2, person=p.wang, content="x", made_on=D(2026, 1, 2)
    )
    bobs = commitment_make(
        actor=personas.sam, year=2026, branch=org.branch_1, person=p.bob, content="x", made_on=D(2026, 1, 2)
    )
    alices = commitment_make(
        actor=personas.alice, year=2026, branch=org.branch_1, person=p.alice, content="x", made_on=D(2026, 1, 2)
    )
    commentary = comment(personas, org, COMMITTEE, person=p.bob, commentator=p.alice)

    assert commitment_get(user=personas.chief, pk=theirs.pk) == theirs
    for user, pk in [(personas.sam, theirs.pk), (personas.olga, theirs.pk), (personas.alice, bobs.pk)]:
        with pytest.raises(Http404):
            commitment_get(user=user, pk=pk)
    assert commitment_get(user=personas.alice, pk=alices.pk) == alices  # one's own
    assert commentary_get(user=personas.olga, pk=commentary.pk) == commentary
    for user in (personas.wang, personas.alice, personas.bob):
        with pytest.raises(Http404):
            commentary_get(user=user, pk=commentary.pk)


def test_every_new_action_has_a_label():
    for action in (
        "commentary.record", "commitment.make", "commitment.update", "commitment.fulfilment", "star_rating.set",
        "star_rating.update", "secretary_report.record", "secretary_report.update",
    ):  # fmt: skip
        assert action in AUDIT_ACTION_LABELS
