"""The member list: search, filters, pagination, export, and a query count that does not grow with size."""

import datetime
from io import BytesIO

import openpyxl
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.models import Education, Gender, Membership, Person, name_initials


def _add_people(org, count: int) -> None:
    start = Person.objects.count()
    people = [
        Person(
            name=f"批量{start + i}号", name_initials=name_initials(f"批量{start + i}号"), gender=Gender.MALE,
            birth_date=datetime.date(1980, 1, 1), education=Education.UNDERGRADUATE, unit=org.office,
        )
        for i in range(count)
    ]  # fmt: skip
    Person.objects.bulk_create(people, batch_size=2000)
    created = Person.objects.filter(membership__isnull=True, name__startswith="批量")
    Membership.objects.bulk_create(
        [Membership(person=p, stage="full", branch=org.branch_1, admitted_on=datetime.date(2001, 1, 1),
                    full_on=datetime.date(2002, 1, 1)) for p in created],
        batch_size=2000,
    )  # fmt: skip


def _queries_for_list(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("members:list"))
    assert response.status_code == 200
    return len(captured)


def test_member_list_with_10000_members_uses_as_many_queries_as_with_100(client, personas, org):
    client.force_login(personas.chief)
    _add_people(org, 100)
    small = _queries_for_list(client)
    _add_people(org, 9_900)
    assert Person.objects.count() > 10_000
    assert _queries_for_list(client) == small


def test_search_by_pinyin_initials_finds_the_person(client, personas):
    client.force_login(personas.chief)
    response = client.get(reverse("members:list") + "?q=ZXL")
    assert [p.name for p in response.context["page_obj"].object_list] == ["张小丽"]


def test_filters_combine(client, personas, org):
    client.force_login(personas.chief)
    response = client.get(reverse("members:list") + f"?branch={org.branch_2.pk}&gender=male")
    assert list(response.context["page_obj"].object_list) == []
    response = client.get(reverse("members:list") + f"?branch={org.branch_2.pk}&gender=female")
    assert [p.name for p in response.context["page_obj"].object_list] == ["王芳"]


def test_list_is_paginated(client, personas, org, settings):
    settings.ZHIBU_PAGE_SIZE = 3
    client.force_login(personas.chief)
    first = client.get(reverse("members:list"))
    assert len(first.context["page_obj"].object_list) == 3
    assert "第 1 页 / 共 3 页" in first.content.decode()


def test_export_holds_every_filtered_row_with_real_dates(client, personas, org):
    client.force_login(personas.sam)
    content = client.get(reverse("members:list") + "?export=xlsx").content
    sheet = openpyxl.load_workbook(BytesIO(content)).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert sorted(r[0] for r in rows) == sorted(["张小丽", "李建国", "欧阳静", "孙明"])
    assert isinstance(rows[0][3], datetime.datetime)  # 出生日期 is a date cell, not text
    assert sheet.freeze_panes == "A2"
