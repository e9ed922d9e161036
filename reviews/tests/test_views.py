"""The organiser's poll pages and the participants' vote pages (issue 5 item 1)."""

import base64
import re
from io import BytesIO

import pytest
import segno
from django.contrib import admin
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook
from PIL import Image

from members.tests.pdfs import pdf_text
from reviews.models import Answer, Ballot, Poll, PollQuestion, StagedBallot, VotingCode
from reviews.services import ballot_cast, poll_close, poll_codes_issue, poll_open
from reviews.slips import QUIET_ZONE, SlipsURLFetcher, qr_png_uri
from reviews.tests.conftest import run_score_poll, subjects_and_question

pytestmark = pytest.mark.django_db
CODE_RE = re.compile(r"[A-Z2-9]{5}-[A-Z2-9]{5}")


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _field(subject, question) -> str:
    return f"s{subject.pk}_q{question.pk}"


# ---- Organiser ---------------------------------------------------------------------------------------------------


def test_an_officer_creates_a_poll_sets_it_up_and_gets_the_slips_at_once(personas, org, tmp_path):
    client = _client(personas.chief)
    response = client.post(
        reverse("reviews:create"),
        {"title": "2026年度中层干部民主测评", "kind": "cadre", "owner": f"unit:{org.organ.pk}", "turnout": "2/3"},
    )
    poll = Poll.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("reviews:detail", args=[poll.pk])
    assert (poll.unit, poll.trimmed_mean, poll.turnout_numerator, poll.turnout_denominator) == (org.organ, False, 2, 3)
    client.post(
        reverse("reviews:subjects_add", args=[poll.pk]), {"people": [personas.people.bob.pk], "label": "某科室"}
    )
    client.post(
        reverse("reviews:question_add", args=[poll.pk]), {"text": "综合评价", "kind": "score", "applies_to": "all"}
    )
    assert list(poll.subjects.values_list("label", flat=True)) == ["李建国", "某科室"]

    response = client.post(reverse("reviews:codes_issue", args=[poll.pk]), {"count": 12})

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"] and response["Cache-Control"] == "no-store"
    text = pdf_text(response.content, tmp_path)
    codes = CODE_RE.findall(text)
    assert len(set(codes)) == 12
    assert "扫码或访问http://testserver/vote/输入投票码" in text
    poll_open(actor=personas.chief, poll=poll)
    assert Client().post(reverse("vote:start"), {"code": codes[0]}).status_code == 200
    page = client.get(reverse("reviews:detail", args=[poll.pk])).content.decode()
    assert "不保存投票码本身" in page


def test_the_qr_code_on_a_slip_is_the_vote_address_with_the_code_in_the_fragment():
    text = "http://testserver/vote/#ABCDE-FGHJK"
    uri = qr_png_uri(text)
    # One pixel per module: the image is the symbol segno encodes for that address, quiet zone included.
    image = Image.open(BytesIO(base64.b64decode(uri.removeprefix("data:image/png;base64,")))).convert("1")
    drawn = [[image.getpixel((x, y)) == 0 for x in range(image.width)] for y in range(image.height)]
    expected = [[bool(m) for m in row] for row in segno.make_qr(text, error="m").matrix_iter(border=QUIET_ZONE)]
    assert drawn == expected


def test_the_slips_fetcher_takes_inlined_images_and_no_other_address():
    fetcher = SlipsURLFetcher()
    assert fetcher.fetch(qr_png_uri("x")).headers["Content-Type"] == "image/png"
    for url in ("data:text/html;base64,PGgxPg==", "http://127.0.0.1/x.png", "file:///etc/passwd"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)


def test_the_poll_list_shows_only_polls_in_scope_and_filters_by_status(personas, cadre_poll, mass_poll):
    poll_open(actor=personas.sam, poll=mass_poll)

    chief_page = _client(personas.chief).get(reverse("reviews:list")).content.decode()
    assert cadre_poll.title in chief_page and mass_poll.title in chief_page
    sam_page = _client(personas.sam).get(reverse("reviews:list")).content.decode()
    assert mass_poll.title in sam_page and cadre_poll.title not in sam_page
    open_only = _client(personas.chief).get(reverse("reviews:list"), {"status": "open"}).content.decode()
    assert mass_poll.title in open_only and cadre_poll.title not in open_only


def test_a_poll_outside_ones_scope_does_not_exist_and_non_organisers_are_refused(personas, cadre_poll):
    assert _client(personas.sam).get(reverse("reviews:detail", args=[cadre_poll.pk])).status_code == 404
    assert _client(personas.olga).post(reverse("reviews:open", args=[cadre_poll.pk])).status_code == 404
    assert (
        _client(personas.olga).post(reverse("reviews:codes_issue", args=[cadre_poll.pk]), {"count": 3}).status_code
        == 404
    )
    assert _client(personas.alice).get(reverse("reviews:list")).status_code == 403
    assert _client(personas.bob).get(reverse("reviews:create")).status_code == 403
    assert Client().get(reverse("reviews:list")).status_code == 302  # to the login page
    cadre_poll.refresh_from_db()
    assert cadre_poll.status == Poll.Status.DRAFT and cadre_poll.codes_issued == 0


def test_the_create_form_offers_only_the_units_and_organisations_in_scope(personas, org):
    page = _client(personas.sam).get(reverse("reviews:create")).content.decode()
    assert f'value="org:{org.branch_1.pk}"' in page
    assert f'value="org:{org.branch_2.pk}"' not in page and "unit:" not in page
    response = _client(personas.sam).post(
        reverse("reviews:create"),
        {"title": "评议", "kind": "mass", "owner": f"org:{org.branch_2.pk}", "turnout": "2/3"},
    )
    assert response.status_code == 200 and not Poll.objects.exists()


def test_the_menu_shows_poll_management_to_officers_and_secretaries_only(personas):
    link = f'href="{reverse("reviews:list")}"'  # the whole address: other pages live under /reviews/ too
    assert link in _client(personas.chief).get(reverse("home")).content.decode()
    assert link in _client(personas.sam).get(reverse("home")).content.decode()
    assert link not in _client(personas.alice).get(reverse("home")).content.decode()


def test_unused_codes_are_voided_from_the_page_while_draft(personas, cadre_poll):
    poll_codes_issue(actor=personas.chief, poll=cadre_poll, count=4)

    response = _client(personas.chief).post(reverse("reviews:codes_void", args=[cadre_poll.pk]), follow=True)

    assert "已作废 4 个未使用的投票码" in response.content.decode()
    assert not VotingCode.objects.exists()


def test_the_live_turnout_counts_codes_used_while_open(personas, cadre_poll):
    codes = poll_codes_issue(actor=personas.chief, poll=cadre_poll, count=3)
    poll_open(actor=personas.chief, poll=cadre_poll)
    subjects, question = subjects_and_question(cadre_poll)
    ballot_cast(code=codes[0], answers={(subjects[0].pk, question.pk): "90"})

    fragment = _client(personas.chief).get(reverse("reviews:turnout", args=[cadre_poll.pk])).content.decode()

    assert "已投 <strong>1</strong> / 3" in fragment and 'hx-trigger="every 5s"' in fragment


def test_results_are_hidden_before_close_and_the_page_says_so(personas, cadre_poll):
    poll_codes_issue(actor=personas.chief, poll=cadre_poll, count=3)
    poll_open(actor=personas.chief, poll=cadre_poll)

    response = _client(personas.chief).get(reverse("reviews:results", args=[cadre_poll.pk]))

    page = response.content.decode()
    assert response.status_code == 200 and "投票结束后才能查看结果" in page
    assert "score-results" not in page
    assert (
        _client(personas.chief)
        .get(reverse("reviews:results", args=[cadre_poll.pk]), {"export": "xlsx"})["Content-Type"]
        .startswith("text/html")
    )


def test_closing_asks_for_confirmation_then_shows_the_results(personas, cadre_poll):
    bob = subjects_and_question(cadre_poll)[0][0]
    codes = poll_codes_issue(actor=personas.chief, poll=cadre_poll, count=3)
    poll_open(actor=personas.chief, poll=cadre_poll)
    ballot_cast(code=codes[0], answers={(bob.pk, cadre_poll.questions.get().pk): "90.5"})
    client = _client(personas.chief)

    confirm = client.get(reverse("reviews:close", args=[cadre_poll.pk])).content.decode()
    assert "已投 1 / 3" in confirm and "确认结束投票" in confirm
    cadre_poll.refresh_from_db()
    assert cadre_poll.status == Poll.Status.OPEN

    response = client.post(reverse("reviews:close", args=[cadre_poll.pk]), follow=True)

    page = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("reviews:results", args=[cadre_poll.pk])
    assert "投票率不足，结果无效" in page and "90.50" in page


def test_results_page_and_excel_show_counts_means_and_the_turnout(personas, cadre_poll):
    bob, lin = subjects_and_question(cadre_poll)[0]
    run_score_poll(cadre_poll, personas.chief, [{bob: "90", lin: "80"}, {bob: "85", lin: None}, {bob: "81"}])
    client = _client(personas.chief)

    page = client.get(reverse("reviews:results", args=[cadre_poll.pk])).content.decode()
    assert "投票率达到要求，结果有效" in page and "85.33" in page

    response = client.get(reverse("reviews:results", args=[cadre_poll.pk]), {"export": "xlsx"})
    workbook = load_workbook(BytesIO(response.content))
    rows = list(workbook["测评结果"].iter_rows(values_only=True))
    assert rows[0][:6] == ("测评对象", "题目", "有效票", "弃权票", "无效票", "平均分")
    # Written as exact two-decimal numbers; openpyxl reads numbers back as floats.
    assert rows[1][:6] == ("李建国", "综合评价", 3, 0, 0, 85.33)
    assert rows[2][:6] == ("林志远", "综合评价", 1, 2, 0, 80)
    summary = dict(workbook["概况"].iter_rows(values_only=True))
    assert summary["收回选票"] == 3 and summary["结果是否有效"] == "有效"


def test_satisfaction_results_show_counts_rate_and_verdict(personas, mass_poll):
    branch, alice = subjects_and_question(mass_poll)[0]
    question = mass_poll.questions.get()
    marks = ["satisfied"] * 5 + ["basic"] * 3 + ["unsatisfied"] * 2
    codes = poll_codes_issue(actor=personas.sam, poll=mass_poll, count=10)
    poll_open(actor=personas.sam, poll=mass_poll)
    for code, mark in zip(codes, marks, strict=True):
        ballot_cast(code=code, answers={(branch.pk, question.pk): mark, (alice.pk, question.pk): "unsatisfied"})
    poll_close(actor=personas.sam, poll=mass_poll)

    page = _client(personas.sam).get(reverse("reviews:results", args=[mass_poll.pk])).content.decode()

    assert "satisfaction-results" in page and "80.00%" in page and "满意率 80.00%" in page


def test_admin_does_not_list_codes_or_ballots():
    registered = set(admin.site._registry)
    assert Poll in registered
    assert not registered & {VotingCode, StagedBallot, Ballot, Answer}


# ---- Participants ------------------------------------------------------------------------------------------------


@pytest.fixture
def open_poll(personas, cadre_poll):
    codes = poll_codes_issue(actor=personas.chief, poll=cadre_poll, count=5)
    poll_open(actor=personas.chief, poll=cadre_poll)
    return cadre_poll, codes


def test_a_participant_votes_without_logging_in(open_poll):
    poll, codes = open_poll
    (bob, lin), question = subjects_and_question(poll)
    client = Client(enforce_csrf_checks=True)

    entry = client.get(reverse("vote:start"))
    assert entry.status_code == 200 and "no-store" in entry["Cache-Control"]
    assert "js/vote.js" in entry.content.decode() and "navbar" not in entry.content.decode()
    token = entry.cookies["csrftoken"].value
    ballot_page = client.post(reverse("vote:start"), {"code": codes[0].lower(), "csrfmiddlewaretoken": token})
    page = ballot_page.content.decode()
    assert ballot_page.status_code == 200 and "李建国" in page and "林志远" in page
    response = client.post(
        reverse("vote:submit"),
        {"code": codes[0], "csrfmiddlewaretoken": token, _field(bob, question): "92.5", _field(lin, question): "88"},
    )

    assert response.status_code == 302 and response["Location"] == reverse("vote:thanks")
    assert StagedBallot.objects.get().answers == {
        f"{bob.pk}:{question.pk}": "92.50", f"{lin.pk}:{question.pk}": "88.00"
    }  # fmt: skip
    thanks = client.get(response["Location"]).content.decode()
    assert "投票成功" in thanks and "92.5" not in thanks


def test_vote_pages_refuse_a_post_without_the_csrf_token(open_poll):
    codes = open_poll[1]
    response = Client(enforce_csrf_checks=True).post(reverse("vote:submit"), {"code": codes[0]})
    assert response.status_code == 403
    assert not VotingCode.objects.filter(used=True).exists()


def test_a_used_code_answers_409_with_a_clear_message(open_poll):
    poll, codes = open_poll
    (bob, lin), question = subjects_and_question(poll)
    data = {"code": codes[1], _field(bob, question): "80", _field(lin, question): "80"}
    assert Client().post(reverse("vote:submit"), data).status_code == 302

    again = Client().post(reverse("vote:submit"), data)
    entered_again = Client().post(reverse("vote:start"), {"code": codes[1]})

    for response in (again, entered_again):
        assert response.status_code == 409
        assert "这个投票码已经投过票了" in response.content.decode()
    assert StagedBallot.objects.count() == 1


def test_a_wrong_code_is_explained_and_kept_in_the_field(open_poll):
    response = Client().post(reverse("vote:start"), {"code": "abcde-fghjk"})
    page = response.content.decode()
    assert response.status_code == 200 and "投票码不正确" in page and 'value="abcde-fghjk"' in page


def test_a_poll_not_yet_open_says_so(personas, cadre_poll):
    code = poll_codes_issue(actor=personas.chief, poll=cadre_poll, count=1)[0]
    response = Client().post(reverse("vote:start"), {"code": code})
    assert response.status_code == 409 and "投票尚未开始" in response.content.decode()


def test_a_refused_ballot_keeps_every_answer_typed(open_poll):
    poll, codes = open_poll
    (bob, lin), question = subjects_and_question(poll)

    response = Client().post(
        reverse("vote:submit"), {"code": codes[2], _field(bob, question): "101", _field(lin, question): "77.25"}
    )

    page = response.content.decode()
    assert response.status_code == 200 and "分数不能超过 100" in page
    assert 'value="101"' in page and 'value="77.25"' in page and codes[2] in page
    assert not StagedBallot.objects.exists() and not VotingCode.objects.filter(used=True).exists()


def test_a_subject_marked_in_part_is_confirmed_before_it_counts_as_invalid(personas, cadre_poll):
    integrity = cadre_poll.questions.create(text="廉洁自律", kind=PollQuestion.Kind.SCORE, sort_order=2)
    code = poll_codes_issue(actor=personas.chief, poll=cadre_poll, count=1)[0]
    poll_open(actor=personas.chief, poll=cadre_poll)
    (bob, lin), overall = subjects_and_question(cadre_poll)
    data = {"code": code, _field(bob, overall): "90", _field(lin, overall): "85", _field(lin, integrity): "95"}

    first = Client().post(reverse("vote:submit"), data)

    page = first.content.decode()
    assert first.status_code == 200 and "将作为无效票" in page and "李建国" in page
    assert 'name="confirm_incomplete" value="1"' in page and 'value="85"' in page
    assert not StagedBallot.objects.exists()
    confirmed = Client().post(reverse("vote:submit"), {**data, "confirm_incomplete": "1"})
    assert confirmed.status_code == 302
    poll_close(actor=personas.chief, poll=cadre_poll)
    assert Answer.objects.count() == 3


def test_a_blank_ballot_is_accepted(open_poll):
    codes = open_poll[1]
    assert Client().post(reverse("vote:submit"), {"code": codes[3]}).status_code == 302
    assert StagedBallot.objects.get().answers == {}
