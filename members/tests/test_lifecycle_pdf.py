"""The development record (发展党员全程纪实表) as a PDF, and the renderer's safety: local files only, CJK fonts."""

import datetime

import pytest
import weasyprint
from django.urls import reverse

from core.pdf import StaticFilesURLFetcher, render_pdf
from members.lifecycle import development_step_record
from members.models import DevelopmentStepKind, MembershipStage
from members.tests.pdfs import pdf_text

D = datetime.date


def test_the_development_record_pdf_names_the_person_and_each_recorded_step(client, today, member, personas, tmp_path):
    contacts = [
        member(stage=MembershipStage.FULL, name=n, admitted_on=D(2010, 7, 1), full_on=D(2011, 7, 1)).person
        for n in ("郭培养", "钱联系")
    ]
    activist = member(stage=MembershipStage.ACTIVIST, name="苏纪实", applied_on=D(2024, 10, 1),
                      activist_on=D(2025, 1, 10), id_number="110101199802030041")  # fmt: skip
    development_step_record(membership=activist, step=DevelopmentStepKind.TARGET, taken_on=D(2026, 2, 1),
                            responsible=contacts, opinion="同意列为发展对象", by=personas.sam)  # fmt: skip
    client.force_login(personas.sam)

    response = client.get(reverse("members:development_record_pdf", args=[activist.person_id]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content, tmp_path)
    for expected in (
        "发展党员全程纪实表",
        "苏纪实",
        "递交入党申请书",
        "确定为入党积极分子",
        "列为发展对象",
        "接收为预备党员",
        "预备党员转正",
        "2026.02.01",
        "郭培养",
        "同意列为发展对象",
        "110101199802030041",
    ):
        assert expected in text, expected  # fmt: skip


def test_the_pdf_renderer_embeds_the_serif_cjk_font(db, tmp_path):
    path = tmp_path / "fonts.pdf"
    path.write_bytes(render_pdf("members/pdf/transfer_letter.html", {"transfer": _letter(), "id_number": ""}))
    import subprocess

    fonts = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout
    assert "Noto-Serif-CJK-SC" in fonts
    assert weasyprint.text.ffi.harfbuzz_subset is not None, "install libharfbuzz-subset0 (STACK.md)"


@pytest.mark.parametrize(
    "url",
    ["http://example.com/logo.png", "https://10.0.0.1/x.css", "file:///etc/passwd", "file://host/static/css/x.css"],
)
def test_the_pdf_url_fetcher_refuses_everything_but_the_projects_static_files(url):
    with pytest.raises(ValueError):
        StaticFilesURLFetcher().fetch(url)


def test_the_pdf_url_fetcher_serves_a_static_file(settings):
    url = (settings.BASE_DIR / "static" / "css" / "zhibu.css").as_uri()
    response = StaticFilesURLFetcher().fetch(url)
    assert b"bg-zhibu" in response.read()


def _letter():
    from members.models import Transfer

    return Transfer(name="测试", gender="male", age=30, ethnicity="汉族", party_status="full", from_name="甲",
                    to_name="乙", transferred_on=D(2026, 1, 1), valid_until=D(2026, 2, 1))  # fmt: skip
