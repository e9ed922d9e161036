"""An appraisal cycle for 2026 over the personas of conftest.py: one group of the 办公室 staff, signed by Lin."""

import datetime
from types import SimpleNamespace

import pytest

from appraisal.models import Cycle, QuarterlySummary
from appraisal.services import cycle_open, group_add

# The last working day of 2026 Q1 (31 March, a Tuesday): signing is open from then on.
Q1_END = datetime.date(2026, 3, 31)


@pytest.fixture
def cycle(personas):
    return cycle_open(year=2026, name="2026年度平时考核", by=personas.chief)


@pytest.fixture
def group(personas, cycle):
    p = personas.people
    return group_add(
        cycle=cycle, name="办公室", leader=personas.lin, people=[p.alice, p.bob, p.olga, p.sam], by=personas.chief
    )


def write_summary(person, year=2026, quarter=1, text="按期完成各项任务"):
    return QuarterlySummary.objects.create(
        person=person, year=year, quarter=quarter, unit=person.unit, duties=text, tasks_completed=text
    )


@pytest.fixture
def summaries(personas, group):
    return SimpleNamespace(
        **{name: write_summary(getattr(personas.people, name)) for name in ("alice", "bob", "olga", "sam")}
    )


@pytest.fixture
def half_year_cycle(personas):
    return cycle_open(year=2026, name="2026年度量化考核", kind=Cycle.Kind.HALF_YEAR_SCORED, by=personas.chief)
