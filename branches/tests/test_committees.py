"""Branch committees and their terms (DOMAIN.md §2): posts, warnings 90 days before a term ends, overdue
elections, and the history of past committees."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from branches.committees import TermStatus, committee_overview, committee_term_record
from branches.models import CommitteeTerm
from core.models import AuditEvent

D = datetime.date
TODAY = D(2026, 6, 15)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime.datetime(2026, 6, 15, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        yield


def _elect(org, personas, elected_on, **kwargs):
    p = personas.people
    members = kwargs.pop("members", [(p.sam, "secretary"), (p.alice, "organization"), (p.bob, "publicity")])
    return committee_term_record(organization=org.branch_1, elected_on=elected_on, members=members, by=personas.sam,
                                 **kwargs)  # fmt: skip


def _status(personas, org):
    rows = {r.organization.pk: r for r in committee_overview(user=personas.chief, on=TODAY)}
    return rows[org.branch_1.pk].status, rows[org.branch_2.pk].status


def test_a_term_ending_within_90_days_is_warned_and_a_term_past_its_end_is_overdue(personas, org):
    term = _elect(org, personas, D(2023, 9, 1))
    assert term.ends_on == D(2026, 9, 1)
    assert _status(personas, org) == (TermStatus.WARNING, TermStatus.NONE)

    CommitteeTerm.objects.filter(pk=term.pk).update(ends_on=D(2026, 6, 14))
    assert _status(personas, org)[0] == TermStatus.OVERDUE

    CommitteeTerm.objects.filter(pk=term.pk).update(ends_on=D(2026, 9, 14))
    assert _status(personas, org)[0] == TermStatus.OK  # 91 days left


def test_a_new_election_keeps_the_past_committee_as_history(personas, org):
    first = _elect(org, personas, D(2020, 5, 1))
    p = personas.people
    second = _elect(org, personas, D(2023, 5, 1), members=[(p.alice, "secretary"), (p.sam, "member")])

    assert list(CommitteeTerm.objects.filter(organization=org.branch_1).order_by("elected_on")) == [first, second]
    assert [m.person for m in first.members.all()] == [p.sam, p.alice, p.bob]
    assert AuditEvent.objects.filter(action="committee.elect").count() == 2
    with pytest.raises(ValidationError, match="须晚于上一届"):
        _elect(org, personas, D(2022, 1, 1))


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ("no_secretary", "委员会须有书记"),
        ("two_secretaries", "只能有一人"),
        ("outsider", "不是本组织的党员"),
    ],
)
def test_an_election_needs_one_secretary_from_the_branchs_members(personas, org, members, message):
    p = personas.people
    chosen = {
        "no_secretary": [(p.alice, "organization")],
        "two_secretaries": [(p.alice, "secretary"), (p.sam, "secretary")],
        "outsider": [(p.sam, "secretary"), (p.wang, "member")],
    }[members]
    with pytest.raises(ValidationError, match=message):
        _elect(org, personas, D(2025, 1, 1), members=chosen)
    assert not CommitteeTerm.objects.exists()


def test_the_secretary_records_an_election_on_the_page_and_others_cannot(client, personas, org):
    p = personas.people
    client.force_login(personas.sam)
    response = client.post(
        reverse("branches:committee_create", args=[org.branch_1.pk]),
        {"elected_on": "2026-06-01", "term_years": 3, "post_secretary": p.sam.pk, "post_organization": p.alice.pk,
         "post_member": [p.bob.pk]},
        follow=True,
    )  # fmt: skip
    assert "已记录换届选举结果" in response.content.decode()
    term = CommitteeTerm.objects.get()
    assert term.ends_on == D(2029, 6, 1)
    assert {(m.person.name, m.post) for m in term.members.all()} == {
        ("孙明", "secretary"), ("张小丽", "organization"), ("李建国", "member")
    }  # fmt: skip

    assert client.get(reverse("branches:committee_detail", args=[org.branch_2.pk])).status_code == 404
    assert client.get(reverse("branches:committee_create", args=[org.branch_2.pk])).status_code == 404
    client.force_login(personas.alice)
    assert client.get(reverse("branches:committees")).status_code == 403


def test_the_overview_page_flags_and_exports(client, personas, org):
    _elect(org, personas, D(2023, 8, 1))
    client.force_login(personas.chief)

    page = client.get(reverse("branches:committees")).content.decode()
    export = client.get(reverse("branches:committees"), {"export": "xlsx"})

    assert "即将届满" in page and "未登记委员会" in page
    assert export.status_code == 200
