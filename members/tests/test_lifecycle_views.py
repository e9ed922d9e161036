"""The party-life pages (DOMAIN.md §3): every page in Chinese for the secretary, forms that keep the user's input
with a clear error, the five ledgers filtered and exported."""

import datetime
from io import BytesIO

import openpyxl
import pytest
from django.urls import reverse

from members.lifecycle import floating_set
from members.models import DevelopmentStep, MembershipStage, ServiceStatus, StandingChange

D = datetime.date

PAGES = [
    ("members:development", []), ("members:development", [], {"view": "blocked"}), ("members:probation", []),
    ("members:thought_reports", []), ("members:standing", []), ("members:transfers", []),
    ("members:transfer_in_create", []), ("members:dues", []), ("members:dues_pay", []), ("members:dues_arrears", []),
    ("members:dues_year", []), ("members:application_create", []), ("branches:committees", []),
    *[("members:ledger", [kind]) for kind in ("floating", "hardship", "elderly", "activists", "new")],
]  # fmt: skip


@pytest.mark.parametrize("page", PAGES, ids=lambda p: f"{p[0]}{p[1]}{p[2] if len(p) > 2 else ''}")
def test_the_secretary_opens_every_party_page_in_chinese_and_exports_it(client, today, personas, page):
    name, args, *params = page
    client.force_login(personas.sam)
    response = client.get(reverse(name, args=args), params[0] if params else {})
    assert response.status_code == 200
    assert '<html lang="zh-CN">' in response.content.decode()
    if b"export=xlsx" in response.content:
        export = client.get(reverse(name, args=args), {**(params[0] if params else {}), "export": "xlsx"})
        assert export.status_code == 200
        openpyxl.load_workbook(BytesIO(export.content))


def test_a_refused_step_keeps_what_the_user_typed_and_names_the_rule(client, today, member, personas):
    activist = member(
        stage=MembershipStage.ACTIVIST, name="受阻者", applied_on=D(2025, 6, 1), activist_on=D(2025, 9, 1)
    )
    contact = member(stage=MembershipStage.FULL, name="联系人", admitted_on=D(2010, 7, 1), full_on=D(2011, 7, 1))
    client.force_login(personas.sam)

    response = client.post(
        reverse("members:development_step", args=[activist.person_id]),
        {"taken_on": "2026-06-10", "responsible": [contact.person_id], "opinion": "支委会研究同意列为发展对象"},
    )

    assert response.status_code == 400
    content = response.content.decode()
    assert "入党积极分子经过一年以上培养教育和考察，方可列为发展对象" in content
    assert "最早可于 2026-09-01" in content
    assert 'value="2026-06-10"' in content and "支委会研究同意列为发展对象" in content
    assert not DevelopmentStep.objects.exists()


def test_the_secretary_records_a_step_on_the_party_page(client, today, member, personas):
    activist = member(
        stage=MembershipStage.ACTIVIST, name="可办理", applied_on=D(2024, 6, 1), activist_on=D(2025, 1, 1)
    )
    contact = member(stage=MembershipStage.FULL, name="联系人", admitted_on=D(2010, 7, 1), full_on=D(2011, 7, 1))
    client.force_login(personas.sam)

    response = client.post(
        reverse("members:development_step", args=[activist.person_id]),
        {"taken_on": "2026-06-10", "responsible": [contact.person_id], "opinion": "同意"},
        follow=True,
    )

    assert "已记录“列为发展对象”" in response.content.decode()
    activist.refresh_from_db()
    assert activist.stage == MembershipStage.DEVELOPMENT_TARGET


def test_a_standing_change_is_added_to_the_history_never_overwritten(client, today, personas):
    alice = personas.people.alice
    client.force_login(personas.sam)
    url = reverse("members:standing_change", args=[alice.pk])

    missing_document = client.post(url, {"kind": "suspended", "effective_on": "2026-03-01", "reason": "逾期未交党费"})
    client.post(url, {"kind": "lost_contact", "effective_on": "2026-01-10", "reason": "长期联系不上"})
    client.post(url, {"kind": "contact_restored", "effective_on": "2026-04-02", "reason": "已恢复联系"})

    assert missing_document.status_code == 400 and "请填写党组织决定的文号" in missing_document.content.decode()
    history = list(StandingChange.objects.order_by("effective_on").values_list("kind", "standing_after"))
    assert history == [("lost_contact", "lost_contact"), ("contact_restored", "normal")]
    alice.membership.refresh_from_db()
    assert alice.membership.standing == "normal"


def test_the_five_ledgers_filter_their_members(client, today, member, personas, org):
    member(stage=MembershipStage.FULL, name="老同志", birth_date=D(1950, 1, 1), admitted_on=D(1975, 7, 1),
           full_on=D(1976, 7, 1), service_status=ServiceStatus.RETIRED)  # fmt: skip
    member(stage=MembershipStage.PROBATIONARY, name="新党员", admitted_on=D(2026, 3, 1))
    member(stage=MembershipStage.PROBATIONARY, name="去年的新党员", admitted_on=D(2025, 12, 1))
    member(stage=MembershipStage.ACTIVIST, name="积极分子", activist_on=D(2025, 10, 1))
    floating_set(membership=personas.people.alice.membership, is_floating=True, destination="深圳市南山区",
                 since=D(2026, 2, 1), by=personas.sam)  # fmt: skip
    client.force_login(personas.sam)

    def names(kind, **params):
        response = client.get(reverse("members:ledger", args=[kind]), params)
        return {row["item"].person.name for row in response.context["rows"]}

    assert names("elderly") == {"老同志"}
    assert names("elderly", min_age=90) == set()
    assert names("new") == {"新党员"}
    assert names("new", year=2025) == {"去年的新党员"}
    assert names("activists") == {"积极分子"}
    assert names("floating") == {"张小丽"}
    export = client.get(reverse("members:ledger", args=["floating"]), {"export": "xlsx"})
    rows = list(openpyxl.load_workbook(BytesIO(export.content)).active.iter_rows(values_only=True))
    assert rows[1][0] == "张小丽" and "深圳市南山区" in rows[1]


def test_a_floating_member_needs_a_destination(client, today, personas):
    client.force_login(personas.sam)
    response = client.post(reverse("members:floating", args=[personas.people.alice.pk]), {"is_floating": "on"})
    assert response.status_code == 400 and "请填写外出流向" in response.content.decode()


def test_a_payment_form_error_keeps_the_amount(client, today, personas):
    alice = personas.people.alice.membership
    alice.dues_base_fen = 500_000
    alice.save()
    client.force_login(personas.sam)

    response = client.post(
        reverse("members:dues_pay"),
        {"membership": alice.pk, "month": "2026-06", "months": 1, "amount": "12.345", "paid_on": "2026-06-10"},
    )

    assert response.status_code == 200
    content = response.content.decode()
    assert "最多两位小数" in content and 'value="12.345"' in content
