"""The mid-level cadre appraisal end to end in a browser (DOMAIN.md §6, §7): the officer creates the exercise and
prints the slips, three participants vote with their codes on phone-sized screens, the officer closes the poll,
the scorers enter the other components and the officer files the ranking. Screenshots go to
test-results/cadre_flow/ at the repo root."""

import re
import subprocess

import pytest
from django.urls import reverse

from appraisal.models import CadreExercise, CadreResult
from tests.browser.conftest import _collect_csp_violation
from tests.browser.helpers import PASSWORD, log_in, screenshot, select_by_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CODE = re.compile(r"\b[A-Z2-9]{5}-[A-Z2-9]{5}\b")
PHONE = {"width": 390, "height": 844}
CADRES = ("李建国", "孙明", "王芳")
# Each participant's scores for 李建国, 孙明, 王芳: poll means 90, 80 and 85.
BALLOTS = [("90", "80", "85"), ("92", "78", "85"), ("88", "82", "85")]


@pytest.fixture
def scorers(personas, org):
    from core.roles import Role
    from members.services import role_assign
    from tests.factories import PersonFactory, UserFactory

    zhou = UserFactory(username="zhou")
    PersonFactory(user=zhou, name="周局长", unit=org.organ, position="局长")
    role_assign(user=zhou, role=Role.PRINCIPAL_LEADER, unit=org.organ)
    he = UserFactory(username="he")
    PersonFactory(user=he, name="何副局长", unit=org.organ, position="副局长")
    role_assign(user=he, role=Role.LEADER, unit=org.publicity)


def _enter_scores(page, scores: dict[str, str]) -> None:
    for name, score in scores.items():
        page.locator("tr", has_text=name).get_by_label(name).fill(score)
    page.get_by_role("button", name="保存评分").click()
    page.wait_for_load_state()


def test_officer_runs_the_cadre_appraisal_from_creation_to_filing(page, live_server, personas, org, scorers, tmp_path):
    base = live_server.url
    log_in(page, base, "chief")

    # The officer creates the exercise: principal leader, team, cadres.
    page.goto(base + reverse("appraisal:cadre_create"))
    select_by_text(page, "单位", "某区机关")
    select_by_text(page, "主要领导", "周局长")
    team = page.locator("fieldset", has_text="班子成员")
    team.get_by_label("林志远").check()
    team.get_by_label("何副局长").check()
    cadres = page.locator("fieldset", has_text="被考核干部")
    for name in ("李建国", "孙明", "王芳"):
        cadres.get_by_label(name).check()
    screenshot(page, "cadre_flow", "cadre_1_create")
    page.get_by_role("button", name="建立").click()
    page.wait_for_url(re.compile(r"/appraisal/cadre/\d+/$"))
    exercise = CadreExercise.objects.get()

    # The poll of the exercise: print three slips, read the codes from the PDF, open the poll.
    page.goto(base + reverse("reviews:detail", args=[exercise.poll_id]))
    page.locator("#codes").get_by_label("投票码数量").fill("3")
    with page.expect_download() as download:
        page.get_by_role("button", name="发放并下载投票码条").click()
    slips = tmp_path / "slips.pdf"
    download.value.save_as(slips)
    codes = CODE.findall(subprocess.run(["pdftotext", str(slips), "-"], capture_output=True, text=True).stdout)
    assert len(set(codes)) == 3
    page.goto(base + reverse("reviews:detail", args=[exercise.poll_id]))
    page.get_by_role("button", name="开始投票").click()
    page.wait_for_load_state()
    screenshot(page, "cadre_flow", "cadre_2_poll_open")

    # Three participants, each on a phone, no login.
    browser = page.context.browser
    for number, (code, ballot) in enumerate(zip(sorted(set(codes)), BALLOTS, strict=True), start=1):
        phone = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
        voter = phone.new_page()
        violations: list[str] = []
        voter.on("console", lambda message, found=violations: _collect_csp_violation(message, found))
        voter.goto(base + reverse("vote:start"))
        voter.locator("input.vote-code").fill(code)
        voter.get_by_role("button", name="下一步：填写选票").click()
        assert voter.locator("section.vote-subject").count() == 3
        for name, score in zip(CADRES, ballot, strict=True):
            voter.locator("section.vote-subject", has_text=name).locator("input[type=number]").fill(score)
        if number == 1:
            screenshot(voter, "cadre_flow", "cadre_3_phone_ballot")
        voter.get_by_role("button", name="提交选票").click()
        voter.wait_for_selector("text=投票成功")
        assert violations == []
        phone.close()

    # The officer closes the poll and sees the turnout reached.
    page.goto(base + reverse("reviews:close", args=[exercise.poll_id]))
    page.get_by_role("button", name="确认结束投票").click()
    page.wait_for_load_state()
    page.goto(base + reverse("reviews:results", args=[exercise.poll_id]))
    assert "结果无效" not in page.content()
    screenshot(page, "cadre_flow", "cadre_4_poll_results")

    # The other components: work (officer), principal leader, the two team members.
    page.goto(base + reverse("appraisal:cadre_work_scores", args=[exercise.pk]))
    _enter_scores(page, {"李建国": "90", "孙明": "85", "王芳": "80"})
    log_in(page, base, "zhou")
    page.goto(base + reverse("appraisal:cadre_principal_scores", args=[exercise.pk]))
    _enter_scores(page, {"李建国": "90", "孙明": "80", "王芳": "90"})
    for username in ("lin", "he"):
        log_in(page, base, username)
        page.goto(base + reverse("appraisal:cadre_team_scores", args=[exercise.pk]))
        _enter_scores(page, {"李建国": "90", "孙明": "80", "王芳": "85"})

    # The officer files: password again, confirm; the ranking is locked and stamped.
    log_in(page, base, "chief")
    page.goto(base + reverse("appraisal:cadre_file", args=[exercise.pk]))
    page.get_by_label(re.compile("确认")).check()
    page.get_by_label(re.compile("密码")).fill(PASSWORD)
    page.get_by_role("button", name="确认备案").click()
    page.wait_for_load_state()
    page.goto(base + reverse("appraisal:cadre_ranking", args=[exercise.pk]))
    screenshot(page, "cadre_flow", "cadre_5_ranking_filed")
    exercise.refresh_from_db()
    assert exercise.is_filed and exercise.filed_by == personas.chief
    results = {r.appraisee.person.name: r for r in CadreResult.objects.select_related("appraisee__person")}
    # 李建国 90 in every component; 孙明 40%·85 + 30%·80 + 10%·80 + 20%·80 = 82; 王芳 = 32 + 27 + 8.5 + 17 = 84.5.
    assert {name: str(r.total_display) for name, r in results.items()} == {
        "李建国": "90.00",
        "王芳": "84.50",
        "孙明": "82.00",
    }
    assert {name: r.rank for name, r in results.items()} == {"李建国": 1, "王芳": 2, "孙明": 3}
    text = page.locator("main").inner_text()
    assert "84.50" in text and "已备案" in text
