"""Reads about people: the scoped member list and the member structure statistics (DOMAIN.md §3)."""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, QuerySet

from branches.models import PartyOrganization

from .models import PARTY_MEMBER_STAGES, Education, Gender, Membership, Person, ServiceStatus


def person_list(
    *,
    user,
    query: str = "",
    unit_id: int | None = None,
    branch_id: int | None = None,
    stage: str = "",
    gender: str = "",
    education: str = "",
    service_status: str = "",
) -> QuerySet[Person]:
    """People visible to the user, filtered; a search matches the name or its pinyin initials (zsf → 张三丰)."""
    people = Person.objects.visible_to(user).select_related(
        "unit", "membership", "membership__branch", "membership__group"
    )
    query = query.strip()
    if query:
        people = people.filter(Q(name__contains=query) | Q(name_initials__startswith=query.lower()))
    if unit_id:
        people = people.filter(unit_id=unit_id)
    if branch_id:
        branch_ids = PartyOrganization.objects.subtree_ids([branch_id])
        people = people.filter(Q(membership__branch_id__in=branch_ids) | Q(membership__group_id__in=branch_ids))
    if stage == "none":
        people = people.filter(membership__isnull=True)
    elif stage:
        people = people.filter(membership__stage=stage)
    if gender:
        people = people.filter(gender=gender)
    if education:
        people = people.filter(education=education)
    if service_status:
        people = people.filter(service_status=service_status)
    # The order of person_unit_name_idx: a page is read off the index and stops early, however large the roster
    # (sorting by the units' display order instead needs a join and a full sort: 19 ms at 10,000 people).
    return people.order_by("unit_id", "name", "id")


def years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year - years, day=28)


def members_on(*, organization_ids: set[int], on_date: datetime.date) -> QuerySet[Membership]:
    """Party members (full and probationary) of the organisations on a date: admitted by then and not yet
    transferred out (a member who transferred out leaves the counts from the transfer date)."""
    return Membership.objects.filter(
        branch_id__in=organization_ids,
        stage__in=PARTY_MEMBER_STAGES,
        admitted_on__lte=on_date,
    ).filter(Q(left_on__isnull=True) | Q(left_on__gt=on_date))


@dataclass(frozen=True)
class StatisticsRow:
    section: str
    label: str
    count: int
    percent: Decimal


@dataclass(frozen=True)
class StructureStatistics:
    on_date: datetime.date
    total: int
    rows: list[StatisticsRow]

    def section_total(self, section: str) -> int:
        return sum(row.count for row in self.rows if row.section == section)


def percent_of(count: int, total: int) -> Decimal:
    if total == 0:
        return Decimal("0.00")
    return (Decimal(count) * 100 / Decimal(total)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


AGE_SECTION = "年龄"
EDUCATION_SECTION = "学历"


def structure_statistics(*, organization_ids: set[int], on_date: datetime.date) -> StructureStatistics:
    """党员队伍结构 (§3) in one aggregate query. Age bands and education levels each partition the total, so
    their counts always add up to it: the age bands are cut on birth dates, and every person has exactly one
    of the four education levels (a database constraint)."""
    born_26 = years_before(on_date, 26)
    born_36 = years_before(on_date, 36)
    born_46 = years_before(on_date, 46)
    age_bands = [
        ("25岁及以下", Q(person__birth_date__gt=born_26)),
        ("26至35岁", Q(person__birth_date__gt=born_36, person__birth_date__lte=born_26)),
        ("36至45岁", Q(person__birth_date__gt=born_46, person__birth_date__lte=born_36)),
        ("46岁及以上", Q(person__birth_date__lte=born_46)),
    ]
    singles = [
        ("", "女性", Q(person__gender=Gender.FEMALE)),
        ("", "少数民族", ~Q(person__ethnicity="汉族")),
        ("", "在职", Q(person__service_status=ServiceStatus.IN_SERVICE)),
    ]
    measures: list[tuple[str, str, Q]] = [
        *singles,
        *((AGE_SECTION, label, condition) for label, condition in age_bands),
        *((EDUCATION_SECTION, level.label, Q(person__education=level.value)) for level in Education),
    ]
    aggregates = {f"m{i}": Count("id", filter=condition) for i, (_, _, condition) in enumerate(measures)}
    counts = members_on(organization_ids=organization_ids, on_date=on_date).aggregate(total=Count("id"), **aggregates)
    total = counts["total"]
    rows = [
        StatisticsRow(
            section=section,
            label=str(label),
            count=counts[f"m{i}"],
            percent=percent_of(counts[f"m{i}"], total),
        )
        for i, (section, label, _) in enumerate(measures)
    ]
    return StructureStatistics(on_date=on_date, total=total, rows=rows)
