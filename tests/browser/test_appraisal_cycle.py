"""The routine appraisal cycle in a real browser (DOMAIN.md §5, issue 4): a staff member writes and submits the three
monthly logs of the last completed quarter, the unit head comments on one and writes the quarterly summary, the
leader signs the group within the 优秀 quota, the appraisee acknowledges the result and the organisation officer
reads the dashboard. A full-page screenshot of each page goes to test-results/appraisal_cycle/ at the repo root.

The quarter is the one before today's (the machine's clock), so every due date has passed (the logs are late) and
signing is open: it opens on the quarter's last working day. The group's other appraisees (Bob, Olga, Sam) get their
logs and summaries through the services, so that the browser walks Alice's path end to end.

Playwright drives Debian's Chromium (/usr/bin/chromium); Playwright's own browser download is never used.
"""

import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.utils import timezone

from appraisal.models import Acknowledgement, Grade, LogStatus, MonthlyLog, QuarterlySummary, Rating
from appraisal.services import (
    TaskEntry,
    cycle_open,
    group_add,
    monthly_log_save,
    monthly_log_submit,
    quarter_months,
    quarterly_summary_save,
    rating_verify,
)

SHOTS = Path(__file__).resolve().parents[2] / "test-results" / "appraisal_cycle"
PASSWORD = "pw-for-tests-1"
QUARTER_NAMES = {1: "第一季度", 2: "第二季度", 3: "第三季度", 4: "第四季度"}
pytestmark = pytest.mark.browser


@pytest.fixture
def quarter(personas):
    """The last completed quarter, a cycle for its year and the 办公室 group signed by Lin. Bob, Olga and Sam have
    submitted their three logs and Bob has written their summaries; Alice has written nothing yet."""
    today = timezone.localdate()
    current = (today.month - 1) // 3 + 1
    year, number = (today.year - 1, 4) if current == 1 else (today.year, current - 1)
    people = personas.people
    cycle = cycle_open(year=year, name=f"{year}年度平时考核", by=personas.chief)
    group = group_add(
        cycle=cycle,
        name="办公室",
        leader=personas.lin,
        people=[people.alice, people.bob, people.olga, people.sam],
        by=personas.chief,
    )
    for name in ("bob", "olga", "sam"):
        user, person = getattr(personas, name), getattr(people, name)
        for month in quarter_months(number):
            log = monthly_log_save(
                person=person,
                year=year,
                month=month,
                fields={"duties": "按分工完成本职工作", "attendance_days": 21},
                tasks=[TaskEntry(f"{month}月综合事务", "已完成")],
                expected_version=None,
                by=user,
            )
            monthly_log_submit(log=log, by=user)
        quarterly_summary_save(
            person=person,
            year=year,
            quarter=number,
            fields={"duties": "按分工完成本职工作", "tasks_completed": "各月综合事务均已完成"},
            expected_version=None,
            by=personas.bob,
        )
    return SimpleNamespace(year=year, number=number, months=quarter_months(number), cycle=cycle, group=group)


def shoot(page, name: str) -> None:
    page.screenshot(path=SHOTS / f"{name}.png", full_page=True)


def log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")


def log_out(page, live_server) -> None:
    page.get_by_role("button", name="退出").click()
    page.wait_for_url(f"{live_server.url}/accounts/login/")


def open_menu(page, item: str) -> None:
    toggle = page.get_by_role("button", name="平时考核")
    toggle.click()
    page.get_by_role("listitem").filter(has=toggle).get_by_role("link", name=item, exact=True).click()
    page.wait_for_load_state()


def test_a_quarter_goes_from_monthly_logs_to_a_signed_acknowledged_rating_on_the_dashboard(
    page, live_server, personas, quarter
):
    from playwright.sync_api import expect

    SHOTS.mkdir(parents=True, exist_ok=True)
    names = [f"0{i + 1}_staff_log_m{m}" for i, m in enumerate(quarter.months)] + [
        "04_unit_head_inbox",
        "05_unit_head_log_review",
        "06_unit_head_summary",
        "07_leader_signed",
        "08_appraisee_result",
        "09_officer_dashboard",
    ]
    for name in names:
        (SHOTS / f"{name}.png").unlink(missing_ok=True)
    year, months, alice = quarter.year, quarter.months, personas.people.alice
    quarter_name = QUARTER_NAMES[quarter.number]

    # Alice writes and submits the quarter's three logs, each with two task rows; all are past their due date.
    log_in(page, live_server, "alice")
    open_menu(page, "我的月记实")
    if year != timezone.localdate().year:
        page.get_by_role("link", name="‹ 上一年").click()
    for index, month in enumerate(months):
        page.get_by_role("link", name=re.compile(rf"^{month} 月")).click()
        page.wait_for_url(f"{live_server.url}/appraisal/logs/{year}/{month}/")
        expect(page.get_by_text("已过截止日期，请尽快提交；提交后记为逾期提交。")).to_be_visible()
        page.get_by_label("工作任务").first.fill(f"起草{month}月工作简报")
        page.get_by_label("完成情况").first.fill("已按时印发")
        page.get_by_label("完成时间").first.fill(f"{year}-{month:02d}-15")
        page.get_by_role("button", name="＋ 添加一行").click()
        page.get_by_label("工作任务").nth(1).fill(f"筹备{month}月党组会议")
        page.get_by_label("完成情况").nth(1).fill("会务保障到位")
        page.get_by_label("履行职责情况").fill("负责综合文稿起草和会务保障")
        page.get_by_label("出勤天数").fill("21")
        page.get_by_label("学习培训").fill("参加机关党支部集中学习")
        page.get_by_label("廉洁自律").fill("严格遵守廉洁纪律")
        page.get_by_label("下月工作计划").fill("做好下月文稿和会务工作")
        page.get_by_role("button", name="提交", exact=True).click()
        expect(page.get_by_text("月记实已提交。已过截止日期，记为逾期提交。")).to_be_visible()
        expect(page.get_by_text(f"起草{month}月工作简报")).to_be_visible()
        shoot(page, names[index])
    log_out(page, live_server)
    logs = MonthlyLog.objects.filter(person=alice, year=year).order_by("month")
    assert [(log.month, log.status, log.is_late, log.tasks.count()) for log in logs] == [
        (month, LogStatus.SUBMITTED, True, 2) for month in months
    ]

    # Bob finds the last month's logs in his inbox, all submitted late, and comments on Alice's.
    log_in(page, live_server, "bob")
    open_menu(page, "月记实收件箱")
    page.get_by_label("年度").fill(str(year))
    page.get_by_label("月份").select_option(str(months[-1]))
    page.get_by_role("button", name="查询").click()
    page.wait_for_url(re.compile(rf"month={months[-1]}"))
    row = page.get_by_role("row").filter(has_text="张小丽")
    expect(row).to_contain_text("已提交")
    expect(row).to_contain_text("逾期提交")
    expect(page.get_by_role("link", name=re.compile("^已提交"))).to_have_text(re.compile(r"已提交\s*4"))
    shoot(page, "04_unit_head_inbox")
    row.get_by_role("link", name="审阅").click()
    page.get_by_label("月评").fill("文稿质量高，会务保障细致。")
    page.get_by_role("button", name="保存月评").click()
    expect(page.get_by_text("月评已保存。")).to_be_visible()
    shoot(page, "05_unit_head_log_review")
    assert MonthlyLog.objects.get(person=alice, year=year, month=months[-1]).unit_head_comment == (
        "文稿质量高，会务保障细致。"
    )

    # The quarterly summary, prefilled from Alice's three logs.
    open_menu(page, "季度小结")
    page.get_by_label("年度").fill(str(year))
    page.get_by_label("季度").select_option(str(quarter.number))
    page.get_by_role("button", name="查询").click()
    page.wait_for_url(re.compile(rf"quarter={quarter.number}"))
    page.get_by_role("row").filter(has_text="张小丽").get_by_role("link", name="填写").click()
    expect(page.get_by_text("以下内容已根据本季度已提交的月记实自动生成")).to_be_visible()
    tasks_done = page.get_by_label("完成工作任务情况").input_value()
    for month in months:
        assert f"起草{month}月工作简报" in tasks_done and f"筹备{month}月党组会议" in tasks_done
    assert "负责综合文稿起草和会务保障" in page.get_by_label("履行职责情况").input_value()
    page.get_by_label("未完成工作说明").fill("无")
    page.get_by_role("button", name="保存季度小结").click()
    expect(page.get_by_text("张小丽 的季度小结已保存。")).to_be_visible()
    shoot(page, "06_unit_head_summary")
    log_out(page, live_server)
    summary = QuarterlySummary.objects.get(person=alice, year=year, quarter=quarter.number)
    assert summary.unfinished_explanation == "无" and f"起草{months[0]}月工作简报" in summary.tasks_completed

    # Lin signs the group: 4 people leave no 优秀 place (15%, rounded down).
    log_in(page, live_server, "lin")
    open_menu(page, "领导评鉴")
    page.get_by_role("row").filter(has_text=quarter_name).get_by_role("link", name="评鉴签署").click()
    page.wait_for_url(f"{live_server.url}/appraisal/sign/{quarter.group.pk}/{quarter.number}/")
    counter = page.locator("#quota-counter")
    expect(counter).to_contain_text("优秀 0 / 名额 0")
    expect(counter).to_contain_text("本组 4 人")
    grades = {"张小丽": "优秀", "李建国": "称职", "欧阳静": "称职", "孙明": "基本称职"}
    for name, grade in grades.items():
        page.get_by_label(f"{name} 等次").select_option(label=grade)
        page.get_by_label(f"{name} 评鉴意见").fill(f"{name}本季度工作表现{grade}。")
    expect(counter).to_contain_text("优秀 1 / 名额 0")
    expect(counter).to_have_class(re.compile(r"\btext-danger\b"))
    expect(counter.get_by_text("超出名额，不能签署")).to_be_visible()
    page.get_by_label("登录密码（签署须重新输入）").fill(PASSWORD)
    page.get_by_role("button", name="签署", exact=True).click()
    expect(page.get_by_role("alert").filter(has_text="未签署：")).to_contain_text(
        "“优秀”名额为 0 名（4 人的 15%，向下取整），本次共评定 1 名“优秀”，超出名额，未签署。"
    )
    assert not Rating.objects.exists()
    # What was typed is still there; Alice's grade is corrected and the group signed.
    expect(page.get_by_label("孙明 等次")).to_have_value(Grade.BASIC)
    expect(page.get_by_label("张小丽 评鉴意见")).to_have_value("张小丽本季度工作表现优秀。")
    page.get_by_label("张小丽 等次").select_option(label="称职")
    page.get_by_label("张小丽 评鉴意见").fill("工作扎实，文稿和会务保障均按时高质量完成。")
    expect(counter).to_contain_text("优秀 0 / 名额 0")
    expect(counter).not_to_have_class(re.compile(r"\btext-danger\b"))
    page.get_by_label("登录密码（签署须重新输入）").fill(PASSWORD)
    page.get_by_role("button", name="签署", exact=True).click()
    expect(page.get_by_text(f"已签署 4 人的评鉴（{year}年{quarter_name}）。")).to_be_visible()
    expect(page.get_by_text("签名校验一致")).to_have_count(4)
    expect(page.locator("#signing-status")).to_have_text("已签")
    shoot(page, "07_leader_signed")
    log_out(page, live_server)
    ratings = {r.person.name: r for r in Rating.objects.select_related("person")}
    assert {name: r.grade for name, r in ratings.items()} == {
        "张小丽": Grade.COMPETENT,
        "李建国": Grade.COMPETENT,
        "欧阳静": Grade.COMPETENT,
        "孙明": Grade.BASIC,
    }
    assert all(rating_verify(r) for r in ratings.values())

    # Alice sees her rating and acknowledges it.
    log_in(page, live_server, "alice")
    open_menu(page, "我的考核结果")
    expect(page.get_by_text("有 1 项考核结果待您确认。")).to_be_visible()
    expect(page.get_by_text("工作扎实，文稿和会务保障均按时高质量完成。")).to_be_visible()
    page.get_by_role("button", name="确认", exact=True).click()
    expect(page.get_by_text(f"已确认{year}年{quarter_name}的考核结果。")).to_be_visible()
    expect(page.get_by_text(re.compile(r"已于 \d{4}-\d{2}-\d{2} \d{2}:\d{2} 确认"))).to_be_visible()
    expect(page.get_by_role("button", name="确认", exact=True)).to_have_count(0)
    shoot(page, "08_appraisee_result")
    log_out(page, live_server)
    assert Acknowledgement.objects.get().rating == ratings["张小丽"]

    # The chief officer's dashboard for the quarter: every log late, every summary written, all four signed.
    log_in(page, live_server, "chief")
    open_menu(page, "完成情况看板")
    page.get_by_label("年度").fill(str(year))
    page.get_by_label("月份").select_option(str(months[-1]))
    page.get_by_role("combobox", name=re.compile("^季度")).select_option(str(quarter.number))
    page.get_by_role("button", name="查询").click()
    page.wait_for_url(re.compile(rf"quarter={quarter.number}"))
    office = page.locator("#dashboard-table tbody tr", has_text="办公室")
    expected = {
        "logs_expected": "4",
        "logs_on_time": "0",
        "logs_late": "4",
        "logs_missing": "0",
        "summaries_written": "4",
        "ratings_expected": "4",
        "ratings_signed": "4",
        "grade_1": "0",
        "grade_2": "3",
        "grade_3": "1",
        "grade_4": "0",
    }
    assert {col: office.locator(f'[data-col="{col}"]').inner_text() for col in expected} == expected
    for chart in ("chart-logs", "chart-quarter", "chart-grades"):
        expect(page.locator(f"#{chart} svg")).to_be_visible()
    expect(page.locator("#chart-grades")).to_contain_text("称职")
    shoot(page, "09_officer_dashboard")

    for name in names:
        shot = SHOTS / f"{name}.png"
        assert shot.exists() and shot.stat().st_size > 0, shot
