"""A draft is never lost (issue 4, item 2): the login expires while a staff member types the monthly log; saving
asks for the password in a dialog, logs in again and saves what was typed. Also: a copy kept in the browser is
offered back after the page is reloaded without saving.

Playwright drives Debian's Chromium (/usr/bin/chromium); Playwright's own browser download is never used.
"""

import datetime

import pytest
import time_machine
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from appraisal.models import LogStatus, MonthlyLog

pytestmark = pytest.mark.browser


def log_in_and_open_my_log(page, live_server):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("alice")
    page.get_by_label("密码").fill("pw-for-tests-1")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/appraisal/logs/")
    page.wait_for_url(f"{live_server.url}/appraisal/logs/*/*/")


# Without any cookie the save fails the CSRF check (403); without the session cookie alone, the login check
# redirects it. Both open the password dialog.
@pytest.mark.parametrize("cookies_lost", ["all", "session"])
def test_saving_after_the_login_expired_asks_for_the_password_and_keeps_the_text(
    page, live_server, personas, cookies_lost
):
    log_in_and_open_my_log(page, live_server)
    page.get_by_label("工作任务").first.fill("起草年度工作总结")
    page.get_by_label("完成情况").first.fill("已完成")
    page.get_by_role("button", name="＋ 添加一行").click()
    page.get_by_label("工作任务").nth(1).fill("筹备全区工作会议")
    page.get_by_label("履行职责情况").fill("负责综合文稿起草和会务保障")
    page.get_by_label("下月工作计划").fill("做好年终总结")

    if cookies_lost == "all":
        page.context.clear_cookies()
    else:
        page.context.clear_cookies(name="sessionid")
    page.get_by_role("button", name="保存草稿").click()

    dialog = page.get_by_role("dialog")
    dialog.get_by_text("登录已过期，请输入密码").wait_for()
    assert dialog.get_by_text("alice").is_visible()
    dialog.get_by_label("密码").fill("wrong-password")
    dialog.get_by_role("button", name="登录并保存").click()
    dialog.get_by_text("密码不正确，请重新输入。").wait_for()
    dialog.get_by_label("密码").fill("pw-for-tests-1")
    dialog.get_by_role("button", name="登录并保存").click()

    page.get_by_text("草稿已保存。").wait_for()
    assert page.get_by_label("履行职责情况").input_value() == "负责综合文稿起草和会务保障"
    log = MonthlyLog.objects.get(person=personas.people.alice)
    assert (log.status, log.duties, log.next_month_plan) == (
        LogStatus.DRAFT,
        "负责综合文稿起草和会务保障",
        "做好年终总结",
    )
    assert [(t.task, t.result) for t in log.tasks.all()] == [("起草年度工作总结", "已完成"), ("筹备全区工作会议", "")]


def test_text_typed_but_not_saved_is_offered_back_after_a_reload(page, live_server, personas):
    log_in_and_open_my_log(page, live_server)
    page.get_by_role("button", name="＋ 添加一行").click()
    page.get_by_label("工作任务").nth(1).fill("第二行任务")
    page.get_by_label("履行职责情况").fill("还没保存的内容")
    page.wait_for_timeout(500)  # the copy is written 300 ms after the last keystroke

    page.reload()
    assert page.get_by_label("履行职责情况").input_value() == ""
    page.get_by_role("button", name="恢复这些内容").click()
    assert page.get_by_label("履行职责情况").input_value() == "还没保存的内容"
    assert page.get_by_label("工作任务").nth(1).input_value() == "第二行任务"

    page.get_by_role("button", name="保存草稿").click()
    page.get_by_text("草稿已保存。").wait_for()
    assert not page.get_by_role("button", name="恢复这些内容").is_visible()
    assert MonthlyLog.objects.get(person=personas.people.alice).duties == "还没保存的内容"


def test_a_user_with_a_two_step_device_gives_the_code_after_the_password_and_the_text_is_saved(
    page, live_server, personas
):
    device = TOTPDevice.objects.create(user=personas.alice, name="手机", confirmed=True)

    def code() -> str:
        device.refresh_from_db()
        return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"

    with time_machine.travel(datetime.datetime.now(datetime.UTC), tick=True) as clock:
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("用户名").fill("alice")
        page.get_by_label("密码").fill("pw-for-tests-1")
        page.get_by_role("button", name="登录").click()
        page.get_by_label("验证码").fill(code())
        page.get_by_role("button", name="验证").click()
        page.wait_for_url(f"{live_server.url}/")
        page.goto(f"{live_server.url}/appraisal/logs/")
        page.get_by_label("履行职责情况").fill("两步验证后保存的内容")
        page.context.clear_cookies(name="sessionid")
        page.get_by_role("button", name="保存草稿").click()

        dialog = page.get_by_role("dialog")
        dialog.get_by_label("密码").fill("pw-for-tests-1")
        dialog.get_by_role("button", name="登录并保存").click()
        dialog.get_by_label("两步验证码").wait_for()
        dialog.get_by_label("两步验证码").fill("000000" if code() != "000000" else "111111")
        dialog.get_by_role("button", name="登录并保存").click()
        dialog.get_by_text("验证码不正确或已用过").wait_for()
        clock.shift(60)  # a new time step: the login's code may not be used twice
        dialog.get_by_label("两步验证码").fill(code())
        dialog.get_by_role("button", name="登录并保存").click()

        page.get_by_text("草稿已保存。").wait_for()
    assert MonthlyLog.objects.get(person=personas.people.alice).duties == "两步验证后保存的内容"
