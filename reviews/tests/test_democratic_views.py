"""The democratic evaluation pages (民主评议党员, DOMAIN.md §7) through the test client: the organisers' list, create,
members table, decisions, finalisation and statistics with Excel; the member's own page; and the shared poll pages
(ballot, results) for the mutual evaluation's grade question."""

from io import BytesIO

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from reviews.democratic import democratic_evaluation_create, member_result_decide
from reviews.democratic_selectors import democratic_statistics
from reviews.models import DemocraticEvaluation, MemberGrade, StagedBallot
from reviews.services import ballot_cast, poll_close, poll_codes_issue, poll_open

pytestmark = pytest.mark.django_db
YEAR = 2025
EVERYONE = ["张小丽", "李建国", "欧阳静", "孙明"]


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def evaluation(personas, org):
    return democratic_evaluation_create(actor=personas.sam, branch=org.branch_1, year=YEAR)


@pytest.fixture
def other_branch(personas, org):
    """第二党支部's evaluation, outside the secretary's and Olga's scope."""
    return democratic_evaluation_create(actor=personas.chief, branch=org.branch_2, year=YEAR)


def _member(evaluation, name):
    return evaluation.members.select_related("person", "evaluation").get(person__name=name)


def _decide(client, evaluation, name, result, reason="对照党员标准，支部评定"):
    member = _member(evaluation, name)
    return client.post(
        reverse("reviews:democratic_decide", args=[evaluation.pk, member.pk]),
        {f"m{member.pk}-result": result, f"m{member.pk}-reason": reason},
    )


def _row(page: str, marker: str) -> str:
    """The table row of the page that carries the marker (an id)."""
    row = page[page.index(marker) :]
    return row[: row.index("</tr>")]


def _decide_all(evaluation, actor, result=MemberGrade.QUALIFIED):
    for member in evaluation.members.select_related("person", "evaluation"):
        member_result_decide(actor=actor, member_evaluation=member, result=result, reason="合格")


# ---- Organisers ---------------------------------------------------------------------------------------------------


def test_a_secretary_opens_the_years_evaluation_from_the_list_page(personas, org):
    client = _client(personas.sam)
    page = client.get(reverse("reviews:democratic_list")).content.decode()
    assert "开展民主评议党员" in page and f'value="{org.branch_1.pk}"' in page

    response = client.post(reverse("reviews:democratic_create"), {"branch": org.branch_1.pk, "year": YEAR})

    evaluation = DemocraticEvaluation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reviews:democratic_detail", args=[evaluation.pk])
    detail = client.get(response["Location"]).content.decode()
    assert all(name in detail for name in EVERYONE)
    assert reverse("reviews:detail", args=[evaluation.mutual_poll_id]) in detail  # codes, open and close there
    assert "投票结束后显示" in detail


def test_the_create_form_offers_only_the_branches_in_scope(personas, org):
    olga_page = _client(personas.olga).get(reverse("reviews:democratic_list")).content.decode()
    assert f'value="{org.branch_1.pk}"' in olga_page and f'value="{org.branch_2.pk}"' not in olga_page
    assert f'value="{org.general_1.pk}"' not in olga_page  # a general branch is not evaluated
    response = _client(personas.olga).post(reverse("reviews:democratic_create"), {"branch": org.branch_2.pk,
                                                                                   "year": YEAR})  # fmt: skip
    assert response.status_code == 400 and not DemocraticEvaluation.objects.exists()


def test_a_refused_creation_is_explained_on_the_list_page(personas, org, evaluation):
    response = _client(personas.olga).post(reverse("reviews:democratic_create"), {"branch": org.branch_1.pk,
                                                                                   "year": YEAR})  # fmt: skip
    assert response.status_code == 400
    assert "第一党支部2025年度的民主评议党员已经建立" in response.content.decode()


def test_the_list_shows_evaluations_in_scope_and_filters_by_year(personas, org, evaluation, other_branch):
    earlier = democratic_evaluation_create(actor=personas.sam, branch=org.branch_1, year=YEAR - 1)
    client = _client(personas.sam)

    page = client.get(reverse("reviews:democratic_list")).content.decode()
    assert reverse("reviews:democratic_detail", args=[evaluation.pk]) in page
    assert reverse("reviews:democratic_detail", args=[earlier.pk]) in page
    assert reverse("reviews:democratic_detail", args=[other_branch.pk]) not in page

    filtered = client.get(reverse("reviews:democratic_list"), {"year": YEAR - 1}).content.decode()
    assert reverse("reviews:democratic_detail", args=[earlier.pk]) in filtered
    assert reverse("reviews:democratic_detail", args=[evaluation.pk]) not in filtered


def test_an_evaluation_outside_ones_scope_does_not_exist(personas, other_branch):
    client = _client(personas.sam)
    wang = _member(other_branch, "王芳")
    assert client.get(reverse("reviews:democratic_detail", args=[other_branch.pk])).status_code == 404
    assert _decide(client, other_branch, "王芳", MemberGrade.UNQUALIFIED).status_code == 404
    assert client.post(reverse("reviews:democratic_finalise", args=[other_branch.pk])).status_code == 404
    wang.refresh_from_db()
    assert wang.result == ""


def test_a_member_without_a_party_scope_is_refused_the_organisers_pages(personas, evaluation):
    client = _client(personas.alice)
    assert client.get(reverse("reviews:democratic_list")).status_code == 403
    assert client.get(reverse("reviews:democratic_statistics")).status_code == 403
    assert client.get(reverse("reviews:democratic_detail", args=[evaluation.pk])).status_code == 404
    assert _decide(client, evaluation, "张小丽", MemberGrade.EXCELLENT).status_code == 404


def test_deciding_from_the_members_table_and_changing_it(personas, evaluation):
    client = _client(personas.sam)
    member = _member(evaluation, "李建国")

    response = _decide(client, evaluation, "李建国", MemberGrade.BASIC, "学习不够经常")
    assert response.status_code == 302 and response["Location"].endswith(f"#member-{member.pk}")
    _decide(client, evaluation, "李建国", MemberGrade.QUALIFIED, "整改后表现良好")

    member.refresh_from_db()
    assert (member.result, member.reason) == (MemberGrade.QUALIFIED, "整改后表现良好")
    page = client.get(reverse("reviews:democratic_detail", args=[evaluation.pk])).content.decode()
    assert "整改后表现良好" in page and 'id="pass-rate">100.00%' in page


def test_a_decision_without_a_reason_keeps_the_form_open_with_the_error(personas, evaluation):
    response = _decide(_client(personas.sam), evaluation, "李建国", MemberGrade.UNQUALIFIED, reason="")
    page = response.content.decode()
    assert response.status_code == 400 and "请填写评定理由" in page and "<details open>" in page
    assert _member(evaluation, "李建国").result == ""


def test_finalising_asks_first_refuses_undecided_members_and_then_locks_the_page(personas, evaluation):
    client = _client(personas.sam)
    url = reverse("reviews:democratic_finalise", args=[evaluation.pk])
    assert "data-confirm=" in client.get(reverse("reviews:democratic_detail", args=[evaluation.pk])).content.decode()

    refused = client.post(url, follow=True).content.decode()
    assert "以下党员尚未评定结果" in refused

    _decide_all(evaluation, personas.sam)
    page = client.post(url, follow=True).content.decode()
    assert "评议结果已确定" in page and "democratic_decide" not in page and "/decide/" not in page
    late = _decide(client, evaluation, "张小丽", MemberGrade.EXCELLENT)
    assert late.status_code == 400 and "2025年度民主评议结果已经确定，不能再修改" in late.content.decode()


def test_the_mutual_counts_appear_on_the_members_table_once_the_vote_closes(personas, evaluation):
    poll = evaluation.mutual_poll
    codes = poll_codes_issue(actor=personas.sam, poll=poll, count=3)
    poll_open(actor=personas.sam, poll=poll)
    question, subjects = poll.questions.get(), {s.label: s for s in poll.subjects.all()}
    for code, grade in zip(codes, [MemberGrade.EXCELLENT, MemberGrade.EXCELLENT, MemberGrade.BASIC], strict=True):
        ballot_cast(code=code, answers={(subjects["欧阳静"].pk, question.pk): grade})
    client = _client(personas.sam)
    url = reverse("reviews:democratic_detail", args=[evaluation.pk])
    olga_row = f'id="member-{_member(evaluation, "欧阳静").pk}"'
    assert "投票结束后显示" in _row(client.get(url).content.decode(), olga_row)

    poll_close(actor=personas.sam, poll=poll)
    page = client.get(url).content.decode()

    assert "投票率达到要求，结果有效" in page
    assert '<td class="text-end">2</td><td class="text-end">0</td><td class="text-end">1</td>' in _row(page, olga_row)


def test_statistics_page_and_excel_hold_the_selectors_figures(personas, org, evaluation, other_branch):
    member_result_decide(actor=personas.sam, member_evaluation=_member(evaluation, "张小丽"),
                         result=MemberGrade.EXCELLENT, reason="带头作用突出")  # fmt: skip
    member_result_decide(actor=personas.chief, member_evaluation=_member(other_branch, "王芳"),
                         result=MemberGrade.UNQUALIFIED, reason="=长期不参加组织生活")  # fmt: skip
    client = _client(personas.chief)
    params = {"organization": org.committee.pk, "year": YEAR}

    page = client.get(reverse("reviews:democratic_statistics"), params).content.decode()
    assert 'id="total-pass-rate">50.00%' in page and "第二党支部" in page

    response = client.get(reverse("reviews:democratic_statistics"), {**params, "export": "xlsx"})
    workbook = load_workbook(BytesIO(response.content))
    header, *rows = workbook["结果统计"].iter_rows(values_only=True)
    statistics = democratic_statistics(organization=org.committee, year=YEAR)
    assert header == ("党支部", "状态", "党员数", "优秀", "合格", "基本合格", "不合格", "未评定", "合格率（%）")
    assert rows[-1] == ("合计", "2个支部开展", 5, 1, 0, 0, 1, 3, float(statistics.total.pass_percent))
    assert rows[0][2:] == (4, 1, 0, 0, 0, 3, 100)
    results = {row[1]: row for row in workbook["评议结果"].iter_rows(values_only=True)}
    assert results["王芳"][3:] == ("不合格", "=长期不参加组织生活")  # text, not a formula
    assert results["李建国"][3] == "未评定"


def test_statistics_of_an_organisation_outside_ones_scope_are_not_shown(personas, org, other_branch):
    response = _client(personas.sam).get(
        reverse("reviews:democratic_statistics"), {"organization": org.branch_2.pk, "year": YEAR}
    )
    page = response.content.decode()
    assert response.status_code == 200 and "第二党支部" not in page and "total-pass-rate" not in page


def test_statistics_open_on_the_top_of_ones_scope_for_this_year(personas, org):
    page = _client(personas.olga).get(reverse("reviews:democratic_statistics")).content.decode()
    assert "第一党总支" in page and "第一党支部" in page and "未开展" in page


def test_the_menu_shows_the_organisers_pages_to_secretaries_and_officers_only(personas):
    assert "民主评议结果统计" in _client(personas.sam).get(reverse("home")).content.decode()
    assert "民主评议结果统计" not in _client(personas.alice).get(reverse("home")).content.decode()


# ---- Members -----------------------------------------------------------------------------------------------------


def test_a_member_writes_their_self_evaluation_from_the_menu(personas, evaluation):
    client = _client(personas.alice)
    assert reverse("reviews:democratic_mine") in client.get(reverse("home")).content.decode()
    member = _member(evaluation, "张小丽")
    page = client.get(reverse("reviews:democratic_mine")).content.decode()
    assert "第一党支部2025年度民主评议党员" in page and f'name="e{member.pk}-text"' in page

    response = client.post(
        reverse("reviews:democratic_self_save", args=[member.pk]), {f"e{member.pk}-text": "全年按时参加组织生活。"}
    )

    assert response.status_code == 302
    member.refresh_from_db()
    assert member.self_evaluation == "全年按时参加组织生活。"
    detail = _client(personas.sam).get(reverse("reviews:democratic_detail", args=[evaluation.pk])).content.decode()
    assert "全年按时参加组织生活。" in detail


def test_people_who_are_not_party_members_do_not_get_the_menu_item(personas):
    assert reverse("reviews:democratic_mine") not in _client(personas.chief).get(reverse("home")).content.decode()


def test_a_member_reaches_only_their_own_self_evaluation(personas, evaluation):
    bob = _member(evaluation, "李建国")
    response = _client(personas.alice).post(reverse("reviews:democratic_self_save", args=[bob.pk]),
                                            {f"e{bob.pk}-text": "代写"})  # fmt: skip
    assert response.status_code == 404
    page = _client(personas.alice).get(reverse("reviews:democratic_mine")).content.decode()
    assert f"e{bob.pk}-text" not in page


def test_an_empty_self_evaluation_keeps_the_form_with_the_error(personas, evaluation):
    member = _member(evaluation, "张小丽")
    response = _client(personas.alice).post(reverse("reviews:democratic_self_save", args=[member.pk]),
                                            {f"e{member.pk}-text": ""})  # fmt: skip
    assert response.status_code == 400 and "请填写自我评价" in response.content.decode()


def test_after_finalisation_the_member_sees_the_result_and_reason_and_can_no_longer_write(personas, evaluation):
    _decide_all(evaluation, personas.sam, MemberGrade.EXCELLENT)
    _client(personas.sam).post(reverse("reviews:democratic_finalise", args=[evaluation.pk]))
    client = _client(personas.alice)
    member = _member(evaluation, "张小丽")

    page = client.get(reverse("reviews:democratic_mine")).content.decode()

    assert "已确定的评议结果" in page and "优秀" in page and f"e{member.pk}-text" not in page
    response = client.post(reverse("reviews:democratic_self_save", args=[member.pk]), {f"e{member.pk}-text": "补写"})
    assert response.status_code == 400 and "已经确定" in response.content.decode()


# ---- The mutual evaluation on the shared poll pages -------------------------------------------------------------


def test_the_ballot_page_offers_each_member_the_four_grades(personas, evaluation):
    poll = evaluation.mutual_poll
    (code,) = poll_codes_issue(actor=personas.sam, poll=poll, count=1)
    poll_open(actor=personas.sam, poll=poll)
    question, subjects = poll.questions.get(), list(poll.subjects.all())
    voter = Client()

    page = voter.post(reverse("vote:start"), {"code": code}).content.decode()

    for subject in subjects:
        field = f"s{subject.pk}_q{question.pk}"
        assert page.count(f'name="{field}"') == 4
        for value in MemberGrade.values:
            assert f'value="{value}"' in page
    assert all(label in page for label in ("优秀", "合格", "基本合格", "不合格"))
    data = {"code": code, **{f"s{s.pk}_q{question.pk}": MemberGrade.QUALIFIED for s in subjects}}
    assert voter.post(reverse("vote:submit"), data).status_code == 302
    assert set(StagedBallot.objects.get().answers.values()) == {"qualified"}


def test_the_poll_results_page_and_excel_show_the_grade_counts(personas, evaluation):
    poll = evaluation.mutual_poll
    codes = poll_codes_issue(actor=personas.sam, poll=poll, count=2)
    poll_open(actor=personas.sam, poll=poll)
    question, subjects = poll.questions.get(), list(poll.subjects.all())
    for code, grade in zip(codes, [MemberGrade.EXCELLENT, MemberGrade.UNQUALIFIED], strict=True):
        ballot_cast(code=code, answers={(s.pk, question.pk): grade for s in subjects})
    poll_close(actor=personas.sam, poll=poll)
    client = _client(personas.sam)

    page = client.get(reverse("reviews:results", args=[poll.pk])).content.decode()
    assert "grade-results" in page and "satisfaction-results" not in page

    response = client.get(reverse("reviews:results", args=[poll.pk]), {"export": "xlsx"})
    header, *rows = load_workbook(BytesIO(response.content))["测评结果"].iter_rows(values_only=True)
    assert header[-4:] == ("优秀", "合格", "基本合格", "不合格")
    assert len(rows) == 4 and all(row[-4:] == (1, 0, 0, 1) for row in rows)
    assert all(row[9:12] == (None, None, None) for row in rows)  # no satisfaction figures for a grade


def test_the_mutual_polls_members_and_question_are_not_changed_on_the_poll_page(personas, evaluation):
    poll = evaluation.mutual_poll
    subject, question = poll.subjects.first(), poll.questions.get()
    client = _client(personas.sam)

    page = client.get(reverse("reviews:detail", args=[poll.pk])).content.decode()
    assert "随评议自动确定" in page and reverse("reviews:subjects_add", args=[poll.pk]) not in page
    client.post(reverse("reviews:subject_remove", args=[poll.pk, subject.pk]))
    client.post(reverse("reviews:question_remove", args=[poll.pk, question.pk]))

    assert poll.subjects.count() == 4 and poll.questions.count() == 1
