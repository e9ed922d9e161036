"""The pages of the yearly party-review records (DOMAIN.md §7): commitments, commentaries, star ratings and
secretaries' reports — create, list, export, and 404 outside the user's scope."""

import datetime
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from branches.committees import committee_term_record
from reviews.commentary import ITEMS
from reviews.models import CommentaryLevel, LeaderCommentary, PublicCommitment, SecretaryReport, StarRating
from reviews.records import commentary_record, commitment_make, secretary_report_save, star_rating_set

D = datetime.date


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime.datetime(2026, 6, 15, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        yield


@pytest.fixture
def committees(personas, org):
    p = personas.people
    committee_term_record(
        organization=org.branch_1,
        elected_on=D(2025, 1, 10),
        members=[(p.sam, "secretary"), (p.alice, "organization")],
        by=personas.sam,
    )
    committee_term_record(organization=org.branch_2, elected_on=D(2025, 1, 10), members=[(p.wang, "secretary")],
                          by=personas.chief)  # fmt: skip


@pytest.fixture
def elsewhere(personas, org, committees):
    """Records of 第二党支部, outside the secretary of 第一党支部's and the officer of 第一党总支's scope."""
    wang = personas.people.wang
    return {
        "commitment": commitment_make(actor=personas.chief, year=2026, branch=org.branch_2, person=wang,
                                      content="外支部承诺", made_on=D(2026, 1, 2)),
        "commentary": commentary_record(
            actor=personas.chief, year=2026, level=CommentaryLevel.UPPER_ON_BRANCH, branch=org.branch_2,
            commentator_name="某领导", commented_on=D(2026, 6, 1), items=_items("upper_on_branch"), improvements="x",
        ),
        "rating": star_rating_set(actor=personas.chief, year=2026, branch=org.branch_2, person=wang, stars=4,
                                  reasons="外支部"),
        "report": secretary_report_save(actor=personas.chief, year=2025, branch=org.branch_2, secretary=wang,
                                        report="外支部述职"),
    }  # fmt: skip


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _items(level: str) -> dict[str, str]:
    return {item.key: f"{item.label}良好" for item in ITEMS[level]}


def _sheet_text(response) -> str:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(response.content)).active
    return "\n".join(" ".join(str(v) for v in row if v is not None) for row in sheet.iter_rows(values_only=True))


# ---- Commitments -------------------------------------------------------------------------------------------------


def test_the_secretary_records_a_commitment_and_its_fulfilment_lists_and_exports(personas, org, elsewhere):
    client = _client(personas.sam)
    url = reverse("reviews:records_commitment_create")
    response = client.post(
        url,
        {"year": 2026, "branch": org.branch_1.pk, "person": personas.people.bob.pk, "content": "每季度走访群众",
         "made_on": "2026-01-06"},
    )  # fmt: skip
    assert response.status_code == 302
    commitment = PublicCommitment.objects.get(person=personas.people.bob)

    fulfilment = reverse("reviews:records_commitment_fulfilment", args=[commitment.pk])
    refused = client.post(fulfilment, {"fulfilment": "fulfilled", "fulfilment_note": "", "evidence": ""})
    assert refused.status_code == 400 and "须附佐证材料" in refused.content.decode()
    client.post(fulfilment, {"fulfilment": "fulfilled", "evidence": "走访记录4份"})
    commitment.refresh_from_db()
    assert commitment.fulfilment == "fulfilled"

    page = client.get(reverse("reviews:records_commitments"), {"year": 2026, "q": "ljg"}).content.decode()
    assert "每季度走访群众" in page and "已兑现" in page and "外支部承诺" not in page
    export = _sheet_text(client.get(reverse("reviews:records_commitments"), {"export": "xlsx"}))
    assert "每季度走访群众" in export and "走访记录4份" in export and "外支部承诺" not in export


def test_a_member_writes_their_own_commitment_but_not_its_fulfilment(personas, org):
    client = _client(personas.alice)
    assert client.get(reverse("reviews:records_commitment_create")).status_code == 200
    client.post(
        reverse("reviews:records_commitment_create"), {"year": 2026, "content": "带头学习", "made_on": "2026-01-05"}
    )
    own = PublicCommitment.objects.get()
    assert (own.person, own.branch) == (personas.people.alice, org.branch_1)

    assert "带头学习" in client.get(reverse("reviews:records_commitments")).content.decode()
    edit = reverse("reviews:records_commitment_edit", args=[own.pk])
    client.post(edit, {"content": "带头学习，每月一本书", "made_on": "2026-01-05"})
    own.refresh_from_db()
    assert own.content == "带头学习，每月一本书"
    assert client.get(reverse("reviews:records_commitment_fulfilment", args=[own.pk])).status_code == 403
    assert client.get(reverse("reviews:records_commentaries")).status_code == 403
    # Someone who is no party member has no commitment to write.
    assert _client(personas.lin).get(reverse("reviews:records_commitment_create")).status_code == 403


# ---- Leader commentary -------------------------------------------------------------------------------------------


def test_the_commentary_form_asks_the_listed_items_of_the_chosen_level(personas, org, committees):
    client = _client(personas.sam)
    url = reverse("reviews:records_commentary_create")
    first = client.get(url).content.decode()
    assert "支委委员点评党员" in first and "履行岗位职责情况" not in first

    query = f"?level=committee_on_member&branch={org.branch_1.pk}"
    form = client.get(url + query).content.decode()
    assert all(str(item.label) in form for item in ITEMS[CommentaryLevel.COMMITTEE_ON_MEMBER])
    assert "推动科学发展情况" not in form

    data = {"year": 2026, "person": personas.people.bob.pk, "commentator": personas.people.alice.pk,
            "commentator_post": "", "commented_on": "2026-06-10", "strengths": "踏实",
            "improvements": "多学习"}  # fmt: skip
    data |= {f"item_{key}": text for key, text in _items("committee_on_member").items()}
    incomplete = client.post(url + query, {**data, "item_results": ""})
    assert incomplete.status_code == 400 and "以下点评内容未填写：工作成效情况" in incomplete.content.decode()

    response = client.post(url + query, data)
    commentary = LeaderCommentary.objects.get()
    assert response["Location"] == reverse("reviews:records_commentary_detail", args=[commentary.pk])
    detail = client.get(response["Location"]).content.decode()
    assert "服务群众情况良好" in detail and "组织委员" in detail and "多学习" in detail

    listing = client.get(reverse("reviews:records_commentaries"), {"level": "committee_on_member"}).content.decode()
    assert "李建国" in listing
    export = _sheet_text(client.get(reverse("reviews:records_commentaries"), {"export": "xlsx"}))
    assert "工作成效情况：工作成效情况良好" in export and "多学习" in export


def test_the_upper_level_commentary_page_is_for_the_upper_level(personas, org, committees):
    query = f"?level=upper_on_branch&branch={org.branch_1.pk}"
    url = reverse("reviews:records_commentary_create") + query
    assert _client(personas.sam).get(url).status_code == 403
    client = _client(personas.olga)
    data = {"year": 2026, "commentator_name": "张永忠", "commentator_post": "工委副书记", "commented_on": "2026-06-01",
            "improvements": "加强学习"} | {f"item_{k}": v for k, v in _items("upper_on_branch").items()}  # fmt: skip
    assert client.post(url, data).status_code == 302
    commentary = LeaderCommentary.objects.get()
    assert commentary.commentator_name == "张永忠"

    correct = reverse("reviews:records_commentary_correct", args=[commentary.pk])
    assert "更正" in client.get(reverse("reviews:records_commentary_detail", args=[commentary.pk])).content.decode()
    assert _client(personas.sam).get(correct).status_code == 403
    refused = client.post(correct, data | {"improvements": ""})
    kept = next(iter(_items("upper_on_branch").values()))
    assert refused.status_code == 400 and kept in refused.content.decode()  # nothing typed is lost
    assert client.post(correct, data | {"improvements": "更正：加强理论学习"}).status_code == 302
    commentary.refresh_from_db()
    assert (commentary.improvements, commentary.commentator_name) == ("更正：加强理论学习", "张永忠")


# ---- Star rating -------------------------------------------------------------------------------------------------


def test_the_star_rating_page_lists_the_members_with_stars_and_reasons(personas, org, elsewhere):
    client = _client(personas.sam)
    bob = personas.people.bob
    set_url = reverse("reviews:records_star_set", args=[org.branch_1.pk, 2026, bob.pk])
    assert client.post(set_url, {"stars": 4, "reasons": ""}).status_code == 400
    assert client.post(set_url, {"stars": 4, "reasons": "服务群众主动"}).status_code == 302
    client.post(set_url, {"stars": 5, "reasons": "复核：带头作用突出"})
    assert StarRating.objects.get(person=bob).stars == 5

    page = client.get(reverse("reviews:records_stars")).content.decode()
    assert "★★★★★" in page and "复核：带头作用突出" in page and "未评定" in page and "王芳" not in page
    export = _sheet_text(client.get(reverse("reviews:records_stars"), {"branch": org.branch_1.pk, "export": "xlsx"}))
    assert "李建国 ★★★★★ 复核：带头作用突出" in export and "孙明 未评定" in export


# ---- Secretaries' reports ----------------------------------------------------------------------------------------


def test_the_secretary_report_pages(personas, org, elsewhere):
    client = _client(personas.sam)
    start = client.get(reverse("reviews:records_report_start"), {"branch": org.branch_1.pk, "year": 2025})
    form_url = reverse("reviews:records_report_form", args=[org.branch_1.pk, 2025])
    assert start["Location"] == form_url
    form = client.get(form_url).content.decode()
    assert "由上级党组织录入" in form
    assert f'<option value="{personas.people.sam.pk}" selected>孙明</option>' in form  # the secretary in office

    data = {"secretary": personas.people.alice.pk, "report": "支部全年工作……", "reported_to_members_on": "2025-12-26",
            "members_assessment": "satisfied"}  # fmt: skip
    assert "不是第一党支部在任的书记" in client.post(form_url, data).content.decode()
    assert client.post(form_url, {**data, "secretary": personas.people.sam.pk}).status_code == 302
    assert SecretaryReport.objects.get(branch=org.branch_1).members_assessment == "satisfied"

    listing = client.get(reverse("reviews:records_reports")).content.decode()
    assert "孙明" in listing and "满意" in listing and "外支部" not in listing
    export = _sheet_text(client.get(reverse("reviews:records_reports"), {"export": "xlsx"}))
    assert "支部全年工作……" in export

    upper = _client(personas.olga)
    assert "由上级党组织录入" not in upper.get(form_url).content.decode()
    upper.post(form_url, {**data, "secretary": personas.people.sam.pk, "reported_to_upper_on": "2026-01-08",
                          "upper_assessment": "good", "upper_comment": "成效明显"})  # fmt: skip
    assert SecretaryReport.objects.get(branch=org.branch_1).upper_assessment == "good"


# ---- Scope -------------------------------------------------------------------------------------------------------


def test_records_outside_the_scope_are_404_and_the_pages_are_for_record_keepers(personas, org, elsewhere):
    wang = personas.people.wang
    urls = [
        reverse("reviews:records_commitment_edit", args=[elsewhere["commitment"].pk]),
        reverse("reviews:records_commitment_fulfilment", args=[elsewhere["commitment"].pk]),
        reverse("reviews:records_commentary_detail", args=[elsewhere["commentary"].pk]),
        reverse("reviews:records_star_set", args=[org.branch_2.pk, 2026, wang.pk]),
        reverse("reviews:records_report_form", args=[org.branch_2.pk, 2025]),
    ]
    foreign_branch = reverse("reviews:records_commentary_create") + f"?level=upper_on_branch&branch={org.branch_2.pk}"
    for user in (personas.sam, personas.olga):
        client = _client(user)
        for url in urls:
            assert client.get(url).status_code == 404, url
        assert client.post(urls[0], {"content": "改写", "made_on": "2026-01-02"}).status_code == 404
        # A branch outside the scope is not among the choices: the first step is shown again.
        assert "选择一个有效的选项" in client.get(foreign_branch).content.decode()
    chief = _client(personas.chief)
    assert all(chief.get(url).status_code == 200 for url in [*urls, foreign_branch])

    outsider = _client(personas.wang)  # a member of 第二党支部, keeping no records
    for name in ("records_commentaries", "records_stars", "records_reports", "records_report_start"):
        assert outsider.get(reverse(f"reviews:{name}")).status_code == 403
    assert outsider.get(reverse("reviews:records_commitments")).status_code == 200
    assert outsider.get(urls[2]).status_code == 404
