"""The user guides in docs/ walked in a real browser, one test per role (issue 8, item 11; DOMAIN.md §1): each test
logs in as a persona of the root conftest.py, follows the steps its guide describes and checks what the guide says
the user will see, so that a guide whose steps stop working fails here.

Screenshots: with ZHIBU_DOCS_SCREENSHOTS=1 they replace the guides' images in docs/images/<role>-<nn>-<step>.png
(1280×800 viewport, phone pages 390×844); otherwise they go to test-results/user_guides/, so that CI never rewrites
the repository. Data the steps start from is built through the services, as the other browser tests do.

Playwright drives Debian's Chromium (/usr/bin/chromium); Playwright's own browser download is never used.
"""

import importlib
import os
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from appraisal.cadre_services import cadre_exercise_create
from appraisal.models import Grade, LogStatus, MonthlyLog
from appraisal.services import (
    RatingEntry,
    TaskEntry,
    cycle_open,
    group_add,
    group_sign,
    monthly_log_save,
    monthly_log_submit,
    quarter_months,
    quarterly_summary_save,
)
from reviews import records
from reviews.democratic import democratic_evaluation_create
from reviews.services import ballot_cast, poll_close, poll_codes_issue, poll_open
from tests.browser.conftest import _collect_csp_violation

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
DOCS = os.environ.get("ZHIBU_DOCS_SCREENSHOTS") == "1"
SHOTS = ROOT / "docs" / "images" if DOCS else ROOT / "test-results" / "user_guides"
PASSWORD = "pw-for-tests-1"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
QUARTER_NAMES = {1: "第一季度", 2: "第二季度", 3: "第三季度", 4: "第四季度"}


def shoot(page, role: str, number: int, step: str, focus=None) -> None:
    """One guide image: the viewport, scrolled so that `focus` (a locator) is in view."""
    if focus is not None:
        focus.scroll_into_view_if_needed()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"{role}-{number:02d}-{step}.png")


def log_in(page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.set_viewport_size(DESKTOP)
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/")


def menu(page, top: str, item: str) -> None:
    """Open a top-menu dropdown and follow one of its items, as the guides describe it."""
    toggle = page.get_by_role("button", name=top, exact=True)
    toggle.click()
    page.get_by_role("listitem").filter(has=toggle).get_by_role("link", name=item, exact=True).click()
    page.wait_for_load_state()


def last_quarter() -> tuple[int, int]:
    today = timezone.localdate()
    current = (today.month - 1) // 3 + 1
    return (today.year - 1, 4) if current == 1 else (today.year, current - 1)


def write_logs(user, person, year: int, quarter: int, submit: bool = True) -> None:
    for month in quarter_months(quarter):
        log = monthly_log_save(
            person=person,
            year=year,
            month=month,
            fields={"duties": "负责综合文稿起草和会务保障", "attendance_days": 21},
            tasks=[TaskEntry(f"起草{month}月工作简报", "已按时印发")],
            expected_version=None,
            by=user,
        )
        if submit:
            monthly_log_submit(log=log, by=user)


@pytest.fixture
def quarter(personas):
    """The last completed quarter (signing is open: its last working day has passed) with a cycle and the 办公室
    group signed by Lin. Every appraisee has submitted three logs; summaries are written unless a test writes them."""
    year, number = last_quarter()
    people = personas.people
    cycle = cycle_open(year=year, name=f"{year}年度平时考核", by=personas.chief)
    group = group_add(
        cycle=cycle,
        name="办公室",
        leader=personas.lin,
        people=[people.alice, people.bob, people.olga, people.sam],
        by=personas.chief,
    )
    for name in ("alice", "bob", "olga", "sam"):
        write_logs(getattr(personas, name), getattr(people, name), year, number)
    return SimpleNamespace(year=year, number=number, name=QUARTER_NAMES[number], cycle=cycle, group=group)


def write_summaries(personas, quarter, names=("alice", "bob", "olga", "sam")) -> None:
    for name in names:
        quarterly_summary_save(
            person=getattr(personas.people, name),
            year=quarter.year,
            quarter=quarter.number,
            fields={"duties": "按分工完成本职工作", "tasks_completed": "各月综合事务均已完成"},
            expected_version=None,
            by=personas.bob,
        )


def sign_all(personas, quarter, grades: dict[str, str]) -> None:
    entries = {
        quarter.group.appraisees.get(person=getattr(personas.people, name)).pk: RatingEntry(
            grade, f"本季度工作表现{Grade(grade).label}。"
        )
        for name, grade in grades.items()
    }
    group_sign(group=quarter.group, period=quarter.number, entries=entries, password=PASSWORD, by=personas.lin)


# ---- 工作人员 (docs/guide-staff.md) -------------------------------------------------------------------------------


def test_staff_guide_monthly_log_results_self_evaluation_and_commitment(
    page, live_server, personas, org, quarter, settings
):
    settings.ZHIBU_PASSWORD_MAX_AGE_DAYS = 90  # as in production: the password page says how often
    base, year = live_server.url, timezone.localdate().year
    write_summaries(personas, quarter)
    sign_all(personas, quarter, {"alice": Grade.COMPETENT, "bob": Grade.COMPETENT, "olga": Grade.COMPETENT,
                                 "sam": Grade.COMPETENT})  # fmt: skip
    democratic_evaluation_create(actor=personas.sam, branch=org.branch_1, year=year)

    log_in(page, base, "alice")
    expect(page.get_by_text("张小丽，您好")).to_be_visible()
    shoot(page, "staff", 1, "home")

    # 月记实: this month's log, two task rows, saved as a draft, then submitted.
    menu(page, "平时考核", "我的月记实")
    page.wait_for_url(re.compile(r"/appraisal/logs/\d+/\d+/$"))
    page.get_by_label("工作任务").first.fill("起草年度工作总结")
    page.get_by_label("完成情况").first.fill("初稿已完成")
    page.get_by_role("button", name="＋ 添加一行").click()
    page.get_by_label("工作任务").nth(1).fill("筹备年终党组会议")
    page.get_by_label("履行职责情况").fill("负责综合文稿起草和会务保障")
    page.get_by_label("出勤天数").fill("21")
    page.get_by_label("下月工作计划").fill("做好年终总结和明年计划")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.get_by_text("草稿已保存。")).to_be_visible()
    shoot(page, "staff", 2, "log-draft")
    page.get_by_role("button", name="提交", exact=True).click()
    expect(page.get_by_text(re.compile("月记实已提交"))).to_be_visible()
    shoot(page, "staff", 3, "log-submitted")
    today = timezone.localdate()
    assert MonthlyLog.objects.get(person=personas.people.alice, year=today.year, month=today.month).status == (
        LogStatus.SUBMITTED
    )

    # 我的考核结果: the signed rating with the leader's opinion, acknowledged.
    menu(page, "平时考核", "我的考核结果")
    expect(page.get_by_text("有 1 项考核结果待您确认。")).to_be_visible()
    shoot(page, "staff", 4, "results")
    page.get_by_role("button", name="确认", exact=True).click()
    expect(page.get_by_text(f"已确认{quarter.year}年{quarter.name}的考核结果。")).to_be_visible()
    shoot(page, "staff", 5, "acknowledged")

    # 我的民主评议: the self-evaluation.
    page.get_by_role("link", name="我的民主评议").click()
    page.get_by_label(re.compile("自我评价")).fill("一年来认真学习党的理论，按时参加组织生活，完成岗位任务。")
    page.get_by_role("button", name="保存自我评价").click()
    expect(page.get_by_text(re.compile("上次保存于"))).to_be_visible()
    shoot(page, "staff", 6, "self-evaluation")

    # 我的公开承诺: written by the member, shown next to her name on mass-evaluation ballots.
    page.get_by_role("link", name="我的公开承诺").click()
    page.get_by_role("link", name="我的承诺").click()
    page.get_by_label("承诺内容").fill("每月走访联系群众一次，年内办成两件实事")
    shoot(page, "staff", 7, "commitment-form")
    page.get_by_role("button", name=re.compile("保存|登记")).click()
    page.wait_for_url(re.compile(r"/reviews/records/commitments/"))
    expect(page.get_by_text("每月走访联系群众一次，年内办成两件实事")).to_be_visible()
    shoot(page, "staff", 8, "commitment-list")

    # 修改密码: from the menu bar, the old password and the new one twice; the session stays signed in.
    page.get_by_role("link", name="修改密码").click()
    page.fill("#id_old_password", PASSWORD)
    page.fill("#id_new_password", "Qiu-yue-Lan-7314")
    page.fill("#id_new_password_again", "Qiu-yue-Lan-7314")
    shoot(page, "staff", 9, "password")
    page.get_by_role("button", name="修改密码").click()
    expect(page.get_by_text("密码已修改。")).to_be_visible()
    personas.alice.refresh_from_db()
    assert personas.alice.check_password("Qiu-yue-Lan-7314")


# ---- 内设机构负责人 (docs/guide-unit-head.md) -----------------------------------------------------------------------


def test_unit_head_guide_inbox_monthly_comment_and_quarterly_summary(page, live_server, personas, quarter):
    base, last_month = live_server.url, quarter_months(quarter.number)[-1]
    log_in(page, base, "bob")
    menu(page, "平时考核", "月记实收件箱")
    page.get_by_label("年度").fill(str(quarter.year))
    page.get_by_label("月份").select_option(str(last_month))
    page.get_by_role("button", name="查询").click()
    page.wait_for_url(re.compile(rf"month={last_month}"))
    row = page.get_by_role("row").filter(has_text="张小丽")
    expect(row).to_contain_text("已提交")
    shoot(page, "unit-head", 1, "inbox")

    row.get_by_role("link", name="审阅").click()
    page.get_by_label("月评").fill("文稿质量高，会务保障细致。")
    page.get_by_role("button", name="保存月评").click()
    expect(page.get_by_text("月评已保存。")).to_be_visible()
    shoot(page, "unit-head", 2, "log-comment", focus=page.get_by_label("月评"))
    expect(page.get_by_role("button", name=re.compile("退回"))).to_be_visible()

    menu(page, "平时考核", "季度小结")
    page.get_by_label("年度").fill(str(quarter.year))
    page.get_by_label("季度").select_option(str(quarter.number))
    page.get_by_role("button", name="查询").click()
    page.wait_for_url(re.compile(rf"quarter={quarter.number}"))
    shoot(page, "unit-head", 3, "summaries")
    page.get_by_role("row").filter(has_text="张小丽").get_by_role("link", name="填写").click()
    expect(page.get_by_text("以下内容已根据本季度已提交的月记实自动生成")).to_be_visible()
    assert f"起草{last_month}月工作简报" in page.get_by_label("完成工作任务情况").input_value()
    page.get_by_label("未完成工作说明").fill("无")
    shoot(page, "unit-head", 4, "summary-prefilled")
    page.get_by_role("button", name="保存季度小结").click()
    expect(page.get_by_text("张小丽 的季度小结已保存。")).to_be_visible()


# ---- 分管领导、主要领导 (docs/guide-leader.md) ----------------------------------------------------------------------


@pytest.fixture
def principal(personas, org):
    """周局长, the organ's principal leader, and a cadre exercise of this year over the two office cadres."""
    from core.roles import Role
    from members.services import role_assign
    from tests.factories import PersonFactory, UserFactory

    zhou = UserFactory(username="zhou")
    zhou_p = PersonFactory(user=zhou, name="周局长", unit=org.organ, position="局长")
    role_assign(user=zhou, role=Role.PRINCIPAL_LEADER, unit=org.organ)
    exercise = cadre_exercise_create(
        year=timezone.localdate().year,
        unit=org.organ,
        title=f"{timezone.localdate().year}年度中层干部考核",
        principal_leader=zhou_p,
        team_members=[personas.people.lin],
        cadres=[personas.people.bob, personas.people.sam],
        by=personas.chief,
    )
    return SimpleNamespace(user=zhou, person=zhou_p, exercise=exercise)


def test_leader_guide_signing_within_the_quota_admonishment_and_cadre_scores(
    page, live_server, personas, quarter, principal
):
    base = live_server.url
    write_summaries(personas, quarter)
    log_in(page, base, "lin")
    menu(page, "平时考核", "领导评鉴")
    expect(page.get_by_role("row").filter(has_text=quarter.name)).to_contain_text("评鉴签署")
    shoot(page, "leader", 1, "home")

    page.get_by_role("row").filter(has_text=quarter.name).get_by_role("link", name="评鉴签署").click()
    counter = page.locator("#quota-counter")
    expect(counter).to_contain_text("本组 4 人")
    grades = {"张小丽": "优秀", "李建国": "称职", "欧阳静": "称职", "孙明": "不称职"}
    for name, grade in grades.items():
        page.get_by_label(f"{name} 等次").select_option(label=grade)
        page.get_by_label(f"{name} 评鉴意见").fill(f"{name}本季度工作表现{grade}。")
    # Four people leave no 优秀 place (15%, rounded down): the counter turns red before anything is sent.
    expect(counter).to_contain_text("优秀 1 / 名额 0")
    expect(counter.get_by_text("超出名额，不能签署")).to_be_visible()
    shoot(page, "leader", 2, "quota-exceeded", focus=counter)
    page.get_by_label("张小丽 等次").select_option(label="称职")
    page.get_by_label("张小丽 评鉴意见").fill("工作扎实，文稿和会务保障均按时高质量完成。")
    expect(counter).to_contain_text("优秀 0 / 名额 0")
    password = page.get_by_label("登录密码（签署须重新输入）")
    password.fill(PASSWORD)
    shoot(page, "leader", 3, "password", focus=password)
    page.get_by_role("button", name="签署", exact=True).click()
    expect(page.get_by_text(f"已签署 4 人的评鉴（{quarter.year}年{quarter.name}）。")).to_be_visible()
    expect(page.get_by_text("签名校验一致")).to_have_count(4)
    shoot(page, "leader", 4, "signed")

    # 不称职 opened an admonishment talk for 孙明.
    menu(page, "平时考核", "诫勉谈话")
    row = page.get_by_role("row").filter(has_text="孙明")
    shoot(page, "leader", 5, "admonishments")
    row.get_by_role("link", name="记录谈话").click()
    page.get_by_label("谈话日期").fill(timezone.localdate().isoformat())
    page.get_by_label("谈话记录").fill("指出本季度工作中存在的问题，提出改进要求，本人表示接受。")
    shoot(page, "leader", 6, "admonishment-record")
    page.get_by_role("button", name=re.compile("保存|记录")).click()
    page.wait_for_load_state()
    expect(page.get_by_text(re.compile("已记录|已保存"))).to_be_visible()

    # The principal leader scores the cadres (30% of the total).
    log_in(page, base, "zhou")
    menu(page, "测评与评议", "中层干部考核")
    page.get_by_role("link", name=principal.exercise.title).click()
    shoot(page, "leader", 7, "cadre-exercise")
    page.get_by_role("link", name="主要领导评分").click()
    for name, score in {"李建国": "92", "孙明": "85"}.items():
        page.locator("tr", has_text=name).get_by_label(name).fill(score)
    page.get_by_role("button", name="保存评分").click()
    page.wait_for_load_state()
    expect(page.locator("tr", has_text="李建国").get_by_label("李建国")).to_have_value(re.compile(r"^92"))
    shoot(page, "leader", 8, "principal-scores")


# ---- 组织部干部 (docs/guide-officer.md) -----------------------------------------------------------------------------


def test_officer_guide_cycles_dashboard_publication_cadre_poll_and_report_pack(
    page, live_server, personas, org, quarter, principal
):
    from reports.models import ReportJob

    base = live_server.url
    write_summaries(personas, quarter)
    sign_all(personas, quarter, {"alice": Grade.COMPETENT, "bob": Grade.COMPETENT, "olga": Grade.COMPETENT,
                                 "sam": Grade.BASIC})  # fmt: skip
    log_in(page, base, "chief")

    # 考核周期与考核组: the cycle, its groups, the group's appraisees and leader.
    menu(page, "平时考核", "考核周期与考核组")
    expect(page.get_by_role("link", name=quarter.cycle.name)).to_be_visible()
    shoot(page, "officer", 1, "cycles")
    page.get_by_role("link", name=quarter.cycle.name).click()
    expect(page.get_by_text("办公室").first).to_be_visible()
    shoot(page, "officer", 2, "cycle-detail")
    page.get_by_role("link", name="办公室").first.click()
    expect(page.get_by_text("张小丽").first).to_be_visible()
    shoot(page, "officer", 3, "group-setup")

    # 完成情况看板 for the quarter: logs, summaries, signatures and grades.
    last_month = quarter_months(quarter.number)[-1]
    page.goto(f"{base}{reverse('appraisal:dashboard')}?year={quarter.year}&month={last_month}&quarter={quarter.number}")
    office = page.locator("#dashboard-table tbody tr", has_text="办公室")
    expect(office.locator('[data-col="ratings_signed"]')).to_have_text("4")
    shoot(page, "officer", 4, "dashboard")

    # 结果公示: the signed quarter of 办公室 is published.
    menu(page, "平时考核", "结果公示")
    page.get_by_label("考核期").select_option(label=quarter.name)
    page.get_by_role("button", name="查询").click()
    page.wait_for_url(re.compile(rf"period={quarter.number}"))
    expect(page.get_by_role("row").filter(has_text="4/4")).to_be_visible()
    page.get_by_role("button", name="公示", exact=True).first.click()
    page.wait_for_load_state()
    expect(page.get_by_text(f"办公室 {quarter.name}的考核结果已公示。")).to_be_visible()
    shoot(page, "officer", 5, "publication")

    # 代签授权: who signs while the leader is away.
    menu(page, "平时考核", "代签授权")
    expect(page.get_by_role("heading", name="登记代签授权")).to_be_visible()
    shoot(page, "officer", 6, "delegations")

    # 中层干部考核: the exercise, its poll and the slips of one-time codes.
    menu(page, "测评与评议", "中层干部考核")
    page.get_by_role("link", name=principal.exercise.title).click()
    expect(page.get_by_text("周局长").first).to_be_visible()
    shoot(page, "officer", 7, "cadre-exercise")
    page.goto(base + reverse("reviews:detail", args=[principal.exercise.poll_id]))
    codes = page.locator("#codes")
    expect(codes.get_by_role("button", name="发放并下载投票码条")).to_be_visible()
    shoot(page, "officer", 8, "poll-codes", focus=codes)

    # 报表与报告包: a report of the quarter, built as a job (Celery runs eagerly in tests) and downloaded. The pack is
    # requested the same way (报表: 报告包, 格式: 压缩包); tests/browser/test_report_pack.py walks it, at a few
    # seconds' cost that this test leaves out.
    menu(page, "报表", "报表与报告包")
    form = page.locator("#report-request")
    form.get_by_label("报表").select_option(label="考核结果公示")
    form.get_by_label("格式").select_option(label="Excel")
    form.get_by_label("年度").fill(str(quarter.year))
    form.get_by_label("季度").select_option(label=quarter.name)
    form.get_by_label("部门（含下级）").select_option(label="某区机关")
    form.get_by_label("党组织（含下级）").select_option(label="机关工委")
    shoot(page, "officer", 9, "report-request", focus=form)
    form.get_by_role("button", name="生成").click()
    job = ReportJob.objects.get()
    row = page.locator(f"#job-{job.pk}")
    expect(row).to_have_attribute("data-status", "done", timeout=60_000)
    shoot(page, "officer", 10, "report-done", focus=row)
    with page.expect_download() as download:
        row.get_by_role("link", name="下载").click()
    assert download.value.suggested_filename.endswith(".xlsx")


# ---- 支部书记 (docs/guide-secretary.md) ------------------------------------------------------------------------------


@pytest.fixture
def branch_defaults(db):
    """The meeting frequencies, timing rules and dues rates of the data migrations: a live-server test that ran
    earlier flushed the database (get_or_create: nothing changes when present)."""
    from django.apps import apps

    importlib.import_module("branches.migrations.0003_default_frequency_rules").create_defaults(apps, None)
    importlib.import_module("members.migrations.0004_lifecycle_defaults").create_defaults(apps, None)


@pytest.fixture
def branch_year(personas, org, branch_defaults):
    """Sam's branch this year: dues bases with last month assessed, this year's democratic evaluation whose
    mutual grading has closed, a member's commitment, and the voting slip code of a mass-evaluation round."""
    from members.dues import dues_month_assess
    from members.periods import add_months, month_start
    from reviews.models import MemberGrade

    today = timezone.localdate()
    for person, base in ((personas.people.alice, 500_000), (personas.people.bob, 600_000)):
        person.membership.dues_base_fen = base
        person.membership.save()
    dues_month_assess(branch=org.branch_1, month=add_months(month_start(today), -1), by=personas.sam)
    evaluation = democratic_evaluation_create(actor=personas.sam, branch=org.branch_1, year=today.year)
    poll = evaluation.mutual_poll
    codes = poll_codes_issue(actor=personas.sam, poll=poll, count=3)
    poll_open(actor=personas.sam, poll=poll)
    question = poll.questions.get()
    for code in codes:
        ballot_cast(code=code, answers={(s.pk, question.pk): MemberGrade.QUALIFIED for s in poll.subjects.all()})
    poll_close(actor=personas.sam, poll=poll)
    records.commitment_make(actor=personas.sam, year=today.year, branch=org.branch_1, person=personas.people.bob,
                            content="每月走访联系群众一次", made_on=today)  # fmt: skip
    return SimpleNamespace(today=today, evaluation=evaluation)


def vote_on_a_phone(page, base: str, code: str, failed: str) -> None:
    """An outsider on a phone, without logging in: `failed` 不满意 on every question, everyone else 满意."""
    phone = page.context.browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    voter = phone.new_page()
    violations: list[str] = []
    voter.on("console", lambda message: _collect_csp_violation(message, violations))
    voter.goto(base + reverse("vote:start"))
    voter.locator("input.vote-code").fill(code)
    SHOTS.mkdir(parents=True, exist_ok=True)
    voter.screenshot(path=SHOTS / "secretary-10-phone-code.png")
    voter.get_by_role("button", name="下一步：填写选票").click()
    sections = voter.locator("section.vote-subject")
    for index in range(sections.count()):
        section = sections.nth(index)
        mark = "不满意" if failed in section.locator("h2").inner_text() else "满意"
        for label in section.get_by_text(mark, exact=True).all():
            label.click()
    voter.evaluate("() => window.scrollTo(0, 0)")
    voter.screenshot(path=SHOTS / "secretary-11-phone-ballot.png")
    voter.get_by_role("button", name="提交选票").click()
    expect(voter.get_by_text("投票成功")).to_be_visible()
    assert violations == []
    phone.close()


def test_secretary_guide_members_meetings_dues_reviews_and_records(page, live_server, personas, org, branch_year):
    from reviews.models import MassEvaluationRound

    base, today = live_server.url, branch_year.today
    log_in(page, base, "sam")
    expect(page.get_by_text("孙明，您好")).to_be_visible()
    shoot(page, "secretary", 1, "home")

    # 人员名册: search by name or pinyin initials.
    page.get_by_role("link", name="人员名册").click()
    page.get_by_label("姓名或拼音首字母").fill("zxl")
    page.get_by_role("button", name="查询").click()
    expect(page.locator("tbody tr")).to_have_count(1)
    shoot(page, "secretary", 2, "members")

    # 三会一课: record a branch committee meeting with an absence.
    menu(page, "组织生活", "三会一课")
    page.get_by_role("link", name="记录会议").click()
    page.get_by_label("召开会议的组织").select_option(label="第一党支部")
    page.get_by_role("button", name="下一步").click()
    page.get_by_label("主题").fill("学习贯彻全会精神专题支委会")
    page.get_by_label("地点").fill("三楼会议室")
    page.get_by_label("李建国 出席情况").select_option(label="缺席")
    page.get_by_label("李建国 缺席原因").fill("出差")
    shoot(page, "secretary", 3, "meeting-form")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("会议已保存。")).to_be_visible()
    expect(page.get_by_text("李建国：缺席（出差）")).to_be_visible()
    shoot(page, "secretary", 4, "meeting-saved")
    menu(page, "组织生活", "落实情况")
    expect(page.get_by_role("row").filter(has_text="支委会").first).to_contain_text("1/1")
    shoot(page, "secretary", 5, "compliance")

    # 党费: record a payment of last month's dues.
    page.get_by_role("button", name="党员管理").click()
    page.get_by_role("link", name="党费").click()
    page.get_by_role("link", name="登记缴费").first.click()
    page.get_by_label("党员").select_option(label="张小丽")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("已登记 张小丽 缴纳党费 50.00 元（1 个月）。")).to_be_visible()
    shoot(page, "secretary", 6, "dues")

    # 民主评议党员: the mutual grading has closed; the branch decides each member's result with its reason.
    menu(page, "测评与评议", "民主评议党员")
    page.get_by_role("link", name="第一党支部").first.click()
    row = page.locator("#members tr", has_text="张小丽")
    row.get_by_text("评定", exact=True).click()
    row.get_by_label("评议结果").select_option(label="合格")
    row.get_by_label("评定理由").fill("履行党员义务，发挥作用较好")
    shoot(page, "secretary", 7, "democratic-decide", focus=row)
    row.get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    expect(page.locator("#members tr", has_text="张小丽")).to_contain_text("履行党员义务，发挥作用较好")

    # 群众评议: a quarter round of the branch; codes printed on slips; outsiders vote on their phones.
    menu(page, "测评与评议", "群众评议")
    page.get_by_role("link", name="建立群众评议").click()
    page.get_by_label("党组织").select_option(label="第一党支部")
    page.get_by_label("评议类别").select_option(label="季度评议")
    page.get_by_label("季度").select_option(label=QUARTER_NAMES[(today.month - 1) // 3 + 1])
    page.get_by_role("button", name="建立").click()
    page.wait_for_url(re.compile(r"/reviews/mass/\d+/$"))
    mass_round = MassEvaluationRound.objects.get()
    activity = page.locator("form", has=page.get_by_role("heading", name="记录评议会议或其他评议方式"))
    activity.get_by_label("方式").select_option(label="群众评议会议")
    activity.get_by_label("数量").fill("1")
    activity.get_by_role("button", name="记录").click()
    page.wait_for_url(re.compile(r"#activities$"))
    shoot(page, "secretary", 8, "mass-round")
    page.get_by_role("link", name="发放投票码（打印投票码条）").click()
    shoot(page, "secretary", 9, "mass-codes", focus=page.locator("#codes"))
    (code,) = poll_codes_issue(actor=personas.sam, poll=mass_round.poll, count=1)  # the slips PDF holds the same
    page.goto(base + reverse("reviews:mass_detail", args=[mass_round.pk]))
    page.get_by_role("button", name="开始投票").click()
    page.wait_for_load_state()
    vote_on_a_phone(page, base, code, failed="李建国")
    page.goto(base + reverse("reviews:mass_detail", args=[mass_round.pk]))
    page.get_by_role("link", name="结束投票").click()
    page.get_by_role("button", name="确认结束投票").click()
    page.wait_for_url(re.compile(r"/reviews/mass/\d+/results/$"))
    expect(page.locator("tr.subject-result", has_text="李建国")).to_contain_text("不满意")
    shoot(page, "secretary", 12, "mass-results")
    page.get_by_role("link", name="数据统计单").click()
    expect(page.locator("#statistics-sheet")).to_contain_text("填报单位：第一党支部")
    shoot(page, "secretary", 13, "statistics-sheet")

    # 整改: the 不满意 opened a rectification with a deadline and a re-evaluation three months later.
    menu(page, "测评与评议", "整改与复评")
    page.locator("#rectifications").get_by_role("link", name="李建国").click()
    page.get_by_label("整改措施").fill("每周走访服务对象，当面听取意见")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("整改措施已保存")).to_be_visible()
    shoot(page, "secretary", 14, "rectification")

    # The yearly records: commitments, leader commentary, stars and 双述双评.
    menu(page, "测评与评议", "公开承诺")
    expect(page.get_by_text("每月走访联系群众一次")).to_be_visible()
    shoot(page, "secretary", 15, "commitments")
    menu(page, "测评与评议", "领导点评")
    page.get_by_role("link", name="记录领导点评").click()
    expect(page.get_by_text("点评层级").first).to_be_visible()
    shoot(page, "secretary", 16, "commentary-start")
    menu(page, "测评与评议", "党员评星定级")
    page.get_by_role("row").filter(has_text="张小丽").get_by_role("link").last.click()
    page.get_by_label("★★★★☆").check()
    page.get_by_label("评定理由").fill("学习积极，服务群众主动，年度评议合格")
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    expect(page.get_by_role("row").filter(has_text="张小丽")).to_contain_text("★★★★")
    shoot(page, "secretary", 17, "stars")
    menu(page, "测评与评议", "双述双评")
    page.get_by_role("link", name="登记双述双评").click()
    page.wait_for_load_state()
    shoot(page, "secretary", 18, "secretary-report")
