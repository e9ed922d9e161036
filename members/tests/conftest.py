"""Helpers for the party-life tests (DOMAIN.md §3): members at a given pipeline stage, and a fixed today."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from members.models import Membership, MembershipStage
from tests.factories import MembershipFactory, PersonFactory

TODAY = datetime.date(2026, 6, 15)


@pytest.fixture
def today():
    """Freeze the clock on 15 June 2026, 10:00 in Beijing."""
    with time_machine.travel(datetime.datetime(2026, 6, 15, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        yield TODAY


def make_member(org, *, stage: str, branch=None, name: str | None = None, **dates) -> Membership:
    """A membership in branch_1 (or `branch`) at `stage`, with the stage dates given."""
    person_fields = {"unit": org.office}
    if name:
        person_fields["name"] = name
    for key in ("birth_date", "service_status", "gender", "id_number"):
        if key in dates:
            person_fields[key] = dates.pop(key)
    return MembershipFactory(
        person=PersonFactory(**person_fields),
        branch=branch or org.branch_1,
        stage=stage,
        admitted_on=dates.pop("admitted_on", None),
        full_on=dates.pop("full_on", None),
        **dates,
    )


@pytest.fixture
def member(org):
    def build(**kwargs) -> Membership:
        return make_member(org, **kwargs)

    return build


FULL = MembershipStage.FULL
