"""The 群众评议 pages (DOMAIN.md §7, issue 6): rounds, what is recorded besides the ballots, results, the statistics
sheet, the publication list, rectifications and the home panel."""

import datetime
from io import BytesIO

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from core.roles import Role
from members.services import role_assign
from members.tests.pdfs import pdf_text
from reviews import records
from reviews.mass import (
    activity_record,
    mass_round_close,
    mass_round_create,
    public_service_record,
    rectification_complete,
    rectification_update,
    self_introductions_set,
)
from reviews.mass_selectors import sheet_figures, statistics_sheet
from reviews.models import (
    MassActivity,
    MassEvaluationRound,
    MassRoundKind,
    PublicServiceItem,
    Rectification,
    Satisfaction,
    SelfIntroduction,
)
from reviews.services import ballot_cast, poll_codes_issue, poll_open
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

S, B, U = Satisfaction.SATISFIED, Satisfaction.BASIC, Satisfaction.UNSATISFIED
MEMBERS = ("张小丽", "李建国", "欧阳静", "孙明")


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _text(response) -> str:
    return response.content.decode()


def vote_and_close(mass_round, actor, marks: dict[str, list], *, codes: int | None = None):
    """Issue codes, open, cast one ballot per position (each subject gets its mark on every question; a subject
    not in `marks` is left blank), close through the round's service."""
    poll = mass_round.poll
    count = len(next(iter(marks.values())))
    issued = poll_codes_issue(actor=actor, poll=poll, count=codes or count)
    poll_open(actor=actor, poll=poll)
    subjects = {s.label: s for s in poll.subjects.all()}
    questions = list(poll.questions.all())
    for i in range(count):
        ballot_cast(
            code=issued[i],
            answers={
                (subjects[label].pk, q.pk): marks[label][i]
                for label in marks
                for q in questions
                if q.applies_to_subject(subjects[label])
            },
        )
    return mass_round_close(actor=actor, mass_round=mass_round)


@pytest.fixture
def on_march_31(time_machine):
    time_machine.move_to(datetime.datetime(2026, 3, 31, 10, 0))
    return time_machine


@pytest.fixture
def quarter_round(personas, org, on_march_31):
    return mass_round_create(
        actor=personas.sam, organization=org.branch_1, kind=MassRoundKind.QUARTER, year=2026, period=1
    )


@pytest.fixture
def closed_round(personas, org, quarter_round):
    """第一党支部 满意 (2 S, 1 B); 李建国 不满意 (3 U); the other members 基本满意 (1 S, 2 B)."""
    marks = {label: [S, B, B] for label in MEMBERS}
    marks["第一党支部"] = [S, S, B]
    marks["李建国"] = [U, U, U]
    vote_and_close(quarter_round, personas.sam, marks)
    return quarter_round


@pytest.fixture
def other_secretary(org):
    user = UserFactory(username="tian")
    role_assign(user=user, role=Role.BRANCH_SECRETARY, organization=org.branch_2)
    return user


# ---- Rounds ------------------------------------------------------------------------------------------------------


def test_a_secretary_creates_a_quarter_round_of_the_branch_with_its_members_as_subjects(personas, org, on_march_31):
    client = _client(personas.sam)

    response = client.post(
        reverse("reviews:mass_create"),
        {"organization": org.branch_1.pk, "kind": "quarter", "year": 2026, "quarter": 1, "half": ""},
    )

    mass_round = MassEvaluationRound.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("reviews:mass_detail", args=[mass_round.pk])
    assert (mass_round.organization, mass_round.kind, mass_round.period) == (org.branch_1, "quarter", 1)
    page = _text(client.get(response["Location"]))
    assert "第一党支部2026年第一季度群众评议" in page
    for name in MEMBERS:
        assert name in page
    assert reverse("reviews:detail", args=[mass_round.poll_id]) in page


def test_a_quarter_round_without_its_quarter_is_refused_in_chinese_and_the_input_is_kept(personas, org):
    response = _client(personas.sam).post(
        reverse("reviews:mass_create"), {"organization": org.branch_1.pk, "kind": "quarter", "year": 2031}
    )

    assert response.status_code == 200 and not MassEvaluationRound.objects.exists()
    page = _text(response)
    assert "季度评议须选择第 1 至 4 季度。" in page
    assert 'value="2031"' in page


def test_a_second_round_for_the_same_quarter_is_refused_on_the_form(personas, org, quarter_round):
    response = _client(personas.sam).post(
        reverse("reviews:mass_create"),
        {"organization": org.branch_1.pk, "kind": "quarter", "year": 2026, "quarter": 1},
    )

    assert response.status_code == 200 and "本期群众评议已经建立" in _text(response)
    assert MassEvaluationRound.objects.count() == 1


def test_the_create_form_offers_only_the_organisations_one_organises_and_no_party_group(personas, org):
    page = _text(_client(personas.sam).get(reverse("reviews:mass_create")))

    assert "第一党支部" in page
    assert "第一党小组" not in page and "第二党支部" not in page and "第一党总支" not in page
    assert "整改复评" not in page.split('name="kind"')[1].split("</select>")[0]


def test_the_list_shows_the_rounds_in_scope_and_filters_by_year_and_kind(personas, org, quarter_round):
    chief = personas.chief
    mass_round_create(actor=chief, organization=org.branch_2, kind=MassRoundKind.YEAR_END, year=2025)

    mine = _text(_client(personas.sam).get(reverse("reviews:mass_list")))
    everything = _client(chief).get(reverse("reviews:mass_list"), {"year": 2025, "kind": "year_end"})

    assert "第一党支部2026年第一季度群众评议" in mine and "第二党支部" not in mine
    assert "第二党支部2025年度群众评议总评" in _text(everything) and "第一季度" not in _text(everything)


def test_the_pages_are_for_organisers_and_a_round_elsewhere_does_not_exist(personas, other_secretary, closed_round):
    rectification = Rectification.objects.get()
    assert _client(personas.alice).get(reverse("reviews:mass_list")).status_code == 403
    assert _client(personas.alice).get(reverse("reviews:mass_rectifications")).status_code == 403
    outsider = _client(other_secretary)
    for name in ("mass_detail", "mass_results", "mass_statistics", "mass_publication", "mass_publication_pdf"):
        assert outsider.get(reverse(f"reviews:{name}", args=[closed_round.pk])).status_code == 404, name
    assert outsider.get(reverse("reviews:mass_rectification", args=[rectification.pk])).status_code == 404
    response = outsider.post(
        reverse("reviews:mass_activity_add", args=[closed_round.pk]),
        {
            "activity-organization": closed_round.organization_id,
            "activity-kind": "visit",
            "activity-held_on": "2026-03-20",
            "activity-count": 2,
        },
    )
    assert response.status_code == 404 and not MassActivity.objects.exists()
    assert "第一党支部" not in _text(outsider.get(reverse("reviews:mass_list")))


def test_the_menu_shows_mass_evaluation_to_secretaries_and_officers_only(personas):
    assert reverse("reviews:mass_list") in _text(_client(personas.sam).get(reverse("home")))
    assert reverse("reviews:mass_list") not in _text(_client(personas.alice).get(reverse("home")))


# ---- What is recorded besides the ballots ------------------------------------------------------------------------


def test_activities_self_introductions_and_public_services_are_recorded_and_deleted_on_the_round_page(
    personas, org, quarter_round
):
    client = _client(personas.sam)
    detail = reverse("reviews:mass_detail", args=[quarter_round.pk])

    response = client.post(
        reverse("reviews:mass_activity_add", args=[quarter_round.pk]),
        {
            "activity-organization": org.branch_1.pk,
            "activity-kind": "visit",
            "activity-held_on": "2026-03-20",
            "activity-count": 5,
            "activity-note": "走访服务对象",
        },
    )
    assert response.status_code == 302 and response["Location"] == detail + "#activities"
    client.post(
        reverse("reviews:mass_introductions", args=[quarter_round.pk]),
        {"intro-people": [personas.people.alice.pk, personas.people.bob.pk]},
    )
    client.post(
        reverse("reviews:mass_service_add", args=[quarter_round.pk]),
        {"service-organization": org.branch_1.pk, "service-title": "帮助社区修缮路灯", "service-done_on": "2026-03-25"},
    )

    activity = MassActivity.objects.get()
    assert (activity.kind, activity.count, activity.note) == ("visit", 5, "走访服务对象")
    assert set(SelfIntroduction.objects.values_list("person_id", flat=True)) == {
        personas.people.alice.pk,
        personas.people.bob.pk,
    }
    page = _text(client.get(detail))
    assert "走访调研" in page and "帮助社区修缮路灯" in page and "已勾选 2 人" in page
    assert 'data-confirm="确定删除这条记录吗？"' in page

    client.post(reverse("reviews:mass_activity_delete", args=[quarter_round.pk, activity.pk]))
    client.post(reverse("reviews:mass_service_delete", args=[quarter_round.pk, PublicServiceItem.objects.get().pk]))
    client.post(reverse("reviews:mass_introductions", args=[quarter_round.pk]), {})

    assert not MassActivity.objects.exists() and not PublicServiceItem.objects.exists()
    assert not SelfIntroduction.objects.exists()


def test_an_activity_without_a_count_is_refused_and_the_input_is_kept(personas, org, quarter_round):
    response = _client(personas.sam).post(
        reverse("reviews:mass_activity_add", args=[quarter_round.pk]),
        {
            "activity-organization": org.branch_1.pk,
            "activity-kind": "forum",
            "activity-held_on": "2026-03-20",
            "activity-count": 0,
            "activity-note": "与社区代表座谈",
        },
    )

    assert response.status_code == 400 and not MassActivity.objects.exists()
    page = _text(response)
    assert "与社区代表座谈" in page and "2026-03-20" in page


def test_the_subjects_show_their_public_commitment_and_its_fulfilment(personas, org, quarter_round):
    sam = personas.sam
    commitment = records.commitment_make(
        actor=sam,
        year=2026,
        branch=org.branch_1,
        person=personas.people.bob,
        content="每月为群众办一件实事",
        made_on=datetime.date(2026, 1, 5),
    )
    records.commitment_update_fulfilment(
        actor=sam, commitment=commitment, fulfilment="fulfilled", evidence="办事记录 3 份"
    )

    page = _text(_client(sam).get(reverse("reviews:mass_detail", args=[quarter_round.pk])))

    row = page.split("李建国")[1].split("</tr>")[0]
    assert "每月为群众办一件实事" in row and "已兑现" in row
    assert "未作公开承诺" in page.split("张小丽")[1].split("</tr>")[0]


# ---- Results -----------------------------------------------------------------------------------------------------


def test_results_statistics_and_publication_are_hidden_before_the_round_closes(personas, quarter_round):
    client = _client(personas.sam)
    poll_codes_issue(actor=personas.sam, poll=quarter_round.poll, count=3)
    poll_open(actor=personas.sam, poll=quarter_round.poll)

    for name in ("mass_results", "mass_statistics", "mass_publication"):
        response = client.get(reverse(f"reviews:{name}", args=[quarter_round.pk]))
        assert response.status_code == 200 and "投票结束后才能查看结果。" in _text(response), name
        assert "满意率" not in _text(response).split("</nav>", 1)[1]
    assert client.get(reverse("reviews:mass_results", args=[quarter_round.pk]), {"export": "xlsx"})[
        "Content-Type"
    ].startswith("text/html")


def test_results_show_counts_rate_verdict_aspects_and_commitment_and_excel_has_the_same(personas, org, closed_round):
    records.commitment_make(
        actor=personas.sam,
        year=2026,
        branch=org.branch_1,
        content="建设服务型党支部",
        made_on=datetime.date(2026, 1, 5),
    )
    client = _client(personas.sam)
    url = reverse("reviews:mass_results", args=[closed_round.pk])

    page = _text(client.get(url))
    workbook = load_workbook(BytesIO(client.get(url, {"export": "xlsx"}).content))

    branch_row = page.split('<th scope="row">第一党支部')[1].split("</tr>")[0]
    assert "66.67%" not in branch_row and "100.00%" in branch_row and ">满意<" in branch_row
    assert "建设服务型党支部" in branch_row
    bob_row = page.split('<th scope="row">李建国')[1].split("</tr>")[0]
    assert ">不满意<" in bob_row and "0.00%" in bob_row
    table = page.split('id="mass-results"')[1]
    assert table.count('data-bs-toggle="collapse"') == 5 and "立足岗位作表率" in table
    rectification_url = reverse("reviews:mass_rectification", args=[Rectification.objects.get().pk])
    assert "评议为“不满意”，已开启整改" in page and rectification_url in page
    rows = {row[0]: row for row in workbook["评议结果"].iter_rows(min_row=2, values_only=True)}
    assert rows["第一党支部"][3:9] == (3, 2, 1, 0, 100, "满意")
    assert rows["第一党支部"][9] == "建设服务型党支部"
    assert rows["李建国"][3:9] == (3, 0, 0, 3, 0, "不满意")
    assert rows["张小丽"][3:9] == (3, 1, 2, 0, 100, "基本满意")
    aspects = list(workbook["分项评价"].iter_rows(min_row=2, values_only=True))
    assert len(aspects) == 6 + 4 * 5 and ("李建国", "服务群众", 0, 0, 3, 0, "不满意") in aspects


def test_closing_the_rounds_poll_on_the_poll_page_leads_to_the_round_results(personas, quarter_round):
    client = _client(personas.sam)
    poll = quarter_round.poll
    codes = poll_codes_issue(actor=personas.sam, poll=poll, count=1)
    poll_open(actor=personas.sam, poll=poll)
    bob = poll.subjects.get(label="李建国")
    ballot_cast(code=codes[0], answers={(bob.pk, q.pk): U for q in poll.questions.all() if q.applies_to_subject(bob)})

    response = client.post(reverse("reviews:close", args=[poll.pk]))

    assert response["Location"] == reverse("reviews:mass_results", args=[quarter_round.pk])
    assert Rectification.objects.get().subject_label == "李建国"
    poll_results_page = _text(client.get(reverse("reviews:results", args=[poll.pk])))
    assert reverse("reviews:mass_results", args=[quarter_round.pk]) in poll_results_page


def test_the_poll_of_a_round_refuses_subject_and_question_edits_and_links_back(personas, quarter_round):
    client = _client(personas.sam)
    poll = quarter_round.poll
    subject = poll.subjects.first()
    question = poll.questions.first()
    before = (poll.subjects.count(), poll.questions.count())

    responses = [
        client.post(reverse("reviews:subjects_add", args=[poll.pk]), {"label": "某社区"}),
        client.post(reverse("reviews:subject_remove", args=[poll.pk, subject.pk])),
        client.post(reverse("reviews:question_add", args=[poll.pk]), {"text": "x", "kind": "satisfaction"}),
        client.post(reverse("reviews:question_remove", args=[poll.pk, question.pk])),
    ]

    assert {r["Location"] for r in responses} == {reverse("reviews:mass_detail", args=[quarter_round.pk])}
    assert (poll.subjects.count(), poll.questions.count()) == before
    page = _text(client.get(reverse("reviews:detail", args=[poll.pk])))
    assert reverse("reviews:mass_detail", args=[quarter_round.pk]) in page
    assert reverse("reviews:subjects_add", args=[poll.pk]) not in page


# ---- Statistics sheet and publication ----------------------------------------------------------------------------


def _sheet_rows(response) -> list:
    return list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))


def test_the_statistics_sheet_page_and_excel_show_the_figures_of_the_statistics_sheet(personas, org, on_march_31):
    chief = personas.chief
    mass_round = mass_round_create(
        actor=chief, organization=org.committee, kind=MassRoundKind.HALF_YEAR, year=2026, period=1
    )
    day = datetime.date(2026, 3, 20)
    for organization, kind, count in [
        (org.branch_1, MassActivity.Kind.MEETING, 1),
        (org.branch_1, MassActivity.Kind.VISIT, 5),
        (org.branch_2, MassActivity.Kind.TALK, 8),
        (org.branch_1, MassActivity.Kind.FORUM, 2),
        (org.branch_2, MassActivity.Kind.OPINION_FORM, 30),
        (org.branch_1, MassActivity.Kind.LEADER_REPORT, 1),
        (org.branch_2, MassActivity.Kind.UPPER_ATTENDANCE, 2),
    ]:
        activity_record(
            actor=chief, mass_round=mass_round, organization=organization, kind=kind, held_on=day, count=count
        )
    public_service_record(actor=chief, mass_round=mass_round, organization=org.branch_2, title="送医上门", done_on=day)
    self_introductions_set(
        actor=chief, mass_round=mass_round, person_ids={personas.people.alice.pk, personas.people.wang.pk}
    )
    marks = {label: [S, B, U] for label in mass_round.poll.subjects.values_list("label", flat=True)}
    marks["王芳"] = [U, U, B]
    vote_and_close(mass_round, chief, marks)
    client = _client(chief)
    url = reverse("reviews:mass_statistics", args=[mass_round.pk])

    for organization in (org.committee, org.general_2):
        sheet = statistics_sheet(mass_round, organization)
        page = _text(client.get(url, {"organization": organization.pk}))
        xlsx = client.get(url, {"organization": organization.pk, "export": "xlsx"})

        expected = [(item, str(label), value) for item, label, value in sheet_figures(sheet)]
        rows = _sheet_rows(xlsx)
        assert rows[0] == ("序号", "项目", "数值") and rows[1] == (None, "填报单位", organization.name)
        assert rows[4:] == expected
        assert f"填报单位：{organization.name}" in page and "填报时间：2026年3月31日" in page
        item_1 = page.split('id="item-1"')[1].split("</p>")[0]
        figures = [part.split("<")[0] for part in item_1.split('px-2">')[1:]]
        assert figures == [str(value) for item, _label, value in expected if item == 1]
    whole = statistics_sheet(mass_round, org.committee)
    assert (whole.meetings, whole.visits, whole.talks, whole.forums, whole.opinion_forms) == (1, 5, 8, 2, 30)
    assert (whole.leader_reports, whole.upper_attendance, whole.self_introductions, whole.public_services) == (
        1,
        2,
        2,
        1,
    )
    page = _text(client.get(url))
    assert "data-print" in page and "对应数量分别为" in page


def test_the_publication_list_shows_each_subject_with_result_and_rate_and_the_pdf_reads_the_same(
    personas, closed_round, tmp_path
):
    client = _client(personas.sam)

    page = _text(client.get(reverse("reviews:mass_publication", args=[closed_round.pk])))
    pdf = client.get(reverse("reviews:mass_publication_pdf", args=[closed_round.pk]))

    publication = page.split('id="publication"')[1]
    assert "第一党支部2026年第一季度群众评议" in publication and "2026年3月31日" in publication
    assert '李建国</td><td>党员</td><td class="text-center">不满意</td><td class="text-end">0.00%' in publication
    assert "data-print" in page
    assert pdf["Content-Type"] == "application/pdf"
    text = pdf_text(pdf.content, tmp_path)
    assert "群众评议结果公开" in text and "李建国党员不满意0.00%" in text and "第一党支部党组织满意100.00%" in text


def test_a_round_below_the_minimum_turnout_publishes_nothing(personas, quarter_round):
    vote_and_close(quarter_round, personas.sam, {"第一党支部": [S]}, codes=3)
    client = _client(personas.sam)

    page = _text(client.get(reverse("reviews:mass_publication", args=[quarter_round.pk])))

    assert "投票率不足，评议结果无效，不予公开。" in page
    assert client.get(reverse("reviews:mass_publication_pdf", args=[quarter_round.pk])).status_code == 302
    assert 'id="turnout-invalid"' in _text(client.get(reverse("reviews:mass_statistics", args=[quarter_round.pk])))


# ---- Rectifications ----------------------------------------------------------------------------------------------


def test_the_rectification_plan_is_saved_and_completion_needs_measures_and_evidence(personas, closed_round):
    rectification = Rectification.objects.get()
    client = _client(personas.sam)
    url = reverse("reviews:mass_rectification", args=[rectification.pk])

    refused = client.post(reverse("reviews:mass_rectification_complete", args=[rectification.pk]))
    assert refused["Location"] == url
    assert "请先填写：整改措施、整改佐证。" in _text(client.get(url))
    late = client.post(
        reverse("reviews:mass_rectification_plan", args=[rectification.pk]),
        {"deadline": "2026-07-15", "measures": "每周走访", "evidence": ""},
    )
    assert late.status_code == 400 and "整改期限不能晚于复评日期 2026-06-30。" in _text(late)
    assert "每周走访" in _text(late)
    client.post(
        reverse("reviews:mass_rectification_plan", args=[rectification.pk]),
        {"deadline": "2026-04-20", "measures": "每周走访服务对象", "evidence": "走访记录 4 份"},
    )
    client.post(reverse("reviews:mass_rectification_complete", args=[rectification.pk]))

    rectification.refresh_from_db()
    assert (rectification.deadline, rectification.status) == (datetime.date(2026, 4, 20), Rectification.Status.DONE)
    page = _text(client.get(url))
    assert "整改完成，待复评" in page and "走访记录 4 份" in page and 'name="measures"' not in page


def test_a_second_failure_asks_for_the_organisational_talk_on_its_page(personas, org, closed_round, on_march_31):
    sam = personas.sam
    first = Rectification.objects.get()
    rectification_update(
        actor=sam, rectification=first, deadline=datetime.date(2026, 4, 30), measures="走访", evidence="记录"
    )
    rectification_complete(actor=sam, rectification=first)
    on_march_31.move_to(datetime.datetime(2026, 7, 1, 10, 0))
    client = _client(sam)
    client.post(reverse("reviews:mass_reevaluate"), {"organization": org.branch_1.pk, "rectifications": [first.pk]})
    again = MassEvaluationRound.objects.get(kind=MassRoundKind.REEVALUATION)
    [second] = vote_and_close(again, sam, {"李建国": [U, U]})
    url = reverse("reviews:mass_rectification", args=[second.pk])

    page = _text(client.get(url))
    assert "须先记录组织谈话" in page and 'name="talk-content"' in page
    response = client.post(
        reverse("reviews:mass_rectification_talk", args=[second.pk]),
        {"talk-talked_on": "2026-07-01", "talk-talked_by": "孙明", "talk-content": "指出问题，提出要求"},
    )

    assert response["Location"] == url
    page = _text(client.get(url))
    assert "指出问题，提出要求" in page and 'name="talk-content"' not in page
    assert reverse("reviews:mass_rectification", args=[first.pk]) in page
    first_page = _text(client.get(reverse("reviews:mass_rectification", args=[first.pk])))
    assert "复评仍不满意" in first_page and url in first_page


def test_a_reevaluation_round_is_offered_and_created_only_once_its_date_has_come(
    personas, org, closed_round, on_march_31
):
    rectification = Rectification.objects.get()
    client = _client(personas.sam)
    listing = reverse("reviews:mass_rectifications")
    data = {"organization": org.branch_1.pk, "rectifications": [rectification.pk]}

    assert "建立整改复评" not in _text(client.get(listing))
    client.post(reverse("reviews:mass_reevaluate"), data)
    assert not MassEvaluationRound.objects.filter(kind=MassRoundKind.REEVALUATION).exists()

    on_march_31.move_to(datetime.datetime(2026, 6, 30, 10, 0))
    client = _client(personas.sam)
    assert "建立整改复评" in _text(client.get(listing))
    response = client.post(reverse("reviews:mass_reevaluate"), data)

    again = MassEvaluationRound.objects.get(kind=MassRoundKind.REEVALUATION)
    assert response["Location"] == reverse("reviews:mass_detail", args=[again.pk])
    assert list(again.poll.subjects.values_list("label", flat=True)) == ["李建国"]
    # A rectification being re-evaluated is not offered a second round.
    assert "建立整改复评" not in _text(client.get(listing))
    assert again.poll.title in _text(client.get(reverse("reviews:mass_rectification", args=[rectification.pk])))
    client.post(reverse("reviews:mass_reevaluate"), data)
    assert MassEvaluationRound.objects.filter(kind=MassRoundKind.REEVALUATION).count() == 1


def test_the_rectification_list_puts_overdue_ones_first_and_filters_by_status(personas, org, on_march_31):
    chief = personas.chief
    mass_round = mass_round_create(actor=chief, organization=org.committee, kind=MassRoundKind.YEAR_END, year=2026)
    vote_and_close(mass_round, chief, {"第二党支部": [U], "张小丽": [U], "王芳": [U]})
    by_label = {r.subject_label: r for r in Rectification.objects.all()}
    for label, deadline in (("王芳", datetime.date(2026, 4, 10)), ("第二党支部", datetime.date(2026, 4, 12))):
        rectification_update(
            actor=chief, rectification=by_label[label], deadline=deadline, measures="整改", evidence="材料"
        )
    rectification_complete(actor=chief, rectification=by_label["王芳"])
    on_march_31.move_to(datetime.datetime(2026, 4, 15, 10, 0))
    client = _client(chief)

    page = _text(client.get(reverse("reviews:mass_rectifications")))
    done_only = _text(client.get(reverse("reviews:mass_rectifications"), {"status": "done"}))

    # 第二党支部 is past its deadline: before 王芳 (done, earlier deadline) and 张小丽 (open, deadline 4-30).
    table = page.split('id="rectifications"')[1]
    assert table.index("第二党支部") < table.index("王芳") < table.index("张小丽")
    assert table.count("已逾期") == 1
    done_table = done_only.split('id="rectifications"')[1]
    assert "王芳" in done_table and "张小丽" not in done_table and "第二党支部" not in done_table


def test_the_home_page_of_the_secretary_shows_an_overdue_rectification(personas, closed_round, on_march_31):
    rectification = Rectification.objects.get()
    client = _client(personas.sam)
    assert 'id="card-rectifications"' not in _text(client.get(reverse("home")))

    on_march_31.move_to(datetime.datetime(2026, 5, 1, 10, 0))
    page = _text(_client(personas.sam).get(reverse("home")))

    card = page.split('id="card-rectifications"')[1].split("</div></div>")[0]
    assert "李建国" in card and "整改期限 2026-04-30 已过" in card
    assert reverse("reviews:mass_rectification", args=[rectification.pk]) in card
    assert 'id="card-rectifications"' not in _text(_client(personas.alice).get(reverse("home")))


def test_the_ballot_shows_each_subjects_public_commitment_and_asks_for_a_choice_not_a_score(
    personas, org, quarter_round
):
    records.commitment_make(
        actor=personas.sam,
        year=2026,
        branch=org.branch_1,
        person=personas.people.bob,
        content="每季度至少为群众办一件实事",
        made_on=datetime.date(2026, 2, 1),
    )
    [code] = poll_codes_issue(actor=personas.sam, poll=quarter_round.poll, count=1)
    poll_open(actor=personas.sam, poll=quarter_round.poll)

    page = _text(Client().post(reverse("vote:start"), {"code": code}))

    assert "每季度至少为群众办一件实事" in page and "未开始" in page
    assert "请对每个对象逐题选择一项评价" in page and "0 到 100" not in page
