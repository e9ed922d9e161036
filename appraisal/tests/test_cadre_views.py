"""The cadre appraisal pages (DOMAIN.md §6): who sees which page (404 outside, 403 inside but not theirs), the entry
pages writing what the scorer typed, the ranking and its export showing the same figures, and filing."""

# ruff: noqa: F811 (the fixtures imported from cadre_fixtures are named again as test arguments)

from decimal import Decimal
from io import BytesIO

import openpyxl
import pytest
from django.urls import reverse

from appraisal.models import CadreAppraisee, CadreExercise, CadreResult, CadreTeamScore
from core.roles import Role
from members.services import role_assign
from tests.factories import PersonFactory, UserFactory

from .cadre_fixtures import PASSWORD, appraisee_ids, exercise, scored, scorers  # noqa: F401 (fixtures)


@pytest.fixture
def outsider_officer(org):
    """An organisation officer of 宣传部 only: the organ's exercise is outside their unit scope."""
    user = UserFactory(username="liu")
    PersonFactory(user=user, name="刘干事", unit=org.publicity)
    role_assign(user=user, role=Role.ORG_OFFICER, unit=org.publicity)
    return user


def _url(name, exercise, *args):
    return reverse(f"appraisal:{name}", args=[exercise.pk, *args])


def test_principal_page_is_only_for_the_principal_leader(client, exercise, personas, scorers):
    url = _url("cadre_principal_scores", exercise)
    for user in (personas.chief, personas.lin, personas.wang, personas.alice):
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.force_login(scorers.zhou_user)
    assert client.get(url).status_code == 200


def test_team_page_is_only_for_team_members_and_shows_only_their_own_scores(client, exercise, personas, scorers):
    url = _url("cadre_team_scores", exercise)
    for user in (personas.chief, scorers.zhou_user, personas.bob):
        client.force_login(user)
        assert client.get(url).status_code == 404
    ids = appraisee_ids(exercise)
    CadreTeamScore.objects.create(appraisee_id=ids["孙明"], scorer=scorers.he, score=Decimal("61.25"))
    client.force_login(personas.lin)
    page = client.get(url)
    assert page.status_code == 200
    assert "61.25" not in page.content.decode()
    client.force_login(scorers.he_user)
    assert "61.25" in client.get(url).content.decode()


def test_team_member_saves_their_scores_and_a_bad_score_keeps_what_was_typed(client, exercise, personas):
    ids = appraisee_ids(exercise)
    client.force_login(personas.lin)
    url = _url("cadre_team_scores", exercise)
    page = client.post(url, {f"score_{ids['孙明']}": "88.5", f"score_{ids['王芳']}": "101"})
    text = page.content.decode()
    assert page.status_code == 200
    assert "王芳" in text and 'value="101"' in text and 'value="88.5"' in text
    assert not CadreTeamScore.objects.exists()
    response = client.post(url, {f"score_{ids['孙明']}": "88.5", f"score_{ids['王芳']}": "90"})
    assert response.status_code == 302
    assert dict(CadreTeamScore.objects.values_list("appraisee__person__name", "score")) == {
        "孙明": Decimal("88.5"),
        "王芳": Decimal("90"),
    }


def test_work_page_shows_the_years_commendations_and_the_adjustment(client, scored, personas):
    client.force_login(personas.chief)
    text = client.get(_url("cadre_work_scores", scored)).content.decode()
    assert "省级表彰奖励" in text and "区级表彰奖励" in text
    assert "同一事项按最高级别计分" in text
    assert "+5" in text and "−3" in text
    assert "90.00" in text  # Sam: 85 + 5


def test_work_page_is_refused_to_scorers_and_hidden_from_other_officers(client, exercise, scorers, outsider_officer):
    client.force_login(scorers.zhou_user)
    assert client.get(_url("cadre_work_scores", exercise)).status_code == 403
    client.force_login(outsider_officer)
    assert client.get(_url("cadre_work_scores", exercise)).status_code == 404
    assert client.get(_url("cadre_detail", exercise)).status_code == 404


def test_exercise_list_shows_officers_their_units_and_scorers_their_exercises(
    client, exercise, personas, scorers, outsider_officer
):
    for user, sees in ((personas.chief, True), (scorers.zhou_user, True), (personas.lin, True),
                       (outsider_officer, False), (personas.bob, False)):  # fmt: skip
        client.force_login(user)
        text = client.get(reverse("appraisal:cadre_exercises")).content.decode()
        assert (exercise.title in text) is sees, user


def test_only_the_officer_files_a_principal_leader_who_sees_the_exercise_gets_403(client, scored, scorers):
    client.force_login(scorers.zhou_user)
    assert client.get(_url("cadre_detail", scored)).status_code == 200
    response = client.post(_url("cadre_file", scored), {"confirm": "on", "password": PASSWORD})
    assert response.status_code == 403
    assert CadreExercise.objects.get().status == CadreExercise.Status.DRAFT


def test_scorers_see_the_ranking_only_once_filed(client, scored, personas, scorers):
    client.force_login(scorers.zhou_user)
    assert client.get(_url("cadre_ranking", scored)).status_code == 403
    client.force_login(personas.chief)
    client.post(_url("cadre_file", scored), {"confirm": "on", "password": PASSWORD})
    client.force_login(scorers.zhou_user)
    assert client.get(_url("cadre_ranking", scored)).status_code == 200


def test_filing_page_needs_the_confirmation_and_the_password(client, scored, personas):
    client.force_login(personas.chief)
    url = _url("cadre_file", scored)
    assert "请勾选确认" in client.post(url, {"password": PASSWORD}).content.decode()
    assert "密码不正确" in client.post(url, {"confirm": "on", "password": "nope"}).content.decode()
    assert not CadreResult.objects.exists()
    response = client.post(url, {"confirm": "on", "password": PASSWORD})
    assert response.status_code == 302
    scored.refresh_from_db()
    assert scored.is_filed and scored.filed_by == personas.chief


def test_filing_page_lists_what_is_missing(client, exercise, personas):
    client.force_login(personas.chief)
    text = client.post(_url("cadre_file", exercise), {"confirm": "on", "password": PASSWORD}).content.decode()
    assert "暂不能备案" in text and "民主测评尚未结束" in text


def _page_figures(html: str) -> dict[str, list[str]]:
    """name -> [rank, work, adjustment, adjusted, principal, team, poll, total] as the ranking table shows them (the
    small print under a figure, such as the count of valid ballots, left out)."""
    from html.parser import HTMLParser

    class Parser(HTMLParser):
        def __init__(self):
            super().__init__()
            self.rows, self.cell, self.in_table, self.small_print = [], None, False, 0

        def handle_starttag(self, tag, attrs):
            if tag == "table" and ("id", "ranking") in attrs:
                self.in_table = True
            elif self.in_table and tag == "tr":
                self.rows.append([])
            elif self.in_table and tag == "td":
                self.cell = ""
            elif self.cell is not None and tag == "div":
                self.small_print += 1

        def handle_endtag(self, tag):
            if tag == "table":
                self.in_table = False
            elif tag == "div" and self.small_print:
                self.small_print -= 1
            elif tag == "td" and self.cell is not None:
                self.rows[-1].append(self.cell.strip())
                self.cell = None

        def handle_data(self, data):
            if self.cell is not None and not self.small_print:
                self.cell += data

    parser = Parser()
    parser.feed(html)
    return {row[1]: [row[0], *row[4:11]] for row in parser.rows if len(row) > 10}


@pytest.mark.parametrize("filed", [False, True])
def test_ranking_export_has_the_figures_of_the_page(client, scored, personas, filed):
    client.force_login(personas.chief)
    if filed:
        client.post(_url("cadre_file", scored), {"confirm": "on", "password": PASSWORD})
    page = _page_figures(client.get(_url("cadre_ranking", scored)).content.decode())
    assert page["张小丽"] == ["4", "80.00", "−3", "77.00", "70.00", "70.50", "70.33", "72.92"]
    assert [page[name][0] for name in ("李建国", "孙明", "王芳", "张小丽")] == ["1", "2", "2", "4"]

    response = client.get(_url("cadre_ranking", scored) + "?export=xlsx")
    sheet = openpyxl.load_workbook(BytesIO(response.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:11] == ("名次", "姓名", "部门", "职务", "工作实绩得分", "表彰加分/处分减分", "调整后工作实绩",
                            "主要领导评分", "班子成员评分（均值）", "民主测评（均值）", "总分")  # fmt: skip
    exported = {row[1]: row for row in rows[1:]}
    assert set(exported) == set(page)
    for name, figures in page.items():
        row = exported[name]
        rank, work, adjustment, adjusted, principal, team, poll, total = figures
        assert str(row[0]) == rank
        assert f"{Decimal(str(row[4])):.2f}" == work
        assert row[5] == int(adjustment.replace("−", "-").replace("+", ""))
        assert [f"{Decimal(str(v)):.2f}" for v in row[6:11]] == [adjusted, principal, team, poll, total]


def test_ranking_before_filing_is_marked_provisional_and_flags_missing_components(client, exercise, personas):
    client.force_login(personas.chief)
    text = client.get(_url("cadre_ranking", exercise)).content.decode()
    assert "暂定，未备案" in text
    assert "工作实绩得分未录入" in text and "民主测评未结束" in text


def test_officer_creates_an_exercise_from_the_form(client, personas, org, scorers):
    client.force_login(personas.chief)
    assert client.get(reverse("appraisal:cadre_create")).status_code == 200
    p = personas.people
    response = client.post(
        reverse("appraisal:cadre_create"),
        {
            "year": "2026",
            "unit": org.organ.pk,
            "title": "2026年度中层干部考核",
            "principal_leader": scorers.zhou.pk,
            "team_members": [scorers.lin.pk, scorers.he.pk],
            "cadres": [p.bob.pk, p.sam.pk],
        },
    )
    exercise = CadreExercise.objects.get()
    assert response.status_code == 302 and response["Location"] == _url("cadre_detail", exercise)
    assert set(exercise.appraisees.values_list("person__name", flat=True)) == {"李建国", "孙明"}
    assert exercise.poll.subjects.count() == 2


def test_create_page_is_refused_to_anyone_but_an_officer_with_unit_scope(client, personas):
    for user in (personas.olga, personas.lin, personas.alice):
        client.force_login(user)
        assert client.get(reverse("appraisal:cadre_create")).status_code == 403


def test_officer_removes_and_adds_cadres_from_the_detail_page(client, exercise, personas):
    client.force_login(personas.chief)
    sam = CadreAppraisee.objects.get(exercise=exercise, person=personas.people.sam)
    client.post(_url("cadre_remove", exercise, sam.pk))
    assert not exercise.appraisees.filter(person=personas.people.sam).exists()
    client.post(_url("cadre_cadres_add", exercise), {"cadres": [personas.people.sam.pk]})
    assert exercise.appraisees.filter(person=personas.people.sam).exists()
    assert "打开民主测评" in client.get(_url("cadre_detail", exercise)).content.decode()


def test_filed_result_shows_on_the_archive_page(client, scored, personas):
    client.force_login(personas.chief)
    client.post(_url("cadre_file", scored), {"confirm": "on", "password": PASSWORD})
    client.force_login(personas.alice)
    text = client.get(reverse("appraisal:archive", args=[personas.people.alice.pk])).content.decode()
    assert "2026年度中层干部考核：总分 72.92，第 4 名（共 4 人）" in text


def test_the_cadre_polls_subjects_and_question_are_changed_only_through_the_exercise(client, exercise, personas):
    from reviews.models import PollQuestion, PollSubject

    poll = exercise.poll
    subject = PollSubject.objects.filter(poll=poll).first()
    question = PollQuestion.objects.filter(poll=poll).first()
    client.force_login(personas.chief)
    page = client.get(reverse("reviews:detail", args=[poll.pk])).content.decode()
    assert "由中层干部考核维护" in page and "添加测评对象" not in page and "添加题目" not in page
    client.post(reverse("reviews:subject_remove", args=[poll.pk, subject.pk]))
    client.post(reverse("reviews:question_remove", args=[poll.pk, question.pk]))
    extra = {"text": "另加的题", "kind": "score", "applies_to": "all"}
    client.post(reverse("reviews:question_add", args=[poll.pk]), extra)
    assert PollSubject.objects.filter(poll=poll).count() == exercise.appraisees.count()
    assert list(PollQuestion.objects.filter(poll=poll)) == [question]
