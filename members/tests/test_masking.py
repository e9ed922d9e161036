"""ID and phone numbers are masked unless the role needs them (DOMAIN.md §0), on screen and in exports."""

from io import BytesIO

import openpyxl
from django.urls import reverse

from members.permissions import mask_id_number, mask_phone


def _alice_row(client):
    response = client.get(reverse("members:list") + "?q=张小丽")
    [alice] = response.context["page_obj"].object_list
    return alice.shown_id_number, alice.shown_phone


def test_masks_keep_only_the_ends():
    assert mask_id_number("110101199001011237") == "110101********1237"
    assert mask_phone("13800001111") == "138****1111"


def test_unit_head_and_leader_see_masked_numbers(client, personas):
    for user in (personas.bob, personas.lin):
        client.force_login(user)
        assert _alice_row(client) == ("110101********1237", "138****1111")


def test_secretary_officer_and_the_person_see_the_numbers(client, personas):
    for user in (personas.sam, personas.olga, personas.alice):
        client.force_login(user)
        assert _alice_row(client) == ("110101199001011237", "13800001111")


def test_export_masks_like_the_screen(client, personas):
    client.force_login(personas.bob)
    content = client.get(reverse("members:list") + "?q=张小丽&export=xlsx").content
    sheet = openpyxl.load_workbook(BytesIO(content)).active
    header = [c.value for c in sheet[1]]
    row = [c.value for c in sheet[2]]
    assert row[header.index("身份证号")] == "110101********1237"
    assert row[header.index("手机号")] == "138****1111"
    assert "110101199001011237" not in str([[c.value for c in r] for r in sheet.iter_rows()])


def test_person_detail_masks_for_the_unit_head(client, personas):
    client.force_login(personas.bob)
    html = client.get(reverse("members:detail", args=[personas.people.alice.pk])).content.decode()
    assert "110101********1237" in html and "110101199001011237" not in html
