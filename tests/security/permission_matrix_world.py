"""The world the permission matrix (permission_matrix.py) is played in: one organ with two jurisdictions, one
person per role of the matrix on each side, and one object of every kind that a URL names, all made through the
services (DOMAIN.md §1 roles and scopes, RELIABILITY.md R2).

"Home" is 办公室 (unit) and 第一党总支 › 第一党支部 (party); "other" is 宣传部 and 第二党总支 › 第二党支部. Every
object of the matrix lives at home, so a role of the other side meets it out of scope (404) and a home role that
may see it but not act on it meets 403.
"""

import datetime
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse

from appraisal import setup as appraisal_setup
from appraisal.cadre_services import cadre_exercise_create
from appraisal.feedback import commendation_record, group_publish
from appraisal.models import AdmonishmentTask, Grade, Notification
from appraisal.services import (
    RatingEntry,
    TaskEntry,
    cycle_open,
    group_add,
    group_sign,
    monthly_log_comment,
    monthly_log_save,
    monthly_log_submit,
    quarterly_summary_save,
)
from branches.committees import committee_term_record
from branches.models import CommitteePost, PartyOrganization, Unit
from branches.services import AttendanceEntry, attachment_add, meeting_record
from core.roles import Role
from members import lifecycle
from members.models import MembershipStage
from members.services import role_assign
from reports import services as report_services
from reports.periods import ReportPeriod
from reports.registry import ReportTarget, get_kind
from reviews.democratic import democratic_evaluation_create
from reviews.mass import activity_record, mass_round_create, public_service_record
from reviews.models import MassActivity, MassRoundKind, Poll, PollQuestion, Satisfaction
from reviews.records import commentary_record, commitment_make
from reviews.services import poll_create, poll_question_add, poll_subject_add
from reviews.tests.mass_fixtures import run_round
from tests.factories import MembershipFactory, PersonFactory, UserFactory

PASSWORD = "pw-for-tests-1"
YEAR = 2026
Q1_END = datetime.date(2026, 3, 31)

# The matrix's roles: who plays each, by username (None: not logged in).
ROLE_USERS = {
    "anonymous": None,
    "staff": "alice",
    "staff_other_unit": "wang",
    "unit_head": "bob",
    "unit_head_other_unit": "hu",
    "leader": "lin",
    "leader_not_assigned": "he",
    "officer": "olga",
    "officer_other": "otto",
    "officer_top": "chief",
    "secretary": "sam",
    "secretary_other": "shi",
    "principal_leader": "zhou",
    "system_admin": "sysad",
    "security_admin": "secad",
    "audit_admin": "audad",
}


def _person(username, name, unit, branch=None, **fields):
    user = UserFactory(username=username)
    person = PersonFactory(user=user, name=name, unit=unit, **fields)
    if branch is not None:
        MembershipFactory(person=person, branch=branch)
    return user, person


def build_world() -> SimpleNamespace:
    w = SimpleNamespace()
    w.organ = Unit.objects.create(name="某区机关", kind=Unit.Kind.ORGAN)
    w.office = Unit.objects.create(name="办公室", parent=w.organ, sort_order=1)
    w.publicity = Unit.objects.create(name="宣传部", parent=w.organ, sort_order=2)
    Kind = PartyOrganization.Kind
    w.committee = PartyOrganization.objects.create(name="机关工委", kind=Kind.WORKING_COMMITTEE)
    w.general_1 = PartyOrganization.objects.create(name="第一党总支", kind=Kind.GENERAL_BRANCH, parent=w.committee)
    w.general_2 = PartyOrganization.objects.create(name="第二党总支", kind=Kind.GENERAL_BRANCH, parent=w.committee)
    founded = datetime.date(2015, 1, 1)
    w.branch_1 = PartyOrganization.objects.create(
        name="第一党支部", kind=Kind.BRANCH, parent=w.general_1, founded_on=founded
    )
    w.branch_2 = PartyOrganization.objects.create(
        name="第二党支部", kind=Kind.BRANCH, parent=w.general_2, founded_on=founded
    )

    people = {}
    for username, name, unit, branch in [
        ("alice", "张小丽", w.office, w.branch_1),
        ("bob", "李建国", w.office, w.branch_1),
        ("lin", "林志远", w.office, None),
        ("olga", "欧阳静", w.office, w.branch_1),
        ("sam", "孙明", w.office, w.branch_1),
        ("wang", "王芳", w.publicity, w.branch_2),
        ("hu", "胡海", w.publicity, w.branch_2),
        ("he", "何副局长", w.organ, None),
        ("otto", "陶然", w.publicity, w.branch_2),
        ("shi", "石磊", w.publicity, w.branch_2),
        ("chief", "赵书记", w.organ, None),
        ("zhou", "周局长", w.organ, None),
    ]:
        user, person = _person(username, name, unit, branch)
        people[username] = person
        setattr(w, username, user)
    w.people = SimpleNamespace(**people)
    role_assign(user=w.bob, role=Role.UNIT_HEAD, unit=w.office)
    role_assign(user=w.hu, role=Role.UNIT_HEAD, unit=w.publicity)
    role_assign(user=w.lin, role=Role.LEADER, unit=w.office)
    role_assign(user=w.he, role=Role.LEADER, unit=w.publicity)
    role_assign(user=w.olga, role=Role.ORG_OFFICER, organization=w.general_1, unit=w.office)
    role_assign(user=w.otto, role=Role.ORG_OFFICER, organization=w.general_2, unit=w.publicity)
    role_assign(user=w.chief, role=Role.ORG_OFFICER, organization=w.committee, unit=w.organ)
    role_assign(user=w.sam, role=Role.BRANCH_SECRETARY, organization=w.branch_1)
    role_assign(user=w.shi, role=Role.BRANCH_SECRETARY, organization=w.branch_2)
    role_assign(user=w.zhou, role=Role.PRINCIPAL_LEADER, unit=w.organ)
    # The three administrators of MLPS (R5) have logins but no person record and no jurisdiction.
    for username, role in (("sysad", Role.SYSTEM_ADMIN), ("secad", Role.SECURITY_ADMIN), ("audad", Role.AUDIT_ADMIN)):
        setattr(w, username, UserFactory(username=username))
        role_assign(user=getattr(w, username), role=role)
    p = w.people

    _appraisal(w, p)
    _cadre(w, p)
    _polls(w, p)
    _party_reviews(w, p)
    _members(w, p)
    _meetings(w, p)
    _report_job(w)
    return w


def _appraisal(w, p):
    """Alice's March log (commented by Bob), the first quarter of 办公室 signed by Lin and published, with a 不称职
    for 孙明 (which opens an admonishment task); a delegation, a notification and a commendation."""
    w.log = monthly_log_save(
        person=p.alice,
        year=YEAR,
        month=3,
        fields={"duties": "负责公文收发", "attendance_days": 21, "leave_days": 1, "next_month_plan": "整理档案"},
        tasks=[TaskEntry("起草季度工作总结", "已完成", datetime.date(2026, 3, 20))],
        expected_version=None,
        by=w.alice,
    )
    w.log = monthly_log_submit(log=w.log, by=w.alice, today=Q1_END)
    w.log = monthly_log_comment(log=w.log, comment="工作扎实", by=w.bob)
    w.foreign_log = monthly_log_save(
        person=p.wang, year=YEAR, month=3, fields={"duties": "宣传稿件"}, tasks=[], expected_version=None, by=w.wang
    )
    w.cycle = cycle_open(year=YEAR, name="2026年度平时考核", by=w.chief)
    w.group = group_add(cycle=w.cycle, name="办公室", leader=w.lin, people=[p.alice, p.bob, p.olga, p.sam], by=w.chief)
    for person in (p.alice, p.bob, p.olga, p.sam):
        quarterly_summary_save(
            person=person, year=YEAR, quarter=1, fields={"duties": "按期完成"}, expected_version=None, by=w.bob
        )
    # The second quarter is written but not signed, so that the summary page can still be edited and the group
    # signed (tests/security/test_mass_assignment.py).
    for person in (p.alice, p.bob, p.olga, p.sam):
        quarterly_summary_save(person=person, year=YEAR, quarter=2, fields={"duties": "二季度"}, expected_version=None,
                               by=w.bob)  # fmt: skip
    grades = {p.alice: Grade.COMPETENT, p.bob: Grade.BASIC, p.olga: Grade.COMPETENT, p.sam: Grade.INCOMPETENT}
    appraisees = {a.person_id: a.pk for a in w.group.appraisees.all()}
    ratings = group_sign(
        group=w.group,
        period=1,
        entries={appraisees[person.pk]: RatingEntry(grade=g, opinion="全年工作认真") for person, g in grades.items()},
        password=PASSWORD,
        by=w.lin,
        today=Q1_END,
    )
    w.rating = next(r for r in ratings if r.person_id == p.alice.pk)
    w.appraisee = w.group.appraisees.get(person=p.alice)
    w.admonishment = AdmonishmentTask.objects.get(rating__person=p.sam)
    group_publish(group=w.group, period=1, by=w.chief)
    w.delegation = appraisal_setup.delegation_add(
        leader=w.lin,
        acting=w.zhou,
        starts_on=datetime.date(2026, 1, 1),
        ends_on=datetime.date(2026, 12, 31),
        reason="出差",
        by=w.chief,
    )
    # Reminders are written by the daily task (appraisal.reminders); one row is all a page needs.
    w.notification = Notification.objects.create(user=w.alice, key="matrix", message="请提交三月纪实")
    w.commendation = commendation_record(
        person=p.alice,
        kind="commendation",
        level="city",
        title="优秀公务员",
        work_item="公文",
        awarded_on=datetime.date(2026, 2, 1),
        document_number="文〔2026〕1号",
        by=w.chief,
    )


def _cadre(w, p):
    w.exercise = cadre_exercise_create(
        year=YEAR,
        unit=w.organ,
        title="2026年度中层干部考核",
        principal_leader=p.zhou,
        team_members=[p.lin],
        cadres=[p.bob, p.sam],
        by=w.chief,
    )
    w.cadre_appraisee = w.exercise.appraisees.get(person=p.bob)


def _polls(w, p):
    """A draft poll of 办公室 run by its officer (Olga)."""
    w.poll = poll_create(actor=w.olga, title="办公室民主测评", kind=Poll.Kind.CADRE, unit=w.office)
    w.subject = poll_subject_add(actor=w.olga, poll=w.poll, label="", person=p.bob)
    w.question = poll_question_add(actor=w.olga, poll=w.poll, text="综合评价", kind=PollQuestion.Kind.SCORE)


def _party_reviews(w, p):
    """A closed mass evaluation of 第一党支部 run by its secretary, with 张小丽 不满意 (a rectification), the year's
    democratic evaluation, a commitment and the upper level's commentary."""
    w.mass_round = mass_round_create(actor=w.sam, organization=w.branch_1, kind=MassRoundKind.YEAR_END, year=YEAR - 1)
    day = datetime.date(2026, 1, 10)
    w.activity = activity_record(actor=w.sam, mass_round=w.mass_round, organization=w.branch_1,
                                 kind=MassActivity.Kind.VISIT, held_on=day, count=2)  # fmt: skip
    w.service_item = public_service_record(
        actor=w.sam, mass_round=w.mass_round, organization=w.branch_1, title="修缮楼道", done_on=day
    )
    labels = list(w.mass_round.poll.subjects.values_list("label", flat=True))
    marks = {label: [Satisfaction.SATISFIED] * 3 for label in labels}
    marks["张小丽"] = [Satisfaction.UNSATISFIED] * 3
    (w.rectification,) = run_round(w.mass_round, w.sam, marks)
    w.mass_round.refresh_from_db()
    w.evaluation = democratic_evaluation_create(actor=w.sam, branch=w.branch_1, year=YEAR)
    w.member_evaluation = w.evaluation.members.get(person=p.alice)
    w.commitment = commitment_make(
        actor=w.sam, year=YEAR, branch=w.branch_1, person=p.alice, content="办好三件实事", made_on=day
    )
    level = "upper_on_branch"
    from reviews.commentary import ITEMS

    w.commentary = commentary_record(
        actor=w.olga,
        year=YEAR,
        level=level,
        branch=w.branch_1,
        commentator_name="欧阳静",
        commentator_post="组织部干部",
        commented_on=day,
        items={item.key: "较好" for item in ITEMS[level]},
        improvements="加强学习",
    )


def _members(w, p):
    """An activist's thought report, a transfer out letter and a hardship case, all in 第一党支部."""
    activist = MembershipFactory(
        person=PersonFactory(name="陈积极", unit=w.office),
        branch=w.branch_1,
        stage=MembershipStage.ACTIVIST,
        applied_on=datetime.date(2025, 1, 5),
        activist_on=datetime.date(2025, 3, 1),
        admitted_on=None,
        full_on=None,
    )
    w.thought_report = lifecycle.thought_report_record(
        membership=activist, year=YEAR, quarter=1, received_on=datetime.date(2026, 3, 20), summary="学习党章", by=w.sam
    )
    leaving = MembershipFactory(person=PersonFactory(name="调出者", unit=w.office), branch=w.branch_1)
    w.transfer = lifecycle.transfer_out_issue(
        membership=leaving,
        transferred_on=datetime.date(2026, 4, 1),
        valid_until=datetime.date(2026, 5, 1),
        to_branch=w.branch_2,
        by=w.sam,
    )
    w.hardship = lifecycle.hardship_open(
        membership=p.alice.membership, category="illness", situation="住院治疗", since=datetime.date(2026, 2, 1),
        by=w.sam,
    )  # fmt: skip
    committee_term_record(
        organization=w.branch_1,
        elected_on=datetime.date(2024, 1, 10),
        members=[(p.sam, CommitteePost.SECRETARY), (p.bob, CommitteePost.ORGANIZATION), (p.olga, CommitteePost.MEMBER)],
        by=w.sam,
    )


def _meetings(w, p):
    members = [p.alice, p.bob, p.olga, p.sam]
    w.meeting = meeting_record(
        organization=w.branch_1,
        kind="committee_meeting",
        held_on=datetime.date(2026, 3, 5),
        place="三楼会议室",
        topic="研究发展党员",
        attendances=[AttendanceEntry(person=m, status="present") for m in members],
        by=w.sam,
    )
    w.attachment = attachment_add(
        meeting=w.meeting,
        uploaded=SimpleUploadedFile("纪要.pdf", b"%PDF-1.4\n%matrix\n", content_type="application/pdf"),
        by=w.sam,
    )


def _report_job(w):
    """A finished registration report of 办公室, requested by its officer."""
    job, _created = report_services.job_request(
        user=w.olga,
        kind=get_kind("registration"),
        fmt="xlsx",
        target=ReportTarget(unit=w.office),
        period=ReportPeriod(YEAR, quarter=1),
    )
    report_services.job_run(job.pk)
    job.refresh_from_db()
    w.job = job


def _pk(attribute):
    return lambda w: {"pk": getattr(w, attribute).pk}


# What a matrix row's `target` puts into the URL: keyword arguments and an optional query string. A new URL that
# needs an object not listed here gets a line here (and the object in build_world).
TARGETS = {
    "-": lambda w: {},
    "log": _pk("log"),
    "log_month": lambda w: {"year": YEAR, "month": 3},
    "log_april": lambda w: {"year": YEAR, "month": 4},
    "summary": lambda w: {"person_id": w.people.alice.pk, "year": YEAR, "quarter": 2},
    "group_period": lambda w: {"group_id": w.group.pk, "period": 1},
    "group_period_2": lambda w: {"group_id": w.group.pk, "period": 2},
    "sign_appraisee": lambda w: ({"group_id": w.group.pk, "period": 1}, f"appraisee={w.appraisee.pk}"),
    "publish": lambda w: {"pk": w.group.pk, "period": 1},
    "rating": _pk("rating"),
    "admonishment": _pk("admonishment"),
    "archive": lambda w: {"pk": w.people.alice.pk},
    "cycle": _pk("cycle"),
    "group": _pk("group"),
    "appraisee": _pk("appraisee"),
    "delegation": _pk("delegation"),
    "notification": _pk("notification"),
    "exercise": _pk("exercise"),
    "cadre_appraisee": lambda w: {"pk": w.exercise.pk, "appraisee_pk": w.cadre_appraisee.pk},
    "poll": _pk("poll"),
    "poll_subject": lambda w: {"pk": w.poll.pk, "subject_pk": w.subject.pk},
    "poll_question": lambda w: {"pk": w.poll.pk, "question_pk": w.question.pk},
    "evaluation": _pk("evaluation"),
    "own_evaluation": lambda w: {"member_pk": w.member_evaluation.pk},
    "eval_member": lambda w: {"pk": w.evaluation.pk, "member_pk": w.member_evaluation.pk},
    "commitment": _pk("commitment"),
    "commentary": _pk("commentary"),
    "star": lambda w: {"branch_pk": w.branch_1.pk, "year": YEAR, "person_pk": w.people.alice.pk},
    "branch_year": lambda w: {"branch_pk": w.branch_1.pk, "year": YEAR},
    "mass_round": _pk("mass_round"),
    "mass_activity": lambda w: {"pk": w.mass_round.pk, "activity_pk": w.activity.pk},
    "mass_service": lambda w: {"pk": w.mass_round.pk, "item_pk": w.service_item.pk},
    "rectification": _pk("rectification"),
    "job": _pk("job"),
    # A party member of 第一党支部 who holds no role: the member record seen by others.
    "member": lambda w: {"pk": w.thought_report.membership.person_id},
    "ledger": lambda w: {"kind": "floating"},
    "thought_report": _pk("thought_report"),
    "transfer": _pk("transfer"),
    "hardship": _pk("hardship"),
    "meeting": _pk("meeting"),
    "attachment": lambda w: {"token": w.attachment.token},
    "committee": lambda w: {"pk": w.branch_1.pk},
}


def target_url_parts(target: str, w) -> tuple[dict, str]:
    parts = TARGETS[target](w)
    return parts if isinstance(parts, tuple) else (parts, "")


LOGIN_PATH = "/accounts/login/"


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            w = build_world()
            w.clients = {}
            for role, username in ROLE_USERS.items():
                if username is None:
                    continue
                client = Client()
                client.force_login(getattr(w, username))
                # The first request starts the session clock (core.middleware.SessionTimeoutMiddleware); done here
                # so that it is not rolled back with the first cell.
                client.get(reverse("home"))
                w.clients[role] = client
            yield w
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def url_for(w, name: str, target: str) -> str:
    kwargs, query = target_url_parts(target, w)
    return reverse(name, kwargs=kwargs) + (f"?{query}" if query else "")


def answer(response) -> str:
    if response.status_code == 302 and response["Location"].startswith(LOGIN_PATH):
        return "L"
    return str(response.status_code)


def play(w, role: str, method: str, url: str):
    """One request in a savepoint that is rolled back; the client keeps its session even when the view ended it."""
    client = w.clients[role]
    session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    try:
        with transaction.atomic():
            response = getattr(client, method.lower())(url)
            transaction.set_rollback(True)
    finally:
        client.cookies[settings.SESSION_COOKIE_NAME] = session_key
    return response
