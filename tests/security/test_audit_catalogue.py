"""The catalogue of audited actions (RELIABILITY.md R22), played as a table, as zulip's test_audit_log does.

For every action key of AUDIT_ACTION_LABELS, CATALOGUE holds a setup (data the action needs, not counted) and the
act (the service call, or the request, that performs it). The test runs the act and asserts exactly one new audit
row with that action, and every required field: the actor where there is one, the object type and id where the
action is about a record, the time within the run, the client address when it ran through a request, and the
result. Two meta-tests keep the table whole: every key of AUDIT_ACTION_LABELS has an entry (or is listed in
ELSEWHERE with the test that covers it), and every action key the code writes is in AUDIT_ACTION_LABELS.
"""

import ast
import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import openpyxl
import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.login_throttle import login_failure_record
from core.models import AUDIT_ACTION_LABELS, AUDIT_FAILURE_ACTIONS, AuditEvent
from core.roles import Role
from members.services import role_assign
from tests.factories import UserFactory

IP = "198.51.100.23"


@dataclass(frozen=True)
class Entry:
    act: Callable[[SimpleNamespace, Any], Any]
    setup: Callable[[SimpleNamespace], Any] = lambda ctx: None
    # Whether the row names who acted and which record it was about; an unknown caller (a failed login) has no actor.
    actor: bool = True
    obj: bool = True
    through_request: bool = False
    # How far the act moves the clock forward (a session that times out): the end of the time window.
    travels: datetime.timedelta = datetime.timedelta(0)


def _client(ctx, user=None, **kwargs) -> Client:
    client = Client(HTTP_X_REAL_IP=IP, **kwargs)
    if user is not None:
        client.force_login(user)
    return client


def _admin(role: str):
    user = UserFactory(username=f"catalogue-{role}")
    role_assign(user=user, role=role)
    user.refresh_from_db()
    return user


def _login(ctx, _):
    _client(ctx).post(reverse("login"), {"username": "alice", "password": "pw-for-tests-1"})


def _login_failed(ctx, _):
    _client(ctx).post(reverse("login"), {"username": "alice", "password": "wrong"})


def _lockout_setup(ctx):
    for _ in range(settings.ZHIBU_LOGIN_MAX_FAILURES - 1):
        login_failure_record(username="alice", address=IP)


def _lockout(ctx, _):
    login_failure_record(username="alice", address=IP)


def _logout_setup(ctx):
    return _client(ctx, ctx.personas.alice)


def _logout(ctx, client):
    client.post(reverse("logout"))


def _session_expired_setup(ctx):
    client = _client(ctx)
    client.post(reverse("login"), {"username": "alice", "password": "pw-for-tests-1"})
    return client


def _session_expired(ctx, client):
    later = timezone.now() + datetime.timedelta(seconds=settings.ZHIBU_SESSION_IDLE_SECONDS + 60)
    with time_machine.travel(later, tick=False):
        client.get(reverse("home"))


def _denied_setup(ctx):
    return _client(ctx, ctx.personas.alice, enforce_csrf_checks=True)


def _denied(ctx, client):
    assert client.post(reverse("logout")).status_code == 403


def _not_found(ctx, client):
    assert client.get("/no-such-record/1/").status_code == 404


def _admin_change_setup(ctx):
    return _client(ctx, _admin(Role.SECURITY_ADMIN))


def _admin_change(ctx, client):
    response = client.post(
        reverse("admin:members_roleassignment_add"), {"user": ctx.personas.wang.pk, "role": Role.AUDIT_ADMIN}
    )
    assert response.status_code == 302


def _audit_view_setup(ctx):
    return _client(ctx, _admin(Role.AUDIT_ADMIN))


def _audit_view(ctx, client):
    assert client.get(reverse("admin:core_auditevent_changelist")).status_code == 200


def _role_assign(ctx, _):
    role_assign(user=ctx.personas.wang, role=Role.ORG_OFFICER, organization=ctx.org.branch_2, by=ctx.personas.chief)


def _meeting(ctx):
    from branches.models import MeetingAttendance
    from branches.services import AttendanceEntry, meeting_record

    return meeting_record(
        organization=ctx.org.branch_1, kind="committee_meeting", held_on=timezone.localdate(), place="三楼会议室",
        topic="学习", attendances=[AttendanceEntry(ctx.personas.people.alice, MeetingAttendance.Status.PRESENT)],
        by=ctx.personas.sam,
    )  # fmt: skip


def _meeting_record(ctx, _):
    _meeting(ctx)


def _meeting_update(ctx, meeting):
    from branches.models import MeetingAttendance
    from branches.services import AttendanceEntry, meeting_update

    meeting_update(
        meeting=meeting, attendances=[AttendanceEntry(ctx.personas.people.alice, MeetingAttendance.Status.PRESENT)],
        by=ctx.personas.sam, topic="学习党章",
    )  # fmt: skip


def _upload(meeting, by):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from branches.services import attachment_add

    return attachment_add(meeting=meeting, uploaded=SimpleUploadedFile("纪要.pdf", b"%PDF-1.4 x"), by=by)


def _attachment_upload(ctx, meeting):
    _upload(meeting, ctx.personas.sam)


def _attachment_setup(ctx):
    return _upload(_meeting(ctx), ctx.personas.sam)


def _attachment_download(ctx, attachment):
    from branches.services import attachment_downloaded

    attachment_downloaded(attachment=attachment, by=ctx.personas.sam)


def _attachment_delete(ctx, attachment):
    from branches.services import attachment_delete

    attachment_delete(attachment=attachment, by=ctx.personas.sam)


def _committee_elect(ctx, _):
    from branches.committees import committee_term_record

    committee_term_record(
        organization=ctx.org.branch_1, elected_on=datetime.date(2025, 6, 1),
        members=[(ctx.personas.people.sam, "secretary")], by=ctx.personas.sam,
    )  # fmt: skip


def _membership(ctx):
    return ctx.personas.people.alice.membership


def _ledger_floating(ctx, _):
    from members.lifecycle import floating_set

    floating_set(
        membership=_membership(ctx), is_floating=True, destination="深圳", since=datetime.date(2026, 1, 1),
        by=ctx.personas.sam,
    )  # fmt: skip


def _hardship(ctx):
    from members.lifecycle import hardship_open

    return hardship_open(
        membership=_membership(ctx), category="illness", situation="住院治疗", since=datetime.date(2026, 1, 1),
        by=ctx.personas.sam,
    )  # fmt: skip


def _hardship_open(ctx, _):
    _hardship(ctx)


def _hardship_help(ctx, case):
    from members.lifecycle import hardship_help_record

    hardship_help_record(
        case=case, given_on=datetime.date(2026, 2, 1), kind="money", amount_fen=50000, description="慰问",
        given_by="支部", by=ctx.personas.sam,
    )  # fmt: skip


def _hardship_close(ctx, case):
    from members.lifecycle import hardship_close

    hardship_close(case=case, closed_on=datetime.date(2026, 3, 1), reason="已康复", by=ctx.personas.sam)


def _hardship_view(ctx, case):
    from members.lifecycle import hardship_viewed

    hardship_viewed(user=ctx.personas.sam, cases=[case], what="名册")


def _standing_change(ctx, _):
    from members.lifecycle import standing_change_record

    standing_change_record(
        membership=_membership(ctx), kind="lost_contact", effective_on=datetime.date(2026, 1, 1), reason="失联半年",
        by=ctx.personas.sam,
    )  # fmt: skip


def _dues_base(ctx, _):
    from members.dues import dues_base_set

    dues_base_set(
        membership=_membership(ctx), category="by_status", base_fen=800000, from_month=datetime.date(2026, 1, 1),
        by=ctx.personas.sam,
    )  # fmt: skip


def _cycle(ctx):
    from appraisal.services import cycle_open

    return cycle_open(year=2026, name="2026年度平时考核", by=ctx.personas.chief)


def _cycle_open(ctx, _):
    _cycle(ctx)


def _group(ctx):
    from appraisal.services import group_add

    p = ctx.personas.people
    return group_add(
        cycle=_cycle(ctx), name="办公室", leader=ctx.personas.lin, people=[p.alice, p.bob], by=ctx.personas.chief
    )


def _group_create(ctx, cycle):
    from appraisal.services import group_add

    group_add(
        cycle=cycle, name="办公室", leader=ctx.personas.lin, people=[ctx.personas.people.alice], by=ctx.personas.chief
    )


def _group_members_add(ctx, group):
    from appraisal.setup import group_members_add

    group_members_add(group=group, people=[ctx.personas.people.olga], by=ctx.personas.chief)


def _group_member_remove(ctx, group):
    from appraisal.setup import appraisee_remove

    appraisee_remove(appraisee=group.appraisees.get(person=ctx.personas.people.bob), by=ctx.personas.chief)


def _principal(ctx):
    role_assign(user=ctx.personas.chief, role=Role.PRINCIPAL_LEADER, unit=ctx.org.organ)


def _delegation(ctx):
    from appraisal.setup import delegation_add

    _principal(ctx)
    return delegation_add(
        leader=ctx.personas.lin, acting=ctx.personas.chief, starts_on=datetime.date(2026, 5, 1),
        ends_on=datetime.date(2026, 5, 7), reason="学习", by=ctx.personas.chief,
    )  # fmt: skip


def _delegation_revoke(ctx, delegation):
    from appraisal.setup import delegation_revoke

    delegation_revoke(delegation=delegation, by=ctx.personas.chief)


def _delegation_add(ctx, _):
    from appraisal.setup import delegation_add

    delegation_add(
        leader=ctx.personas.lin, acting=ctx.personas.chief, starts_on=datetime.date(2026, 5, 1),
        ends_on=datetime.date(2026, 5, 7), reason="学习", by=ctx.personas.chief,
    )  # fmt: skip


def _log_save_args(ctx):
    from appraisal.services import TaskEntry

    return {
        "person": ctx.personas.people.alice, "year": 2026, "month": 1, "fields": {},
        "tasks": [TaskEntry("起草年度工作总结", "已完成", datetime.date(2026, 1, 20))], "expected_version": None,
        "by": ctx.personas.alice,
    }  # fmt: skip


def _log_save(ctx, _):
    from appraisal.services import monthly_log_save

    monthly_log_save(**_log_save_args(ctx))


def _saved_log(ctx):
    from appraisal.services import monthly_log_save

    _group(ctx)
    return monthly_log_save(**_log_save_args(ctx))


def _log_submit(ctx, log):
    from appraisal.services import monthly_log_submit

    monthly_log_submit(log=log, by=ctx.personas.alice, today=datetime.date(2026, 2, 2))


def _poll(ctx):
    from reviews.services import poll_create

    return poll_create(actor=ctx.personas.sam, title="群众评议", kind="mass", organization=ctx.org.branch_1)


def _poll_create(ctx, _):
    _poll(ctx)


def _poll_ready(ctx):
    from reviews.models import PollQuestion
    from reviews.services import poll_question_add, poll_subject_add

    poll = _poll(ctx)
    poll_subject_add(actor=ctx.personas.sam, poll=poll, label="", organization=ctx.org.branch_1)
    poll_question_add(actor=ctx.personas.sam, poll=poll, text="总体评价", kind=PollQuestion.Kind.SATISFACTION)
    return poll


def _poll_update(ctx, poll):
    from reviews.services import poll_subject_add

    poll_subject_add(actor=ctx.personas.sam, poll=poll, label="", person=ctx.personas.people.alice)


def _poll_codes_issue(ctx, poll):
    from reviews.services import poll_codes_issue

    poll_codes_issue(actor=ctx.personas.sam, poll=poll, count=3)


def _poll_open_setup(ctx):
    from reviews.services import poll_codes_issue

    poll = _poll_ready(ctx)
    poll_codes_issue(actor=ctx.personas.sam, poll=poll, count=3)
    return poll


def _poll_open(ctx, poll):
    from reviews.services import poll_open

    poll_open(actor=ctx.personas.sam, poll=poll)


def _poll_close_setup(ctx):
    poll = _poll_open_setup(ctx)
    _poll_open(ctx, poll)
    return poll


def _poll_close(ctx, poll):
    from reviews.services import poll_close

    poll_close(actor=ctx.personas.sam, poll=poll)


def _commitment_make(ctx, _):
    from reviews.records import commitment_make

    commitment_make(
        actor=ctx.personas.sam, year=2026, branch=ctx.org.branch_1, person=ctx.personas.people.alice,
        content="带头学习", made_on=datetime.date(2026, 1, 10),
    )  # fmt: skip


def _star_rating_set(ctx, _):
    from reviews.records import star_rating_set

    star_rating_set(
        actor=ctx.personas.sam, year=2026, branch=ctx.org.branch_1, person=ctx.personas.people.alice, stars=5,
        reasons="表现突出",
    )  # fmt: skip


def _democratic_create(ctx, _):
    from reviews.democratic import democratic_evaluation_create

    democratic_evaluation_create(actor=ctx.personas.sam, branch=ctx.org.branch_1, year=2026)


def _log_return(ctx, log):
    from appraisal.services import monthly_log_return

    monthly_log_return(log=log, reason="请补充工作细节", by=ctx.personas.bob)


def _submitted_log(ctx):
    log = _saved_log(ctx)
    _log_submit(ctx, log)
    log.refresh_from_db()
    return log


def _log_comment(ctx, log):
    from appraisal.services import monthly_log_comment

    monthly_log_comment(log=log, comment="完成较好", by=ctx.personas.bob)


def _summary_save(ctx, _):
    from appraisal.services import quarterly_summary_save

    quarterly_summary_save(
        person=ctx.personas.people.alice, year=2026, quarter=1, fields={"duties": "综合文字"}, expected_version=None,
        by=ctx.personas.bob,
    )  # fmt: skip


def _commitment(ctx):
    from reviews.records import commitment_make

    return commitment_make(
        actor=ctx.personas.sam, year=2026, branch=ctx.org.branch_1, person=ctx.personas.people.alice,
        content="带头学习", made_on=datetime.date(2026, 1, 10),
    )  # fmt: skip


def _commitment_update(ctx, commitment):
    from reviews.records import commitment_update

    commitment_update(
        actor=ctx.personas.sam, commitment=commitment, content="带头学习，按时完成", made_on=datetime.date(2026, 1, 11)
    )


def _star_rating_update(ctx, _):
    _star_rating_set(ctx, None)


def _secretary_report(ctx, _):
    from reviews.records import secretary_report_save

    secretary_report_save(
        actor=ctx.personas.chief, year=2026, branch=ctx.org.branch_1, secretary=ctx.personas.people.sam,
        report="抓党建述职",
    )  # fmt: skip


def _secretary_report_update(ctx, _):
    _secretary_report(ctx, None)


def _secretary_report_setup(ctx):
    _committee_elect(ctx, None)
    _secretary_report(ctx, None)


def _rating_leader_setup(ctx):
    _principal(ctx)
    return _group(ctx)


def _rating_leader(ctx, group):
    from appraisal.setup import appraisee_rating_leader_set

    appraisee = group.appraisees.get(person=ctx.personas.people.bob)
    appraisee_rating_leader_set(appraisee=appraisee, leader=ctx.personas.chief, by=ctx.personas.chief)


def _development_step(ctx, _):
    from members.lifecycle import development_application_record
    from tests.factories import PersonFactory

    applicant = PersonFactory(name="新同志", unit=ctx.org.office)
    development_application_record(
        person=applicant, branch=ctx.org.branch_1, applied_on=datetime.date(2026, 1, 5), by=ctx.personas.sam
    )


def _dues_assess(ctx, _):
    from members.dues import dues_month_assess

    dues_month_assess(branch=ctx.org.branch_1, month=datetime.date(2026, 1, 1), by=ctx.personas.sam)


def _poll_codes_void(ctx, poll):
    from reviews.services import poll_codes_void_unused

    poll_codes_void_unused(actor=ctx.personas.sam, poll=poll)


def _sign_setup(ctx):
    from appraisal.models import QuarterlySummary

    group = _group(ctx)
    for person in (ctx.personas.people.alice, ctx.personas.people.bob):
        QuarterlySummary.objects.create(person=person, year=2026, quarter=1, unit=person.unit, duties="按期完成")
    return group


def _rating_sign(ctx, group):
    from appraisal.services import RatingEntry, group_sign

    entries = {a.pk: RatingEntry("competent", "工作认真") for a in group.appraisees.all()}
    group_sign(
        group=group, period=1, entries=entries, password="pw-for-tests-1", by=ctx.personas.lin,
        today=datetime.date(2026, 3, 31),
    )  # fmt: skip


def _signed_group(ctx):
    group = _sign_setup(ctx)
    _rating_sign(ctx, group)
    return group


def _alice_rating(ctx):
    from appraisal.models import Rating

    _signed_group(ctx)
    return Rating.objects.get(person=ctx.personas.people.alice)


def _rating_revise(ctx, rating):
    from appraisal.services import rating_revise

    rating_revise(
        rating=rating, grade="basic", opinion="有待提高", reason="补充材料", password="pw-for-tests-1",
        by=ctx.personas.lin, today=datetime.date(2026, 4, 2),
    )  # fmt: skip


def _publication_publish(ctx, group):
    from appraisal.feedback import group_publish

    group_publish(group=group, period=1, by=ctx.personas.chief)


def _rating_acknowledge(ctx, rating):
    from appraisal.feedback import rating_acknowledge

    rating_acknowledge(rating=rating, by=ctx.personas.alice)


def _commitment_fulfilment(ctx, commitment):
    from reviews.records import commitment_update_fulfilment

    commitment_update_fulfilment(
        actor=ctx.personas.sam, commitment=commitment, fulfilment="fulfilled", evidence="办事记录 3 份"
    )


def _mass_create(ctx, _):
    from reviews.mass import mass_round_create

    mass_round_create(actor=ctx.personas.sam, organization=ctx.org.branch_1, kind="quarter", year=2026, period=1)


def _audit_verify(ctx, _):
    call_command("verify_audit_chain")


# ---- Party life: development, thought reports, dues, transfers, roster (members) ---------------------------------


def _newcomer(ctx, stage, **dates):
    from tests.factories import MembershipFactory, PersonFactory

    fields = {"admitted_on": None, "full_on": None, **dates}
    return MembershipFactory(
        person=PersonFactory(name="新同志", unit=ctx.org.office), branch=ctx.org.branch_1, stage=stage, **fields
    )


def _probationary(ctx):
    from members.models import MembershipStage

    return _newcomer(ctx, MembershipStage.PROBATIONARY, admitted_on=datetime.date(2025, 12, 1))


def _development_extend(ctx, membership):
    from members.lifecycle import probation_extend

    probation_extend(
        membership=membership,
        decided_on=datetime.date(2026, 6, 1),
        months=6,
        reason="需进一步考察",
        by=ctx.personas.sam,
    )


def _activist(ctx):
    from members.models import MembershipStage

    return _newcomer(ctx, MembershipStage.ACTIVIST, activist_on=datetime.date(2025, 11, 1))


def _thought_report(ctx, membership):
    from members.lifecycle import thought_report_record

    return thought_report_record(
        membership=membership, year=2026, quarter=1, received_on=datetime.date(2026, 3, 20), by=ctx.personas.sam
    )


def _thought_report_record(ctx, membership):
    _thought_report(ctx, membership)


def _thought_report_review(ctx, report):
    from members.lifecycle import thought_report_review

    thought_report_review(
        report=report, reviewer=ctx.personas.people.sam, comment="认识深刻", reviewed_on=datetime.date(2026, 3, 25),
        by=ctx.personas.sam,
    )  # fmt: skip


def _dues_payment(ctx, _):
    from members.dues import dues_payment_record

    dues_payment_record(
        membership=_membership(ctx), month=datetime.date(2026, 1, 1), paid_on=datetime.date(2026, 1, 5),
        by=ctx.personas.sam,
    )  # fmt: skip


def _transfer_out(ctx, **where):
    from members.lifecycle import transfer_out_issue

    return transfer_out_issue(
        membership=_membership(ctx), transferred_on=datetime.date(2026, 6, 10), valid_until=datetime.date(2026, 7, 10),
        by=ctx.personas.sam, **(where or {"to_name": "中共某市财政局机关委员会"}),
    )  # fmt: skip


def _transfer_issue(ctx, _):
    _transfer_out(ctx)


def _transfer_receipt(ctx, transfer):
    from members.lifecycle import transfer_receipt_record

    transfer_receipt_record(transfer=transfer, receipt_on=datetime.date(2026, 6, 12), by=ctx.personas.chief)


def _transfer_cancel(ctx, transfer):
    from members.lifecycle import transfer_cancel

    transfer_cancel(transfer=transfer, cancelled_on=datetime.date(2026, 7, 20), reason="介绍信过期未使用",
                    by=ctx.personas.sam)  # fmt: skip


def _transfer_in(ctx):
    from members.lifecycle import transfer_in_register
    from members.models import Gender, MembershipStage

    return transfer_in_register(
        to_branch=ctx.org.branch_1, from_name="中共某县教育局机关支部", transferred_on=datetime.date(2026, 6, 1),
        valid_until=datetime.date(2026, 7, 1), name="新来者", gender=Gender.FEMALE, age=30, ethnicity="回族",
        party_status=MembershipStage.FULL, id_number="110101199601020027", by=ctx.personas.sam,
    )  # fmt: skip


def _transfer_register_in(ctx, _):
    _transfer_in(ctx)


def _transfer_receive_in(ctx, transfer):
    from members.lifecycle import transfer_in_receive
    from members.models import Education

    transfer_in_receive(
        transfer=transfer, arrived_on=datetime.date(2026, 6, 8), unit=ctx.org.office,
        birth_date=datetime.date(1996, 1, 2), education=Education.UNDERGRADUATE, admitted_on=datetime.date(2018, 6, 1),
        full_on=datetime.date(2019, 6, 1), by=ctx.personas.sam,
    )  # fmt: skip


def _xlsx(header: list[str], *rows: list, title: str = "Sheet") -> BytesIO:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


def _roster_import(ctx, _):
    from members.roster import HEADERS, roster_import

    row = {
        "姓名": "周新", "性别": "男", "民族": "汉族", "出生日期": "1991-04-05", "学历": "大学本科",
        "身份证号": "110101199104051354", "部门": "办公室", "在职状态": "在职", "政治面貌": "正式党员",
        "入党日期": "2015-07-01", "转正日期": "2016-07-01", "所在支部": "第一党支部",
    }  # fmt: skip
    result = roster_import(file=_xlsx(HEADERS, [row.get(h) for h in HEADERS]), by=ctx.personas.chief)
    assert result.ok, result.errors


# ---- Reviews: mass evaluation and rectification, democratic evaluation, commentary -------------------------------


def _mass_round(ctx):
    from reviews.mass import mass_round_create

    return mass_round_create(actor=ctx.personas.sam, organization=ctx.org.branch_1, kind="quarter", year=2026, period=1)


def _mass_record(ctx, mass_round):
    from reviews.mass import activity_record

    activity_record(
        actor=ctx.personas.sam, mass_round=mass_round, organization=ctx.org.branch_1, kind="meeting",
        held_on=datetime.date(2026, 3, 20), count=1,
    )  # fmt: skip


def _mass_voted(ctx):
    """A round of 第一党支部 open, with every ballot cast 满意 for the branch and each member."""
    from reviews.services import ballot_cast, poll_codes_issue, poll_open

    mass_round = _mass_round(ctx)
    poll = mass_round.poll
    codes = poll_codes_issue(actor=ctx.personas.sam, poll=poll, count=5)
    poll_open(actor=ctx.personas.sam, poll=poll)
    pairs = [(s, q) for s in poll.subjects.all() for q in poll.questions.all() if q.applies_to_subject(s)]
    for code in codes:
        ballot_cast(code=code, answers={(s.pk, q.pk): "satisfied" for s, q in pairs})
    return mass_round


def _mass_close(ctx, mass_round):
    from reviews.mass import mass_round_close
    from reviews.mass_selectors import round_results

    mass_round_close(actor=ctx.personas.sam, mass_round=mass_round)
    assert round_results(mass_round).turnout_reached  # the results branch, not the invalid-round one


def _failing_branch(ctx):
    from branches.models import PartyOrganization

    return PartyOrganization.objects.create(
        name="第三党支部", kind=PartyOrganization.Kind.BRANCH, parent=ctx.org.general_1
    )


def _failed_round(ctx, branch, **kwargs):
    """A round of a branch without members that 6 of 10 find 不满意: it opens a rectification."""
    from reviews.mass import mass_round_create
    from reviews.tests.mass_fixtures import ballots, run_round

    mass_round = mass_round_create(actor=ctx.personas.olga, organization=branch, year=2026, **kwargs)
    return run_round(mass_round, ctx.personas.olga, {branch.name: ballots(S=2, B=2, U=6)})


def _rectification(ctx):
    [rectification] = _failed_round(ctx, _failing_branch(ctx), kind="year_end")
    return rectification


def _rectification_update(ctx, rectification):
    from reviews.mass import rectification_update

    rectification_update(
        actor=ctx.personas.olga, rectification=rectification, deadline=rectification.deadline,
        measures="每月走访群众一次", evidence="走访记录 3 份",
    )  # fmt: skip


def _rectification_ready(ctx):
    rectification = _rectification(ctx)
    _rectification_update(ctx, rectification)
    return rectification


def _rectification_complete(ctx, rectification):
    from reviews.mass import rectification_complete

    rectification_complete(actor=ctx.personas.olga, rectification=rectification)


def _second_failure(ctx):
    """Failed, carried out, re-evaluated three months later and failed again: the talk is required (§7)."""
    branch = _failing_branch(ctx)
    with time_machine.travel(datetime.datetime(2026, 3, 31, 10, 0), tick=False):
        [first] = _failed_round(ctx, branch, kind="year_end")
        _rectification_update(ctx, first)
        _rectification_complete(ctx, first)
    with time_machine.travel(datetime.datetime(2026, 7, 1, 10, 0), tick=False):
        [second] = _failed_round(ctx, branch, kind="reevaluation", rectifications=[first])
    assert second.talk_required
    return second


def _rectification_talk(ctx, rectification):
    from reviews.mass import talk_record

    talk_record(
        actor=ctx.personas.olga, rectification=rectification, talked_on=datetime.date(2026, 7, 2), talked_by="欧阳静",
        content="指出问题，提出要求",
    )  # fmt: skip


def _democratic(ctx):
    from reviews.democratic import democratic_evaluation_create

    return democratic_evaluation_create(actor=ctx.personas.sam, branch=ctx.org.branch_1, year=2026)


def _member_evaluation(evaluation, person):
    return evaluation.members.get(person=person)


def _democratic_self_evaluate(ctx, evaluation):
    from reviews.democratic import self_evaluation_save

    self_evaluation_save(
        actor=ctx.personas.alice, member_evaluation=_member_evaluation(evaluation, ctx.personas.people.alice),
        text="认真学习，按时缴纳党费。",
    )  # fmt: skip


def _decide(ctx, member_evaluation):
    from reviews.democratic import member_result_decide

    member_result_decide(actor=ctx.personas.sam, member_evaluation=member_evaluation, result="qualified", reason="合格")


def _democratic_decide(ctx, evaluation):
    _decide(ctx, _member_evaluation(evaluation, ctx.personas.people.alice))


def _democratic_decided(ctx):
    evaluation = _democratic(ctx)
    for member_evaluation in evaluation.members.all():
        _decide(ctx, member_evaluation)
    return evaluation


def _democratic_finalise(ctx, evaluation):
    from reviews.democratic import democratic_evaluation_finalise

    democratic_evaluation_finalise(actor=ctx.personas.sam, evaluation=evaluation)


def _commentary_record(ctx, _):
    from reviews.commentary import ITEMS
    from reviews.records import commentary_record

    level = "upper_on_branch"
    commentary_record(
        actor=ctx.personas.olga, year=2026, level=level, branch=ctx.org.branch_1, commentator_name="张永忠",
        commentator_post="机关工委副书记", commented_on=datetime.date(2026, 6, 10),
        items={item.key: "较好" for item in ITEMS[level]}, strengths="工作扎实", improvements="理论学习有待加强",
    )  # fmt: skip


def _commentary_recorded(ctx):
    _commentary_record(ctx, None)
    from reviews.models import LeaderCommentary

    return LeaderCommentary.objects.get()


def _commentary_correct(ctx, commentary):
    from reviews.commentary import ITEMS
    from reviews.records import commentary_correct

    commentary_correct(
        actor=ctx.personas.olga, commentary=commentary, commented_on=datetime.date(2026, 6, 11),
        items={item.key: "好" for item in ITEMS[commentary.level]}, strengths="", improvements="加强学习",
    )  # fmt: skip


# ---- Appraisal: admonishment, commendations, reminders, cadre exercises ----------------------------------------


def _admonishment_task(ctx):
    from appraisal.models import AdmonishmentTask
    from appraisal.services import RatingEntry, group_sign

    group = _sign_setup(ctx)
    grades = {ctx.personas.people.alice.pk: "competent", ctx.personas.people.bob.pk: "incompetent"}
    entries = {a.pk: RatingEntry(grades[a.person_id], "工作认真") for a in group.appraisees.all()}
    group_sign(
        group=group, period=1, entries=entries, password="pw-for-tests-1", by=ctx.personas.lin,
        today=datetime.date(2026, 3, 31),
    )  # fmt: skip
    return AdmonishmentTask.objects.get()


def _admonishment_record(ctx, task):
    from appraisal.feedback import admonishment_record

    admonishment_record(
        task=task, talk_on=timezone.localdate(), notes="指出问题，本人表示认真整改。", by=ctx.personas.lin
    )


def _commendation_record(ctx, _):
    from appraisal.feedback import commendation_record

    commendation_record(
        person=ctx.personas.people.alice, kind="commendation", level="city", title="市级优秀公务员",
        work_item="综合文字", awarded_on=datetime.date(2026, 5, 1), document_number="市委发〔2026〕1号",
        by=ctx.personas.chief,
    )  # fmt: skip


def _reminders_send(ctx, _):
    from appraisal.reminders import reminders_send

    assert reminders_send(today=datetime.date(2026, 2, 25))


def _scorers(ctx):
    from tests.factories import PersonFactory

    zhou_user = UserFactory(username="zhou")
    zhou = PersonFactory(user=zhou_user, name="周局长", unit=ctx.org.organ, position="局长")
    role_assign(user=zhou_user, role=Role.PRINCIPAL_LEADER, unit=ctx.org.organ)
    he_user = UserFactory(username="he")
    he = PersonFactory(user=he_user, name="何副局长", unit=ctx.org.organ, position="副局长")
    role_assign(user=he_user, role=Role.LEADER, unit=ctx.org.publicity)
    return SimpleNamespace(zhou=zhou, zhou_user=zhou_user, he=he, he_user=he_user, lin=ctx.personas.people.lin)


def _cadre_exercise_create(ctx, scorers):
    from appraisal.cadre_services import cadre_exercise_create

    p = ctx.personas.people
    return cadre_exercise_create(
        year=2026, unit=ctx.org.organ, title="2026年度中层干部考核", principal_leader=scorers.zhou,
        team_members=[scorers.lin, scorers.he], cadres=[p.bob, p.sam, p.wang, p.alice], by=ctx.personas.chief,
    )  # fmt: skip


def _exercise(ctx):
    return _cadre_exercise_create(ctx, _scorers(ctx))


def _cadre_exercise_update(ctx, exercise):
    from appraisal.cadre_services import cadre_exercise_update

    cadre_exercise_update(
        exercise=exercise, title="2026年度中层干部年度考核", principal_leader=exercise.principal_leader,
        team_members=list(exercise.team_members.all()), by=ctx.personas.chief,
    )  # fmt: skip


def _cadre_score_enter(ctx, exercise):
    from appraisal.cadre_services import cadre_work_scores_enter

    bob = exercise.appraisees.get(person=ctx.personas.people.bob)
    cadre_work_scores_enter(exercise=exercise, scores={bob.pk: Decimal("90")}, by=ctx.personas.chief)


def _cadre_import(ctx, exercise):
    from appraisal.cadre_import import SCORE_HEADERS, cadre_scores_import

    result = cadre_scores_import(
        exercise=exercise, file=_xlsx(SCORE_HEADERS, ["李建国", None, 90, 90], title="评分"), by=ctx.personas.chief
    )
    assert result.errors == [] and result.scores_changed == 2


def _scored_exercise(ctx):
    from appraisal.tests.cadre_fixtures import BALLOTS, enter_scores, run_poll

    scorers = _scorers(ctx)
    exercise = _cadre_exercise_create(ctx, scorers)
    enter_scores(exercise, ctx.personas, scorers)
    run_poll(exercise, ctx.personas.chief, BALLOTS)
    exercise.refresh_from_db()
    return exercise


def _cadre_file(ctx, exercise):
    from appraisal.cadre_services import cadre_exercise_file

    cadre_exercise_file(exercise=exercise, password="pw-for-tests-1", by=ctx.personas.chief)


# ---- Report jobs, built synchronously (the queue's on_commit never fires inside the test transaction) -----------


def _report_job(ctx):
    from reports.periods import ReportPeriod
    from reports.registry import ReportTarget, get_kind
    from reports.services import job_request

    job, created = job_request(
        user=ctx.personas.chief, kind=get_kind("structure"), fmt="xlsx",
        target=ReportTarget(organization=ctx.org.committee), period=ReportPeriod(2026),
    )  # fmt: skip
    assert created
    return job


def _report_request(ctx, _):
    _report_job(ctx)


def _failed_report(ctx):
    from reports.models import ReportJob

    job = _report_job(ctx)
    ReportJob.objects.filter(pk=job.pk).update(status=ReportJob.Status.FAILED, error="生成失败")
    job.refresh_from_db()
    return job


def _report_retry(ctx, job):
    from reports.services import job_retry

    job_retry(job=job, by=ctx.personas.chief)


def _built_report(ctx):
    from reports.services import job_run

    job = _report_job(ctx)
    assert job_run(job.pk) == "done"
    job.refresh_from_db()
    return job


def _report_download(ctx, job):
    from reports.services import job_download_record

    job_download_record(job=job, by=ctx.personas.chief)


# ---- Two-step verification (R8), through the pages; backup codes keep the acts off the 30-second TOTP clock ------

BACKUP = ("abcdefgh", "bcdefghi")


def _otp_device(ctx):
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
    from django_otp.plugins.otp_totp.models import TOTPDevice

    alice = ctx.personas.alice
    TOTPDevice.objects.create(user=alice, name="TOTP", confirmed=True)
    backup = StaticDevice.objects.create(user=alice, name="backup")
    StaticToken.objects.bulk_create(StaticToken(device=backup, token=code) for code in BACKUP)


def _otp_second_step_setup(ctx):
    _otp_device(ctx)
    client = _client(ctx)
    client.post(reverse("login"), {"username": "alice", "password": "pw-for-tests-1"})
    return client


def _otp_verify(ctx, client):
    assert client.post(reverse("otp_verify"), {"token": BACKUP[0], "next": "/"}).status_code == 302


def _otp_failed(ctx, client):
    assert client.post(reverse("otp_verify"), {"token": "wrongcode", "next": "/"}).status_code == 200


def _otp_enrol_setup(ctx):
    client = _client(ctx, ctx.personas.alice)
    client.get(reverse("otp_setup"))
    return client


def _otp_enrol(ctx, client):
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user=ctx.personas.alice, confirmed=False)
    code = f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"
    assert client.post(reverse("otp_setup"), {"token": code, "password": "pw-for-tests-1"}).status_code == 200


def _otp_remove_setup(ctx):
    client = _otp_second_step_setup(ctx)
    _otp_verify(ctx, client)
    return client


def _otp_remove(ctx, client):
    response = client.post(reverse("otp_remove"), {"password": "pw-for-tests-1", "token": BACKUP[1]})
    assert response.status_code == 302


NEW_PASSWORD = "Qiu-yue-Lan-7314"


def _password_change(ctx, client):
    data = {"old_password": "pw-for-tests-1", "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD}
    assert client.post(reverse("password_change"), data).status_code == 302


def _password_change_failed(ctx, client):
    data = {"old_password": "wrong", "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD}
    assert client.post(reverse("password_change"), data).status_code == 200


CATALOGUE: dict[str, Entry] = {
    "auth.login": Entry(_login, through_request=True),
    "auth.login_failed": Entry(_login_failed, actor=False, obj=False, through_request=True),
    "auth.lockout": Entry(_lockout, _lockout_setup, actor=False, obj=False),
    "auth.logout": Entry(_logout, _logout_setup, through_request=True),
    "auth.session_expired": Entry(
        _session_expired, _session_expired_setup, through_request=True, travels=datetime.timedelta(days=1)
    ),
    "auth.denied": Entry(_denied, _denied_setup, obj=False, through_request=True),
    "auth.not_found": Entry(_not_found, _logout_setup, obj=False, through_request=True),
    "admin.change": Entry(_admin_change, _admin_change_setup, obj=False, through_request=True),
    "audit.view": Entry(_audit_view, _audit_view_setup, obj=False, through_request=True),
    "audit.verify": Entry(_audit_verify, actor=False, obj=False),
    "role.assign": Entry(_role_assign),
    "meeting.record": Entry(_meeting_record),
    "meeting.update": Entry(_meeting_update, _meeting),
    "attachment.upload": Entry(_attachment_upload, _meeting),
    "attachment.download": Entry(_attachment_download, _attachment_setup),
    "attachment.delete": Entry(_attachment_delete, _attachment_setup),
    "committee.elect": Entry(_committee_elect),
    "ledger.floating": Entry(_ledger_floating),
    "hardship.open": Entry(_hardship_open),
    "hardship.help": Entry(_hardship_help, _hardship),
    "hardship.close": Entry(_hardship_close, _hardship),
    "hardship.view": Entry(_hardship_view, _hardship),
    "standing.change": Entry(_standing_change),
    "dues.base": Entry(_dues_base),
    "cycle.open": Entry(_cycle_open),
    "group.create": Entry(_group_create, _cycle),
    "group.members_add": Entry(_group_members_add, _group),
    "group.member_remove": Entry(_group_member_remove, _group),
    "delegation.add": Entry(_delegation_add, _principal),
    "delegation.revoke": Entry(_delegation_revoke, _delegation),
    "log.return": Entry(_log_return, _submitted_log),
    "log.comment": Entry(_log_comment, _submitted_log),
    "summary.save": Entry(_summary_save, _group),
    "poll.update": Entry(_poll_update, _poll),
    "poll.codes_issue": Entry(_poll_codes_issue, _poll_ready),
    "poll.open": Entry(_poll_open, _poll_open_setup),
    "poll.close": Entry(_poll_close, _poll_close_setup),
    "commitment.update": Entry(_commitment_update, _commitment),
    "star_rating.update": Entry(_star_rating_update, lambda ctx: _star_rating_set(ctx, None)),
    "secretary_report.record": Entry(_secretary_report, lambda ctx: _committee_elect(ctx, None)),
    "secretary_report.update": Entry(_secretary_report_update, _secretary_report_setup),
    "appraisee.rating_leader": Entry(_rating_leader, _rating_leader_setup),
    "development.step": Entry(_development_step),
    "dues.assess": Entry(_dues_assess, lambda ctx: _dues_base(ctx, None)),
    "poll.codes_void": Entry(_poll_codes_void, _poll_open_setup),
    "mass.create": Entry(_mass_create),
    "rating.sign": Entry(_rating_sign, _sign_setup),
    "rating.revise": Entry(_rating_revise, _alice_rating),
    "publication.publish": Entry(_publication_publish, _signed_group),
    "rating.acknowledge": Entry(_rating_acknowledge, _alice_rating),
    "commitment.fulfilment": Entry(_commitment_fulfilment, _commitment),
    "log.save": Entry(_log_save, _group),
    "log.submit": Entry(_log_submit, _saved_log),
    "poll.create": Entry(_poll_create),
    "commitment.make": Entry(_commitment_make),
    "star_rating.set": Entry(_star_rating_set),
    "democratic.create": Entry(_democratic_create),
    "development.extend": Entry(_development_extend, _probationary),
    "thought_report.record": Entry(_thought_report_record, _activist),
    "thought_report.review": Entry(_thought_report_review, lambda ctx: _thought_report(ctx, _activist(ctx))),
    "dues.payment": Entry(_dues_payment, lambda ctx: _dues_base(ctx, None)),
    "transfer.issue": Entry(_transfer_issue),
    "transfer.receipt": Entry(_transfer_receipt, lambda ctx: _transfer_out(ctx, to_branch=ctx.org.branch_2)),
    "transfer.cancel": Entry(_transfer_cancel, _transfer_out),
    "transfer.register_in": Entry(_transfer_register_in),
    "transfer.receive_in": Entry(_transfer_receive_in, _transfer_in),
    "roster.import": Entry(_roster_import, obj=False),
    "mass.record": Entry(_mass_record, _mass_round),
    "mass.close": Entry(_mass_close, _mass_voted),
    "rectification.update": Entry(_rectification_update, _rectification),
    "rectification.complete": Entry(_rectification_complete, _rectification_ready),
    "rectification.talk": Entry(_rectification_talk, _second_failure),
    "democratic.self_evaluate": Entry(_democratic_self_evaluate, _democratic),
    "democratic.decide": Entry(_democratic_decide, _democratic),
    "democratic.finalise": Entry(_democratic_finalise, _democratic_decided),
    "commentary.record": Entry(_commentary_record),
    "commentary.correct": Entry(_commentary_correct, _commentary_recorded),
    "admonishment.record": Entry(_admonishment_record, _admonishment_task),
    "commendation.record": Entry(_commendation_record),
    "reminders.send": Entry(_reminders_send, _group, actor=False, obj=False),
    "cadre.exercise_create": Entry(_cadre_exercise_create, _scorers),
    "cadre.exercise_update": Entry(_cadre_exercise_update, _exercise),
    "cadre.score_enter": Entry(_cadre_score_enter, _exercise),
    "cadre.import": Entry(_cadre_import, _exercise),
    "cadre.file": Entry(_cadre_file, _scored_exercise),
    "report.request": Entry(_report_request),
    "report.retry": Entry(_report_retry, _failed_report),
    "report.download": Entry(_report_download, _built_report),
    "auth.otp_enrol": Entry(_otp_enrol, _otp_enrol_setup, obj=False, through_request=True),
    "auth.otp_verify": Entry(_otp_verify, _otp_second_step_setup, obj=False, through_request=True),
    "auth.otp_failed": Entry(_otp_failed, _otp_second_step_setup, obj=False, through_request=True),
    "auth.otp_remove": Entry(_otp_remove, _otp_remove_setup, obj=False, through_request=True),
    "auth.password_change": Entry(_password_change, _logout_setup, through_request=True),
    "auth.password_change_failed": Entry(_password_change_failed, _logout_setup, through_request=True),
}

# Keys whose one-row-per-action is asserted by another test, with the reason they are not in the table.
ELSEWHERE: dict[str, str] = {
    "audit.purge": "tests/security/test_retention.py (needs rows older than the retention, written first)",
    "retention.purge": "tests/security/test_retention.py (writes audit.purge as well when rows expire)",
}


def _required_fields_ok(event: AuditEvent, entry: Entry, started: datetime.datetime) -> list[str]:
    missing = []
    if entry.actor and event.actor_id is None:
        missing.append("actor")
    if entry.obj and not (event.object_type and event.object_id):
        missing.append("object")
    if not (started <= event.created_at <= timezone.now() + entry.travels):
        missing.append("created_at")
    if entry.through_request and event.ip != IP:
        missing.append("ip")
    if event.result not in AuditEvent.Result.values:
        missing.append("result")
    if not event.chain_hash:
        missing.append("chain_hash")
    return missing


@pytest.fixture
def ctx(personas, org, settings):
    settings.ZHIBU_CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    return SimpleNamespace(personas=personas, org=org)


@pytest.mark.parametrize("action", sorted(CATALOGUE))
def test_each_catalogued_action_writes_exactly_one_complete_audit_row(ctx, action):
    entry = CATALOGUE[action]
    state = entry.setup(ctx)
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    started = timezone.now()
    entry.act(ctx, state)
    rows = list(AuditEvent.objects.filter(id__gt=before, action=action))
    assert len(rows) == 1, f"{action}: {len(rows)} rows"
    assert _required_fields_ok(rows[0], entry, started) == []
    assert rows[0].result == ("failure" if action in AUDIT_FAILURE_ACTIONS else "success")


def _written_action_keys() -> dict[str, str]:
    """Every string constant in the action= argument of an audit_record call in the project's code."""
    root = Path(settings.BASE_DIR)
    keys: dict[str, str] = {}
    for path in root.glob("*/**/*.py"):
        parts = path.relative_to(root).parts
        if parts[0] in {".venv", "var", "node_modules"} or "tests" in parts or "migrations" in parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", "")) == "audit_record"
            ):
                continue
            for keyword in node.keywords:
                if keyword.arg == "action":
                    for key in _strings(keyword.value):
                        keys[key] = f"{path.relative_to(root)}:{node.lineno}"
    return keys


def _strings(expr: ast.expr) -> list[str]:
    """A literal key, or both branches of `"a" if ... else "b"`."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return [expr.value]
    if isinstance(expr, ast.IfExp):
        return _strings(expr.body) + _strings(expr.orelse)
    return []


def test_every_action_key_has_a_catalogue_entry():
    missing = sorted(set(AUDIT_ACTION_LABELS) - set(CATALOGUE) - set(ELSEWHERE))
    assert missing == [], f"AUDIT_ACTION_LABELS keys without a catalogue entry: {missing}"


def test_every_action_key_the_code_writes_is_catalogued():
    written = _written_action_keys()
    assert len(written) > 50  # the scan found the services
    unknown = {key: where for key, where in written.items() if key not in AUDIT_ACTION_LABELS}
    assert unknown == {}
