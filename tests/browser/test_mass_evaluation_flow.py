"""群众评议 end to end in a browser (DOMAIN.md §7, issue 6): the secretary of 第一党支部 creates a quarter round,
records an evaluation meeting, issues three codes and reads them back from the slips PDF, opens the voting; two
outsiders vote with their codes on phone-sized screens, without logging in, and both rate 李建国 不满意; the
secretary closes the round (two of three codes used: the two-thirds turnout is just reached) and sees the results,
the statistics sheet and the rectification the 不满意 opened. Screenshots go to test-results/mass_evaluation/."""

import re
import subprocess

import pytest
from django.urls import reverse
from django.utils import timezone

from reviews import records
from reviews.models import MassEvaluationRound, Rectification
from tests.browser.conftest import _collect_csp_violation
from tests.browser.helpers import log_in, screenshot, select_by_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CODE = re.compile(r"\b[A-Z2-9]{5}-[A-Z2-9]{5}\b")
PHONE = {"width": 390, "height": 844}
FAILED_MEMBER = "李建国"


def _vote_on_a_phone(browser, base: str, code: str, shot: str | None) -> None:
    """An outsider on a phone: no login; 李建国 不满意 on every question, everyone else 满意."""
    phone = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    voter = phone.new_page()
    violations: list[str] = []
    voter.on("console", lambda message: _collect_csp_violation(message, violations))
    voter.goto(base + reverse("vote:start"))
    voter.locator("input.vote-code").fill(code)
    voter.get_by_role("button", name="下一步：填写选票").click()
    sections = voter.locator("section.vote-subject")
    assert sections.count() == 5
    for index in range(sections.count()):
        section = sections.nth(index)
        mark = "不满意" if FAILED_MEMBER in section.locator("h2").inner_text() else "满意"
        for label in section.get_by_text(mark, exact=True).all():
            label.click()
    if shot:
        screenshot(voter, "mass_evaluation", f"mass_{shot}")
    voter.get_by_role("button", name="提交选票").click()
    voter.wait_for_selector("text=投票成功")
    assert "不完整" not in voter.content()
    assert violations == []
    phone.close()


def test_a_secretary_runs_a_round_and_two_outsiders_vote_on_phones(page, live_server, personas, org, tmp_path):
    base = live_server.url
    today = timezone.localdate()
    records.commitment_make(
        actor=personas.sam,
        year=today.year,
        branch=org.branch_1,
        person=personas.people.bob,
        content="每月走访联系群众一次",
        made_on=today,
    )
    log_in(page, base, "sam")

    # The secretary creates the round: the branch and its four members become the subjects.
    page.goto(base + reverse("reviews:mass_list"))
    page.get_by_role("link", name="建立群众评议").click()
    select_by_text(page, "党组织", "第一党支部")
    select_by_text(page, "评议类别", "季度评议")
    select_by_text(page, "季度", "第四季度")
    screenshot(page, "mass_evaluation", "mass_1_create")
    page.get_by_role("button", name="建立").click()
    page.wait_for_url(re.compile(r"/reviews/mass/\d+/$"))
    mass_round = MassEvaluationRound.objects.get()
    assert mass_round.poll.subjects.count() == 5

    # An evaluation meeting on the round page.
    activity = page.locator("form", has=page.get_by_role("heading", name="记录评议会议或其他评议方式"))
    select_by_text(activity, "方式", "群众评议会议")
    activity.get_by_label("数量").fill("1")
    activity.get_by_role("button", name="记录").click()
    page.wait_for_url(re.compile(r"/reviews/mass/\d+/#activities$"))
    assert "群众评议会议" in page.locator("#activities").inner_text()
    introductions = page.locator("#introductions")
    introductions.get_by_label("孙明").check()
    introductions.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(r"#introductions$"))
    screenshot(page, "mass_evaluation", "mass_2_round_detail")

    # Codes from the poll page: three slips, read back from the PDF; then the voting opens on the round page.
    page.get_by_role("link", name="发放投票码（打印投票码条）").click()
    page.locator("#codes").get_by_label("投票码数量").fill("3")
    with page.expect_download() as download:
        page.get_by_role("button", name="发放并下载投票码条").click()
    slips = tmp_path / "slips.pdf"
    download.value.save_as(slips)
    codes = sorted(
        set(CODE.findall(subprocess.run(["pdftotext", str(slips), "-"], capture_output=True, text=True).stdout))
    )
    assert len(codes) == 3
    page.goto(base + reverse("reviews:mass_detail", args=[mass_round.pk]))
    page.get_by_role("button", name="开始投票").click()
    page.wait_for_load_state()
    page.goto(base + reverse("reviews:mass_detail", args=[mass_round.pk]))
    assert "已投 0 / 3" in page.locator("#voting").inner_text()

    # Two outsiders vote on phones; the third code stays unused (2 of 3 reaches the two-thirds turnout).
    browser = page.context.browser
    _vote_on_a_phone(browser, base, codes[0], shot="3_phone_ballot")
    _vote_on_a_phone(browser, base, codes[1], shot=None)

    # Results are hidden while the voting runs.
    page.goto(base + reverse("reviews:mass_results", args=[mass_round.pk]))
    assert "投票结束后才能查看结果" in page.locator("main").inner_text()
    page.goto(base + reverse("reviews:mass_detail", args=[mass_round.pk]))
    page.wait_for_selector("#turnout:has-text('已投 2 / 3')")

    # The secretary closes the round through the poll's close page and lands on the round's results.
    page.get_by_role("link", name="结束投票").click()
    page.get_by_role("button", name="确认结束投票").click()
    page.wait_for_url(re.compile(r"/reviews/mass/\d+/results/$"))
    main = page.locator("main")
    assert "投票率达到要求，结果有效" in main.inner_text()
    failed = page.locator("tr.subject-result", has_text=FAILED_MEMBER)
    assert "不满意" in failed.inner_text() and "0.00%" in failed.inner_text()
    assert "每月走访联系群众一次" in failed.inner_text()
    branch = page.locator("tr.subject-result", has_text="第一党支部")
    assert "100.00%" in branch.inner_text()
    failed.get_by_role("button", name="分项").click()
    aspects = page.locator(f"#aspects-{mass_round.poll.subjects.get(label=FAILED_MEMBER).pk}")
    aspects.wait_for(state="visible")
    assert "立足岗位作表率" in aspects.inner_text()
    screenshot(page, "mass_evaluation", "mass_4_results")

    # The statistics sheet of the branch: 5 subjects evaluated, 1 meeting, 2 participants, 1 self-introduction.
    page.get_by_role("link", name="数据统计单").click()
    sheet = page.locator("#statistics-sheet").inner_text()
    assert "填报单位：第一党支部" in sheet
    figures = [int(n) for n in re.findall(r"\d+", page.locator("#item-1").inner_text().replace("1、", "", 1))]
    assert figures == [1, 1, 1, 4, 4, 3, 3]
    assert (
        re.sub(r"\s", "", page.locator("#item-2").inner_text())
        == "2、召开群众评议会议总数为1个，参加评议的群众总数为2人。"
    )
    assert re.sub(r"\s", "", page.locator("#item-5").inner_text()) == "5、评议中，自我介绍参加活动情况的党员总数为1人。"
    screenshot(page, "mass_evaluation", "mass_5_statistics_sheet")

    # The rectification opened by the 不满意.
    rectification = Rectification.objects.get()
    assert rectification.subject_label == FAILED_MEMBER
    page.get_by_role("link", name="评议结果").click()
    page.locator("#rectifications").get_by_role("link", name=FAILED_MEMBER).click()
    page.wait_for_url(re.compile(r"/reviews/mass/rectifications/\d+/$"))
    assert "整改中" in page.locator("#rectification-status").inner_text()
    page.get_by_label("整改措施").fill("每周走访服务对象，当面听取意见")
    page.get_by_label("整改佐证").fill("走访记录 4 份")
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    assert "整改措施已保存" in page.locator("main").inner_text()
    screenshot(page, "mass_evaluation", "mass_6_rectification")
    page.get_by_role("link", name="整改与复评").click()
    assert FAILED_MEMBER in page.locator("#rectifications").inner_text()
    screenshot(page, "mass_evaluation", "mass_6_rectification_list")

    # The publication list, printable, and the secretary's results on a phone.
    page.goto(base + reverse("reviews:mass_publication", args=[mass_round.pk]))
    assert "群众评议结果公开" in page.locator("#publication").inner_text()
    screenshot(page, "mass_evaluation", "mass_7_publication")
    # As printed: no menu, no buttons, the bordered table alone (static/css/print.css).
    page.emulate_media(media="print")
    assert not page.get_by_role("button", name="打印").is_visible()
    assert not page.locator("nav.navbar").is_visible()
    screenshot(page, "mass_evaluation", "mass_7_publication_print")
    page.emulate_media(media="screen")
    page.set_viewport_size(PHONE)
    page.goto(base + reverse("reviews:mass_results", args=[mass_round.pk]))
    screenshot(page, "mass_evaluation", "mass_8_results_phone")
