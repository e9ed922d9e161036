"""The quarterly summary pages (季度小结, DOMAIN.md §5; issue 4 items 3 and 10): prefilled from the quarter's
three logs, written by the head of the person's unit at quarter end, read-only once the quarter is signed."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from appraisal.models import QuarterlySummary
from appraisal.services import (
    RatingEntry,
    TaskEntry,
    group_add,
    group_sign,
    monthly_log_save,
    monthly_log_submit,
    quarterly_summary_save,
)
from appraisal.tests.conftest import Q1_END, write_summary
from core.models import AuditEvent
from core.roles import Role
from members.models import Person
from members.services import role_assign
from tests.factories import PersonFactory, UserFactory

IN_APRIL = datetime.datetime(2026, 4, 3, 10, 0, tzinfo=datetime.UTC)
PASSWORD = "pw-for-tests-1"


def summary_url(person, year=2026, quarter=1):
    return reverse("appraisal:summary_edit", args=[person.pk, year, quarter])


def summary_data(version="", **fields):
    return {
        "version": version,
        "duties": "负责综合文稿",
        "tasks_completed": "完成年度总结",
        "attendance": "全勤",
        "unfinished_explanation": "无",
        **fields,
    }


def submit_log(person, user, month, duties):
    log = monthly_log_save(person=person, year=2026, month=month, fields={"duties": duties}, expected_version=None,
                           tasks=[TaskEntry(f"{month}月任务", "完成")], by=user)  # fmt: skip
    return monthly_log_submit(log=log, by=user, today=datetime.date(2026, month, 20))


@pytest.fixture
def pat(org):
    user = UserFactory(username="pat")
    PersonFactory(user=user, name="潘宣", unit=org.publicity)
    role_assign(user=user, role=Role.UNIT_HEAD, unit=org.publicity)
    return user


@time_machine.travel(IN_APRIL, tick=False)
def test_a_new_summary_is_prefilled_from_the_quarters_logs_which_are_a_click_away(client, personas):
    alice = personas.people.alice
    submit_log(alice, personas.alice, 1, "一月负责会务")
    submit_log(alice, personas.alice, 2, "二月负责文稿")
    client.force_login(personas.bob)
    response = client.get(summary_url(alice))
    form = response.context["form"]
    assert form.initial["duties"] == "1月：一月负责会务\n2月：二月负责文稿"
    assert "3月：未提交月记实" in form.initial["attendance"]
    page = response.content.decode()
    assert "已根据本季度已提交的月记实自动生成" in page
    assert [(row.month, row.log is not None) for row in response.context["months"]] == [
        (1, True),
        (2, True),
        (3, False),
    ]
    assert 'data-bs-target="#log-1"' in page and "1月任务" in page


@time_machine.travel(IN_APRIL, tick=False)
def test_saving_the_summary_stores_it_for_the_unit_and_records_who(client, personas):
    alice = personas.people.alice
    client.force_login(personas.bob)
    response = client.post(summary_url(alice), summary_data(), follow=True)
    assert "张小丽 的季度小结已保存。" in response.content.decode()
    summary = QuarterlySummary.objects.get(person=alice, year=2026, quarter=1)
    assert (summary.unit, summary.written_by, summary.unfinished_explanation) == (alice.unit, personas.bob, "无")
    assert AuditEvent.objects.filter(action="summary.save", object_id=str(summary.pk)).exists()
    again = client.get(summary_url(alice))
    assert again.context["form"].initial["version"] == 1
    assert not again.context["prefilled"]


@time_machine.travel(IN_APRIL, tick=False)
def test_a_summary_needs_duties_and_tasks_and_keeps_what_was_typed(client, personas):
    client.force_login(personas.bob)
    response = client.post(summary_url(personas.people.alice), summary_data(duties="", attendance="病假两天"))
    assert response.status_code == 200
    assert "这个字段是必填项" in response.content.decode() and "病假两天" in response.content.decode()
    assert not QuarterlySummary.objects.exists()


@time_machine.travel(IN_APRIL, tick=False)
def test_two_tabs_saving_a_summary_show_both_versions_and_lose_nothing(client, personas):
    alice = personas.people.alice
    client.force_login(personas.bob)
    client.post(summary_url(alice), summary_data(duties="第一版"))
    client.post(summary_url(alice), summary_data(version="1", duties="标签页一"))
    response = client.post(summary_url(alice), summary_data(version="1", duties="标签页二"))
    assert response.status_code == 409 and "这份季度小结已在别处" in response.content.decode()
    rows = {row.label: row for row in response.context["comparison"]}
    assert (rows["履行职责情况"].stored, rows["履行职责情况"].typed) == ("标签页一", "标签页二")
    assert response.context["form"]["duties"].value() == "标签页二"
    assert response.context["form"]["version"].value() == "2"
    assert QuarterlySummary.objects.get().duties == "标签页一"


@time_machine.travel(IN_APRIL, tick=False)
def test_a_signed_quarters_summary_is_read_only(client, personas, group, summaries):
    group_sign(group=group, period=1, password=PASSWORD, by=personas.lin, today=Q1_END,
               entries={a.pk: RatingEntry("competent", "称职") for a in group.appraisees.all()})  # fmt: skip
    client.force_login(personas.bob)
    response = client.get(summary_url(personas.people.alice))
    assert response.context["form"] is None
    assert "已签署领导评鉴" in response.content.decode()
    # A save typed before the signing is refused with the reason, and the typed text stays on the page.
    page = client.post(summary_url(personas.people.alice), summary_data(version="1", duties="签署前输入的")).content
    assert "本季度已签署评鉴，季度小结不能再修改。" in page.decode() and "签署前输入的" in page.decode()
    assert QuarterlySummary.objects.get(person=personas.people.alice).duties == "按期完成各项任务"


def test_a_half_years_rating_locks_the_summary_of_its_last_quarter(personas, half_year_cycle):
    people = personas.people
    group = group_add(
        cycle=half_year_cycle, name="办公室", leader=personas.lin, people=[people.alice], by=personas.chief
    )
    write_summary(people.alice, quarter=2)
    group_sign(group=group, period=1, password=PASSWORD, by=personas.lin, today=datetime.date(2026, 6, 30),
               entries={group.appraisees.get().pk: RatingEntry(None, "称职", score=Decimal("85"))})  # fmt: skip
    with pytest.raises(ValidationError, match="已签署评鉴"):
        quarterly_summary_save(person=people.alice, year=2026, quarter=2, fields={"duties": "改"},
                               expected_version=1, by=personas.bob)  # fmt: skip
    first_quarter = {"duties": "一季度", "tasks_completed": "完成"}
    quarterly_summary_save(person=people.alice, year=2026, quarter=1, fields=first_quarter, expected_version=None,
                           by=personas.bob)  # fmt: skip


# ---- The unit head's list --------------------------------------------------------------------------------------


@time_machine.travel(IN_APRIL, tick=False)
def test_the_list_shows_the_unit_heads_appraisees_with_logs_and_summary_status(client, personas, group):
    people = personas.people
    submit_log(people.alice, personas.alice, 1, "一月")
    write_summary(people.sam)
    client.force_login(personas.bob)
    response = client.get(reverse("appraisal:summaries"), {"year": 2026, "quarter": 1})
    rows = {row.person.name: row for row in response.context["rows"]}
    assert set(rows) == {"张小丽", "李建国", "欧阳静", "孙明"}
    assert [d.status for _m, d in rows["张小丽"].months] == ["submitted", "missing", "missing"]
    assert (rows["孙明"].status_label, rows["张小丽"].status_label) == ("已填写", "未填写")
    assert all(row.writable for row in rows.values())


@time_machine.travel(IN_APRIL, tick=False)
def test_the_summary_list_exports_to_excel(client, personas, group, summaries):
    client.force_login(personas.bob)
    response = client.get(reverse("appraisal:summaries"), {"year": 2026, "quarter": 1, "export": "xlsx"})
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:5] == ("姓名", "部门", "1月记实", "2月记实", "3月记实")
    assert {row[0]: row[5] for row in rows[1:]} == {
        "张小丽": "已填写",
        "李建国": "已填写",
        "欧阳静": "已填写",
        "孙明": "已填写",
    }


def test_only_unit_heads_have_a_summary_list(client, personas):
    for user in (personas.alice, personas.lin, personas.chief):
        client.force_login(user)
        assert client.get(reverse("appraisal:summaries")).status_code == 403


@time_machine.travel(IN_APRIL, tick=False)
def test_a_person_who_moved_has_their_summary_written_by_the_unit_at_quarter_end(client, personas, org, pat):
    alice = personas.people.alice
    in_the_office = {"duties": "一季度在办公室", "tasks_completed": "完成"}
    quarterly_summary_save(person=alice, year=2026, quarter=1, fields=in_the_office, expected_version=None,
                           by=personas.bob)  # fmt: skip
    alice.unit = org.publicity
    alice.save()
    # Bob wrote the first quarter's summary and still reads it; he no longer writes hers.
    client.force_login(personas.bob)
    response = client.get(summary_url(alice, quarter=1))
    assert response.status_code == 200 and response.context["form"] is None
    assert "一季度在办公室" in response.content.decode()
    assert client.post(summary_url(alice, quarter=1), summary_data(version="1")).status_code == 403
    assert client.get(summary_url(alice, quarter=2)).status_code == 404
    # Pat heads her unit now and writes the second quarter's.
    client.force_login(pat)
    client.post(summary_url(alice, quarter=2), summary_data(duties="二季度在宣传部"))
    assert QuarterlySummary.objects.get(person=alice, quarter=2).unit == org.publicity


# ---- Scoping ---------------------------------------------------------------------------------------------------


@time_machine.travel(IN_APRIL, tick=False)
def test_nobody_outside_the_unit_heads_role_reads_or_writes_a_summary(client, personas, pat, summaries):
    alice = personas.people.alice
    url = summary_url(alice)
    # In scope (oneself, the supervising leader, the officer) but not the writer: 403.
    for user in (personas.alice, personas.lin, personas.chief):
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.post(url, summary_data(version="1", duties="越权")).status_code == 403
    # Out of scope (another unit's head, staff of another unit, the branch secretary): 404.
    for user in (pat, personas.wang, personas.sam):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.post(url, summary_data(version="1", duties="越权")).status_code == 404
    assert QuarterlySummary.objects.get(person=alice).duties == "按期完成各项任务"


@time_machine.travel(IN_APRIL, tick=False)
def test_guessing_person_ids_reveals_nothing(client, personas):
    client.force_login(personas.bob)
    own_unit = {p.pk for p in (personas.people.alice, personas.people.bob, personas.people.lin, personas.people.olga,
                               personas.people.sam, personas.people.chief)}  # fmt: skip
    # Every existing person and ids just around them (ids keep growing over a PostgreSQL test session).
    existing = set(Person.objects.values_list("pk", flat=True))
    guesses = (
        existing
        | set(range(max(existing) + 1, max(existing) + 10))
        | set(range(max(1, min(existing) - 5), min(existing)))
    )
    for pk in sorted(guesses):
        status = client.get(reverse("appraisal:summary_edit", args=[pk, 2026, 1])).status_code
        assert status == (200 if pk in own_unit else 404)
    assert client.get(reverse("appraisal:summary_edit", args=[personas.people.alice.pk, 2026, 5])).status_code == 404
