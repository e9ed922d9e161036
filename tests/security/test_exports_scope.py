"""Exports hold only the jurisdiction's people (RELIABILITY.md R3; DOMAIN.md §1 scopes, §8 reports), read row by
row: the xlsx parsed with openpyxl, the PDFs through pdftotext.

Two jurisdictions of the matrix world (tests/security/permission_matrix_world.py): 欧阳静 is the officer of
办公室 and 第一党总支, 陶然 of 宣传部 and 第二党总支, and each side has its branch secretary. Every page of the
permission matrix that the role may open is asked for its xlsx (`?export=xlsx`); whatever comes back as a
workbook or a PDF (the PDF views, the report download) is searched for the names of everyone outside the role's
scope (members.models.Person.objects.visible_to).
"""

from io import BytesIO

import pytest
from django.db.models import Q
from django.urls import reverse
from openpyxl import load_workbook

from branches.models import PartyOrganization, Unit
from core.exports import XLSX_CONTENT_TYPE, Sheet, write_workbook
from members.models import Person
from members.tests.pdfs import pdf_text
from tests.security import permission_matrix_world
from tests.security.permission_matrix import ROLES, ROWS
from tests.security.permission_matrix_world import ROLE_USERS, play, url_for

world = permission_matrix_world.world

# Each role of a jurisdiction, and the other jurisdiction whose people its files must not name: (unit, party
# organisation) roots of that side.
JURISDICTIONS = {
    "officer": ("publicity", "general_2"),
    "secretary": ("publicity", "general_2"),
    "officer_other": ("office", "general_1"),
    "secretary_other": ("office", "general_1"),
}
LEDGER_KINDS = ("floating", "hardship", "elderly", "activists", "new")

# People of the other side a file may name, by the URL name of the page it came from, and why.
ALLOWED = {
    # The letter moving 调出者 from 第一党支部 to 第二党支部 concerns the receiving side as well (its transfers list
    # shows incoming letters, members.transfer_views).
    "members:transfers": {"调出者"},
    "members:transfer_detail": {"调出者"},
    "members:transfer_letter_pdf": {"调出者"},
}
# Files people uploaded (meeting attachments) are not exports of the application.
NOT_EXPORTS = {"branches:attachment_download"}


def _xlsx_text(content: bytes) -> str:
    workbook = load_workbook(BytesIO(content), read_only=True)
    return "\n".join(
        str(value) for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True) for value in row
    )


def _files(w, role: str, tmp_path) -> dict[str, str]:
    """(URL name, url) → text of every workbook and PDF the role can download from the pages of the matrix."""
    files = {}
    column = ROLES.index(role)  # the role's answers in the matrix
    urls = []
    for name, target, method, answers in ROWS:
        if method == "GET" and answers.split()[column] == "200" and name not in NOT_EXPORTS:
            url = url_for(w, name, target)
            urls.append((name, url + ("&" if "?" in url else "?") + "export=xlsx"))
    if answers_of(role, "members:ledger") == "200":
        urls += [("members:ledger", reverse("members:ledger", args=[kind]) + "?export=xlsx") for kind in LEDGER_KINDS]
    for name, url in urls:
        response = play(w, role, "GET", url)
        content_type = response.get("Content-Type", "")
        if response.status_code != 200:
            continue
        body = b"".join(response.streaming_content) if response.streaming else response.content
        if content_type.startswith(XLSX_CONTENT_TYPE):
            files[name, url] = _xlsx_text(body)
        elif content_type.startswith("application/pdf"):
            files[name, url] = pdf_text(body, tmp_path)
    return files


def answers_of(role: str, url_name: str) -> str | None:
    column = ROLES.index(role)
    return next((answers.split()[column] for name, _t, _m, answers in ROWS if name == url_name), None)


def _people_of(unit: Unit, organization: PartyOrganization) -> set[str]:
    units = Unit.objects.subtree_ids({unit.pk})
    organizations = PartyOrganization.objects.subtree_ids({organization.pk})
    people = Person.objects.filter(Q(unit_id__in=units) | Q(membership__branch_id__in=organizations))
    return set(people.values_list("name", flat=True))


@pytest.mark.parametrize("role", JURISDICTIONS)
def test_every_export_the_role_can_download_names_only_people_in_its_scope(world, db, role, tmp_path):
    """The organ's leadership (赵书记, 周局长, 何副局长) may appear as who signed, opened or stood in; the people of
    the other jurisdiction may not."""
    user = getattr(world, ROLE_USERS[role])
    unit, organization = (getattr(world, root) for root in JURISDICTIONS[role])
    foreign = _people_of(unit, organization) - set(Person.objects.visible_to(user).values_list("name", flat=True))
    assert foreign
    files = _files(world, role, tmp_path)
    # Workbooks from the lists, the report download and the PDFs: enough that an empty result cannot pass.
    assert len(files) >= 10, sorted(files)
    leaks = _leaks(files, foreign)
    assert not leaks, f"{role} ({user.username}) downloads people outside its scope: {leaks}"


def _leaks(files: dict[tuple[str, str], str], foreign: set[str]) -> dict[str, list[str]]:
    found = {
        url: sorted(person for person in foreign - ALLOWED.get(name, set()) if person in text)
        for (name, url), text in files.items()
    }
    return {url: people for url, people in found.items() if people}


def test_the_check_finds_a_foreign_row_in_a_workbook():
    """A test of the test: a workbook row naming someone of the other jurisdiction is reported, an allowed one not."""
    buffer = BytesIO()
    write_workbook([Sheet("名单", ["姓名"], [["张小丽"], ["王芳"]])], buffer)
    files = {("members:list", "/members/?export=xlsx"): _xlsx_text(buffer.getvalue())}
    assert _leaks(files, {"王芳", "调出者"}) == {"/members/?export=xlsx": ["王芳"]}
    assert _leaks({("members:transfers", "/t"): "调出者"}, {"调出者"}) == {}
