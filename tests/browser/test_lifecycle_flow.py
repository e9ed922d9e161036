"""A branch secretary's party-records path in a real browser (DOMAIN.md §3): record a development step, read the
due list, record a dues payment and export the arrears list.

Playwright drives Debian's Chromium (/usr/bin/chromium); Playwright's own browser download is never used.
"""

import datetime
import importlib

import openpyxl
import pytest
from django.utils import timezone

from members.dues import dues_month_assess
from members.models import DuesMonth, DuesPayment, MembershipStage
from members.periods import add_months, month_start
from tests.factories import MembershipFactory, PersonFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def lifecycle_defaults(db):
    """The timing rules and dues rates that members' data migration 0004 creates: a live-server test that ran
    earlier flushed the database, so they are created again (get_or_create: nothing changes when present)."""
    from django.apps import apps

    importlib.import_module("members.migrations.0004_lifecycle_defaults").create_defaults(apps, None)


@pytest.fixture
def branch_records(personas, org, lifecycle_defaults):
    """An activist a year and a month in, a probationary member due in 20 days, dues bases, last month unpaid."""
    today = timezone.localdate()
    MembershipFactory(
        person=PersonFactory(name="陈可达", unit=org.office), branch=org.branch_1, stage=MembershipStage.ACTIVIST,
        applied_on=add_months(today, -15), activist_on=add_months(today, -13), admitted_on=None, full_on=None,
    )  # fmt: skip
    MembershipFactory(
        person=PersonFactory(name="黄预备", unit=org.office), branch=org.branch_1, stage=MembershipStage.PROBATIONARY,
        admitted_on=add_months(today + datetime.timedelta(days=20), -12), full_on=None,
    )  # fmt: skip
    for person, base in ((personas.people.alice, 500_000), (personas.people.bob, 600_000)):
        person.membership.dues_base_fen = base
        person.membership.save()
    dues_month_assess(branch=org.branch_1, month=add_months(month_start(today), -1), by=personas.sam)
    return today


def test_secretary_records_a_step_sees_the_due_list_records_dues_and_exports_arrears(
    page, live_server, personas, branch_records, tmp_path
):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("sam")
    page.get_by_label("密码").fill("pw-for-tests-1")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")

    # The due list: the activist may become a development target, the probationary member converts in 20 days.
    page.get_by_role("button", name="党员管理").or_(page.get_by_role("link", name="党员管理")).click()
    page.get_by_role("link", name="发展党员").click()
    activist_row = page.locator("#lifecycle-table tbody tr", has_text="陈可达")
    assert "可办理" in activist_row.inner_text()
    probation_row = page.locator("#lifecycle-table tbody tr", has_text="黄预备")
    assert "预备党员转正" in probation_row.inner_text() and "即将到期" in probation_row.inner_text()
    due_on = branch_records + datetime.timedelta(days=20)
    assert f"{due_on:%Y-%m-%d}" in probation_row.inner_text()

    # Record the step on the member's party page.
    activist_row.get_by_role("link", name="陈可达").click()
    step = page.locator("#step-form")
    step.get_by_label("培养联系人", exact=True).select_option(label=["张小丽（第一党支部）", "李建国（第一党支部）"])
    step.get_by_role("textbox", name="支委会研究意见").fill("经支委会研究，同意列为发展对象")
    step.get_by_role("button", name="记录“列为发展对象”").click()
    assert page.get_by_text("已记录“列为发展对象”。").is_visible()
    assert "发展对象" in page.locator("h1 + .badge").inner_text()

    # Record a dues payment.
    page.get_by_role("button", name="党员管理").or_(page.get_by_role("link", name="党员管理")).click()
    page.get_by_role("link", name="党费").click()
    page.get_by_role("link", name="登记缴费").first.click()
    page.get_by_label("党员").select_option(label="张小丽")
    page.get_by_role("button", name="保存").click()
    assert page.get_by_text("已登记 张小丽 缴纳党费 50.00 元（1 个月）。").is_visible()
    assert DuesPayment.objects.get().amount_fen == 5000

    # Export the arrears list: last month is still owed by everyone but the payer's month.
    page.get_by_role("link", name="欠缴名单").click()
    assert page.locator("#lifecycle-table tbody tr", has_text="李建国").is_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="导出 Excel").click()
    path = tmp_path / "arrears.xlsx"
    download.value.save_as(path)
    rows = list(openpyxl.load_workbook(path).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("党支部", "姓名", "欠缴月数")
    owing = {row[1]: row for row in rows[1:]}
    assert "李建国" in owing and owing["李建国"][4] == 90
    assert DuesMonth.objects.filter(paid_fen__lt=1).exists()
