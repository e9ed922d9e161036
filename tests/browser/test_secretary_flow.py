"""A branch secretary's everyday path in a real browser: log in, filter the member list, record a meeting.

Playwright drives Debian's Chromium (/usr/bin/chromium, installed by `make test`'s bootstrap); Playwright's
own browser download is never used, as the target networks are closed.
"""

import pytest
from django.utils import timezone

from branches.models import Meeting

pytestmark = pytest.mark.browser


def test_secretary_logs_in_filters_members_and_records_a_meeting(page, live_server, personas, org):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("sam")
    page.get_by_label("密码").fill("pw-for-tests-1")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_text("孙明，您好").is_visible()

    page.get_by_role("link", name="人员名册").click()
    page.get_by_label("姓名或拼音首字母").fill("zxl")
    page.get_by_role("button", name="查询").click()
    rows = page.locator("tbody tr")
    assert rows.count() == 1
    assert "张小丽" in rows.first.inner_text()

    page.get_by_role("button", name="组织生活").click()
    page.get_by_role("link", name="三会一课").click()
    page.get_by_role("link", name="记录会议").click()
    page.get_by_label("召开会议的组织").select_option(label="第一党支部")
    page.get_by_role("button", name="下一步").click()
    page.get_by_label("主题").fill("学习贯彻全会精神专题支委会")
    page.get_by_label("地点").fill("三楼会议室")
    page.get_by_label("李建国 出席情况").select_option(label="缺席")
    page.get_by_label("李建国 缺席原因").fill("出差")
    page.get_by_role("button", name="保存").click()

    page.wait_for_url(f"{live_server.url}/branches/meetings/*/")
    assert page.get_by_text("会议已保存。").is_visible()
    assert page.get_by_text("李建国：缺席（出差）").is_visible()
    meeting = Meeting.objects.get()
    assert meeting.topic == "学习贯彻全会精神专题支委会"
    assert meeting.held_on == timezone.localdate()
    assert meeting.attendances.filter(status="absent").get().person.name == "李建国"
