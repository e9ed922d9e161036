"""The organisation officer's pages (issue 4 items 1 and 8): cycles, groups, recusal overrides, delegations and
the completion dashboard, each within the officer's unit scope."""

import datetime
import io
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from appraisal import setup
from appraisal.dashboard import dashboard_for
from appraisal.models import AppraisalGroup, Appraisee, Cycle, Delegation, Grade, Kinship, LogStatus, MonthlyLog
from appraisal.services import RatingEntry, group_add, group_sign, rating_revise
from appraisal.tests.conftest import Q1_END, write_summary
from branches.models import Unit
from core.models import AuditEvent
from core.roles import Role
from members.services import role_assign
from tests.factories import PersonFactory, UserFactory

PASSWORD = "pw-for-tests-1"
NOT_OFFICERS = ["alice", "bob", "lin", "sam", "wang"]
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def more(personas, org):
    """An officer of 办公室 only, a leader of 宣传部 and a principal leader over the whole organ."""
    office_officer = UserFactory(username="otto")
    role_assign(user=office_officer, role=Role.ORG_OFFICER, unit=org.office)
    publicity_leader = UserFactory(username="pearl")
    PersonFactory(user=publicity_leader, name="裴宣", unit=org.organ)
    role_assign(user=publicity_leader, role=Role.LEADER, unit=org.publicity)
    principal = UserFactory(username="prince")
    PersonFactory(user=principal, name="钱主要", unit=org.organ)
    role_assign(user=principal, role=Role.PRINCIPAL_LEADER, unit=org.organ)
    return SimpleNamespace(office_officer=office_officer, publicity_leader=publicity_leader, principal=principal)


def _people_ids(*people) -> list[str]:
    return [str(p.pk) for p in people]


# ---- Who may set up cycles and groups ----------------------------------------------------------------------------


@pytest.mark.parametrize("username", NOT_OFFICERS)
def test_only_officers_open_cycles_and_groups(client, personas, cycle, username):
    client.force_login(getattr(personas, username))
    assert client.get(reverse("appraisal:cycles")).status_code == 403
    response = client.post(reverse("appraisal:cycles"), {"year": 2027, "name": "偷开", "kind": "quarterly"})
    assert response.status_code == 403
    assert not Cycle.objects.filter(name="偷开").exists()
    response = client.post(
        reverse("appraisal:group_create", args=[cycle.pk]),
        {"name": "偷建", "leader": personas.lin.pk, "people": _people_ids(personas.people.alice)},
    )
    assert response.status_code == 403
    assert not AppraisalGroup.objects.filter(name="偷建").exists()
    assert client.get(reverse("appraisal:dashboard")).status_code == 403
    assert client.get(reverse("appraisal:delegations")).status_code == 403


def test_only_officers_open_cycles_in_the_service_too(personas):
    with pytest.raises(PermissionDenied):
        setup.cycle_create(year=2026, name="2026年度平时考核", kind=Cycle.Kind.QUARTERLY_GRADED, by=personas.lin)


def test_officer_opens_a_cycle_and_adds_a_group_of_their_people(client, personas):
    client.force_login(personas.chief)
    response = client.post(reverse("appraisal:cycles"), {"year": 2026, "name": "2026年度平时考核", "kind": "half_year"})
    cycle = Cycle.objects.get(year=2026, name="2026年度平时考核")
    assert response.url == reverse("appraisal:cycle_detail", args=[cycle.pk])
    assert cycle.kind == Cycle.Kind.HALF_YEAR_SCORED
    page = client.get(reverse("appraisal:group_create", args=[cycle.pk])).content.decode()
    assert "办公室" in page and "张小丽" in page and "王芳" in page  # picked department by department
    people = personas.people
    response = client.post(
        reverse("appraisal:group_create", args=[cycle.pk]),
        {"name": "办公室组", "leader": personas.lin.pk, "people": _people_ids(people.alice, people.bob)},
    )
    group = AppraisalGroup.objects.get(cycle=cycle, name="办公室组")
    assert response.url == reverse("appraisal:group_setup", args=[group.pk])
    assert set(group.appraisees.values_list("person__name", flat=True)) == {"张小丽", "李建国"}
    assert AuditEvent.objects.filter(action="cycle.open").count() == 1
    assert AuditEvent.objects.filter(action="group.create").count() == 1


def test_a_second_cycle_of_the_same_name_and_year_is_refused_on_the_form(client, personas, cycle):
    client.force_login(personas.chief)
    response = client.post(reverse("appraisal:cycles"), {"year": 2026, "name": cycle.name, "kind": "quarterly"})
    assert response.status_code == 200
    assert "已有名为" in response.content.decode()
    assert Cycle.objects.count() == 1


def test_an_officer_cannot_put_people_outside_their_unit_scope_in_a_group(client, personas, cycle, more):
    """The officer of 办公室 may not appraise 王芳 of 宣传部: the picker does not offer her, a forged form is
    refused, and the service refuses too."""
    client.force_login(more.office_officer)
    page = client.get(reverse("appraisal:group_create", args=[cycle.pk])).content.decode()
    assert "张小丽" in page and "王芳" not in page
    response = client.post(
        reverse("appraisal:group_create", args=[cycle.pk]),
        {
            "name": "混编组",
            "leader": more.principal.pk,
            "people": _people_ids(personas.people.alice, personas.people.wang),
        },
    )
    assert response.status_code == 200
    assert not AppraisalGroup.objects.filter(name="混编组").exists()
    with pytest.raises(ValidationError, match="王芳 不在您负责的范围内"):
        setup.group_create(
            cycle=cycle, name="混编组", leader=more.principal, people=[personas.people.wang], by=more.office_officer
        )
    assert not AppraisalGroup.objects.filter(name="混编组").exists()


def test_an_officer_of_the_party_side_only_has_nobody_to_appraise(client, personas, cycle):
    client.force_login(personas.olga)
    page = client.get(reverse("appraisal:group_create", args=[cycle.pk])).content.decode()
    assert "您负责的部门中没有在职人员" in page
    with pytest.raises(ValidationError, match="张小丽 不在您负责的范围内"):
        setup.group_create(
            cycle=cycle, name="一支部", leader=personas.lin, people=[personas.people.alice], by=personas.olga
        )


def test_the_signing_leader_must_supervise_every_appraisees_unit(personas, cycle):
    with pytest.raises(ValidationError, match="不分管 王芳"):
        setup.group_create(
            cycle=cycle, name="跨部门", leader=personas.lin, people=[personas.people.wang], by=personas.chief
        )
    with pytest.raises(ValidationError, match="分管领导或主要领导"):
        setup.group_create(
            cycle=cycle, name="跨部门", leader=personas.bob, people=[personas.people.alice], by=personas.chief
        )


def test_a_person_is_in_one_group_per_cycle_and_the_message_names_the_group(personas, group):
    with pytest.raises(ValidationError, match="张小丽 已在本周期的“办公室”考核组中"):
        setup.group_create(
            cycle=group.cycle, name="第二组", leader=personas.lin, people=[personas.people.alice], by=personas.chief
        )


# ---- The group page ---------------------------------------------------------------------------------------------


def test_group_page_shows_who_writes_each_summary_and_who_rates(client, personas, group):
    client.force_login(personas.chief)
    response = client.get(reverse("appraisal:group_setup", args=[group.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    row = page[page.index("张小丽") :]
    assert "李建国" in row[:600]  # bob heads 办公室: he writes Alice's summary
    assert "林志远" in row[:800]  # lin rates her
    assert "recusal-warning" not in page


def test_group_outside_the_officers_scope_is_not_found(client, personas, group, more):
    client.force_login(personas.olga)
    assert client.get(reverse("appraisal:group_setup", args=[group.pk])).status_code == 404
    wang_group = group_add(
        cycle=group.cycle, name="宣传部", leader=more.publicity_leader, people=[personas.people.wang], by=personas.chief
    )
    client.force_login(more.office_officer)
    assert client.get(reverse("appraisal:group_setup", args=[wang_group.pk])).status_code == 404
    wang = wang_group.appraisees.get()
    assert client.post(reverse("appraisal:appraisee_remove", args=[wang.pk])).status_code == 404


def test_officer_adds_and_removes_members_before_any_rating_is_signed(client, personas, group, org):
    newcomer = PersonFactory(name="新同志", unit=org.office)
    client.force_login(personas.chief)
    client.post(reverse("appraisal:group_setup", args=[group.pk]), {"people": _people_ids(newcomer)})
    assert group.appraisees.filter(person=newcomer).exists()
    sam = group.appraisees.get(person=personas.people.sam)
    client.post(reverse("appraisal:appraisee_remove", args=[sam.pk]))
    assert not group.appraisees.filter(person=personas.people.sam).exists()
    assert AuditEvent.objects.filter(action="group.members_add").count() == 1
    assert AuditEvent.objects.filter(action="group.member_remove").count() == 1


def test_members_cannot_change_once_a_rating_is_signed_in_the_group(client, personas, group, summaries, org):
    entries = {a.pk: RatingEntry(Grade.COMPETENT, "好") for a in group.appraisees.all()}
    group_sign(group=group, period=1, entries=entries, password=PASSWORD, by=personas.lin, today=Q1_END)
    client.force_login(personas.chief)
    sam = group.appraisees.get(person=personas.people.sam)
    response = client.post(reverse("appraisal:appraisee_remove", args=[sam.pk]), follow=True)
    assert "已有签署的评鉴，不能再调整人员" in response.content.decode()
    assert group.appraisees.filter(pk=sam.pk).exists()
    newcomer = PersonFactory(name="新同志", unit=org.office)
    with pytest.raises(ValidationError, match="不能再调整人员"):
        setup.group_members_add(group=group, people=[newcomer], by=personas.chief)
    assert client.post(reverse("appraisal:group_setup", args=[group.pk]), {"people": [newcomer.pk]}).status_code == 403


def test_a_recused_leader_is_flagged_until_another_leader_is_named(client, personas, group, more):
    Kinship.objects.create(person=personas.people.lin, relative=personas.people.alice, relation="配偶")
    client.force_login(personas.chief)
    page = client.get(reverse("appraisal:group_setup", args=[group.pk])).content.decode()
    assert page.count("recusal-warning") == 1
    assert "张小丽：评鉴领导 林志远 须回避" in page
    alice = group.appraisees.get(person=personas.people.alice)
    client.post(
        reverse("appraisal:appraisee_rating_leader", args=[alice.pk]), {f"a{alice.pk}-leader": more.principal.pk}
    )
    alice.refresh_from_db()
    assert alice.rating_leader == more.principal
    page = client.get(reverse("appraisal:group_setup", args=[group.pk])).content.decode()
    assert "recusal-warning" not in page
    assert "钱主要" in page
    assert AuditEvent.objects.filter(action="appraisee.rating_leader", object_id=str(alice.pk)).exists()


def test_the_named_leader_must_supervise_the_appraisee_and_not_be_recused_too(personas, group, more):
    alice = group.appraisees.get(person=personas.people.alice)
    with pytest.raises(ValidationError, match="不分管 张小丽"):
        setup.appraisee_rating_leader_set(appraisee=alice, leader=more.publicity_leader, by=personas.chief)
    Kinship.objects.create(person=personas.people.alice, relative=more.principal.person, relation="父女")
    with pytest.raises(ValidationError, match="也须回避"):
        setup.appraisee_rating_leader_set(appraisee=alice, leader=more.principal, by=personas.chief)


def test_group_members_export_to_excel(client, personas, group):
    client.force_login(personas.chief)
    response = client.get(reverse("appraisal:group_setup", args=[group.pk]), {"export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.values)
    assert rows[0][:5] == ("姓名", "部门", "职务", "季度小结填写人", "评鉴领导")
    alice = next(r for r in rows if r[0] == "张小丽")
    assert alice[1] == "办公室" and alice[3] == "李建国" and alice[4] == "林志远"
    assert len(rows) == 5


# ---- Delegations (代签) -----------------------------------------------------------------------------------------


def test_officer_records_a_delegation_and_can_revoke_it_while_unused(client, personas, group, more):
    client.force_login(personas.chief)
    client.post(
        reverse("appraisal:delegations"),
        {
            "leader": personas.lin.pk,
            "acting": more.principal.pk,
            "starts_on": "2026-03-30",
            "ends_on": "2026-04-03",
            "reason": "出差",
        },
    )
    delegation = Delegation.objects.get()
    assert (delegation.leader, delegation.acting, delegation.reason) == (personas.lin, more.principal, "出差")
    assert "钱主要" in client.get(reverse("appraisal:delegations")).content.decode()
    client.post(reverse("appraisal:delegation_revoke", args=[delegation.pk]))
    assert not Delegation.objects.exists()
    assert AuditEvent.objects.filter(action__in=["delegation.add", "delegation.revoke"]).count() == 2


def test_a_delegation_used_for_signing_stays(personas, group, summaries, more):
    delegation = setup.delegation_add(
        leader=personas.lin,
        acting=more.principal,
        starts_on=Q1_END,
        ends_on=Q1_END + datetime.timedelta(days=5),
        reason="出差",
        by=personas.chief,
    )
    entries = {a.pk: RatingEntry(Grade.COMPETENT, "好") for a in group.appraisees.all()}
    with time_machine.travel(datetime.datetime(2026, 3, 31, 16, 0, tzinfo=SHANGHAI)):
        group_sign(group=group, period=1, entries=entries, password=PASSWORD, by=more.principal, today=Q1_END)
    with pytest.raises(ValidationError, match="不能撤销"):
        setup.delegation_revoke(delegation=delegation, by=personas.chief)


def test_a_delegation_needs_ordered_dates_and_another_person(personas, more):
    with pytest.raises(ValidationError) as refused:
        setup.delegation_add(
            leader=personas.lin,
            acting=personas.lin,
            starts_on=datetime.date(2026, 4, 2),
            ends_on=datetime.date(2026, 4, 1),
            reason="",
            by=personas.chief,
        )
    assert set(refused.value.message_dict) == {"acting", "ends_on", "reason"}


# ---- Dashboard --------------------------------------------------------------------------------------------------


def _log(person, month, status=LogStatus.SUBMITTED, late=False):
    return MonthlyLog.objects.create(
        person=person, year=2026, month=month, unit=person.unit, status=status, is_late=late, duties="履职"
    )


@pytest.fixture
def known(personas, group, more):
    """办公室: four appraisees; 宣传部: Wang. February logs, Q1 summaries, Q1 ratings with one revision."""
    p = personas.people
    group_add(cycle=group.cycle, name="宣传部", leader=more.publicity_leader, people=[p.wang], by=personas.chief)
    _log(p.alice, 2)
    _log(p.bob, 2, late=True)
    _log(p.olga, 2, status=LogStatus.DRAFT)
    _log(p.wang, 2, status=LogStatus.RETURNED)
    _log(p.alice, 1)  # another month: not counted
    for person in (p.alice, p.bob, p.olga, p.sam):
        write_summary(person)
    grades = {"张小丽": Grade.COMPETENT, "李建国": Grade.COMPETENT, "欧阳静": Grade.COMPETENT, "孙明": Grade.BASIC}
    entries = {a.pk: RatingEntry(grades[a.person.name], "意见") for a in group.appraisees.select_related("person")}
    ratings = group_sign(group=group, period=1, entries=entries, password=PASSWORD, by=personas.lin, today=Q1_END)
    sam = next(r for r in ratings if r.person == p.sam)
    rating_revise(
        rating=sam,
        grade=Grade.INCOMPETENT,
        opinion="复核",
        reason="复核后更正",
        password=PASSWORD,
        by=personas.lin,
        today=Q1_END,
    )
    return personas


def test_dashboard_counts_logs_summaries_ratings_and_grades_by_unit(known):
    board = dashboard_for(user=known.chief, year=2026, month=2, quarter=1)
    rows = {row.name: row for row in board.rows}
    assert list(rows) == ["办公室", "宣传部"]
    office, publicity = rows["办公室"], rows["宣传部"]
    assert (office.logs_expected, office.logs_on_time, office.logs_late, office.logs_missing) == (4, 1, 1, 2)
    assert (publicity.logs_expected, publicity.logs_missing) == (1, 1)
    assert (office.summaries_written, office.summaries_missing) == (4, 0)
    assert (publicity.summaries_written, publicity.summaries_missing) == (0, 1)
    assert (office.ratings_signed, office.ratings_missing) == (4, 0)  # a revision counts once
    assert (publicity.ratings_signed, publicity.ratings_missing) == (0, 1)
    assert office.grades == {"excellent": 0, "competent": 3, "basic": 0, "incompetent": 1}
    assert board.total.logs_expected == 5 and board.total.ratings_expected == 5
    assert board.log_due.day == datetime.date(2026, 2, 28)


def test_dashboard_page_shows_the_table_and_the_chart_data(client, known):
    client.force_login(known.chief)
    response = client.get(reverse("appraisal:dashboard"), {"year": 2026, "month": 2, "quarter": 1})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="dashboard-table"' in page and "vendor/echarts/echarts.min.js" in page
    office = page[page.index('data-unit="办公室"') :]
    assert '<td data-col="logs_missing" class="text-danger">2</td>' in office[:1000]
    assert response.context["chart_data"]["grades"][3] == {"name": "不称职", "value": 1}
    assert response.context["chart_data"]["units"] == ["办公室", "宣传部"]


def test_dashboard_of_an_officer_shows_only_their_units(known, more):
    board = dashboard_for(user=more.office_officer, year=2026, month=2, quarter=1)
    assert [row.name for row in board.rows] == ["办公室"]


def test_dashboard_exports_the_same_numbers_to_excel(client, known):
    client.force_login(known.chief)
    response = client.get(reverse("appraisal:dashboard"), {"year": 2026, "month": 2, "quarter": 1, "export": "xlsx"})
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.values)
    assert rows[0][:5] == ("部门", "月记实应交", "按时提交", "逾期提交", "未提交")
    assert rows[1] == ("办公室", 4, 1, 1, 2, 4, 4, 4, 4, 0, 3, 0, 1)
    assert rows[-1][0] == "合计" and rows[-1][1] == 5


def _appraised_unit(personas, org, cycle, leader, name: str, size: int) -> None:
    unit = Unit.objects.create(name=name, parent=org.organ, sort_order=10)
    people = PersonFactory.create_batch(size, unit=unit)
    group = group_add(cycle=cycle, name=name, leader=leader, people=people, by=personas.chief)
    for i, person in enumerate(people):
        _log(person, 2, late=i % 3 == 0)
        write_summary(person)
    entries = {a.pk: RatingEntry(Grade.COMPETENT, "好") for a in group.appraisees.all()}
    group_sign(group=group, period=1, entries=entries, password=PASSWORD, by=leader, today=Q1_END)


def _dashboard_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("appraisal:dashboard"), {"year": 2026, "month": 2, "quarter": 1})
    assert response.status_code == 200
    return len(queries)


def test_dashboard_query_count_is_the_same_for_5_and_50_people(client, personas, org, cycle, more):
    client.force_login(personas.chief)
    _appraised_unit(personas, org, cycle, more.principal, "五人科", 5)
    few = _dashboard_queries(client)
    _appraised_unit(personas, org, cycle, more.principal, "五十人科", 45)
    many = _dashboard_queries(client)
    assert Appraisee.objects.count() == 50
    assert few == many


def test_cycles_list_counts_only_groups_in_the_officers_scope(client, personas, group, more):
    group_add(
        cycle=group.cycle, name="宣传部", leader=more.publicity_leader, people=[personas.people.wang], by=personas.chief
    )
    client.force_login(more.office_officer)
    response = client.get(reverse("appraisal:cycles"))
    cycle = response.context["cycles"][0]
    assert (cycle.group_count, cycle.appraisee_count) == (1, 4)
    detail = client.get(reverse("appraisal:cycle_detail", args=[group.cycle.pk])).content.decode()
    assert "办公室" in detail and "宣传部" not in detail


def test_a_half_year_scored_cycle_expects_ratings_only_at_the_half_years_end(personas, half_year_cycle):
    people = [personas.people.alice, personas.people.bob]
    group = group_add(cycle=half_year_cycle, name="量化组", leader=personas.lin, people=people, by=personas.chief)
    for person in people:
        write_summary(person, quarter=2)
    entries = {a.pk: RatingEntry(None, "好", score=Decimal("85")) for a in group.appraisees.all()}
    group_sign(
        group=group, period=1, entries=entries, password=PASSWORD, by=personas.lin, today=datetime.date(2026, 6, 30)
    )
    first = dashboard_for(user=personas.chief, year=2026, month=3, quarter=1).total
    second = dashboard_for(user=personas.chief, year=2026, month=6, quarter=2).total
    assert (first.ratings_expected, first.summaries_expected) == (0, 2)
    assert (second.ratings_signed, second.ratings_missing, second.grades["competent"]) == (2, 0, 2)
