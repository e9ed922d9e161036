"""The member list (人员名册) at 100 and at 10,000 people: median response time and queries. Prints only.

    .venv/bin/python bench/member_list.py      (or: make bench)

The list is scoped and paginated, so its cost should hardly grow with the roster. Target: ratio ≤ 1.5 between
the two medians, and the same number of queries. Runs on a throwaway SQLite file, whatever DATABASE_URL says.
"""

import os
import random
import warnings
from datetime import date, timedelta

from harness import REQUESTS, measure, with_throwaway_database

SMALL = 100
LARGE = 10_000
DEPARTMENTS = 20
TARGET_RATIO = 1.5

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌辉力立新海波宁春雪梅林琳晨"


def run() -> None:
    import django

    warnings.filterwarnings("ignore", message="No directory at")  # whitenoise: collected files are not needed
    django.setup()

    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    from branches.models import PartyOrganization, Unit
    from core.models import User
    from core.roles import Role
    from members.services import role_assign

    setup_test_environment()  # allows the test client's host name
    call_command("migrate", verbosity=0, interactive=False)

    organ = Unit.objects.create(name="某区机关", kind=Unit.Kind.ORGAN)
    units = [Unit.objects.create(name=f"科室{i:02d}", parent=organ, sort_order=i) for i in range(DEPARTMENTS)]
    committee = PartyOrganization.objects.create(name="机关党委", kind=PartyOrganization.Kind.COMMITTEE)
    branches = [
        PartyOrganization.objects.create(
            name=f"第{i + 1}党支部", kind=PartyOrganization.Kind.BRANCH, parent=committee, sort_order=i
        )
        for i in range(DEPARTMENTS)
    ]
    officer = User.objects.create_user(username="officer", password="bench-only-password")
    role_assign(user=officer, role=Role.ORG_OFFICER, organization=committee, unit=organ)

    rng = random.Random(20240601)  # noqa: S311 - repeatable made-up rosters, nothing secret
    client = Client()
    client.force_login(officer)
    url = reverse("members:list")

    add_people(rng, units, branches, count=SMALL, start=0)
    small = measure(client, url)
    add_people(rng, units, branches, count=LARGE - SMALL, start=SMALL)
    large = measure(client, url)

    ratio = large["median"] / small["median"]
    print(f"GET {url} as an organisation officer over the whole organ (page size from settings), {REQUESTS} runs")
    print(f"{'people':>8}  {'median ms':>10}  {'min ms':>8}  {'max ms':>8}  {'queries':>7}")
    for people, row in ((SMALL, small), (LARGE, large)):
        print(
            f"{people:>8,}  {row['median'] * 1000:>10.1f}  {row['min'] * 1000:>8.1f}  {row['max'] * 1000:>8.1f}"
            f"  {row['queries']:>7}"
        )
    verdict = "meets" if ratio <= TARGET_RATIO else "misses"
    print(f"ratio of medians {ratio:.2f} (target ≤ {TARGET_RATIO}: {verdict} it)")
    # On a busy machine the medians wander; the fastest runs show the cost of the page itself.
    print(f"ratio of fastest runs {large['min'] / small['min']:.2f}; load average {os.getloadavg()[0]:.2f}")
    print(f"slowest queries at {LARGE:,} people:")
    for sql_time, sql in large["slowest"]:
        print(f"  {float(sql_time) * 1000:7.1f} ms  {sql[:150]}")


def add_people(rng: random.Random, units, branches, *, count: int, start: int) -> None:
    from members.models import Education, Gender, Membership, MembershipStage, Person, name_initials

    educations = [e.value for e in Education]
    people = []
    for i in range(start, start + count):
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
        people.append(
            Person(
                name=name,
                name_initials=name_initials(name),  # bulk_create skips save(), which sets it
                gender=rng.choice([Gender.MALE, Gender.FEMALE]),
                birth_date=date(1965, 1, 1) + timedelta(days=rng.randrange(365 * 35)),
                education=rng.choice(educations),
                id_number=f"110101{i:012d}",
                phone=f"139{i:08d}",
                unit=units[i % len(units)],
                position="科员",
            )
        )
    people = Person.objects.bulk_create(people, batch_size=2000)
    memberships = []
    for i, person in enumerate(people, start=start):
        if i % 10 < 7:  # about seven in ten are party members
            admitted = date(1995, 7, 1) + timedelta(days=rng.randrange(365 * 25))
            memberships.append(
                Membership(
                    person=person,
                    stage=MembershipStage.FULL,
                    branch=branches[i % len(branches)],
                    admitted_on=admitted,
                    full_on=admitted + timedelta(days=366),
                )
            )
    Membership.objects.bulk_create(memberships, batch_size=2000)


if __name__ == "__main__":
    with_throwaway_database(run)
