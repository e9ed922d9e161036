"""The leader's signing page for a group of 5 and one of 200 appraisees: median response time and queries. Prints only.

    .venv/bin/python bench/signing_page.py

Every appraisee of a group is on the one page (one signing step for the group), so the page grows with the group;
its queries must not. Measured twice: before signing (a grade select and an opinion box per row) and after (the
signed ratings with their signature check). Target: ratio ≤ 2 between the two medians, and the same number of
queries. Runs on a throwaway SQLite file, whatever DATABASE_URL says.
"""

import datetime
import os
import warnings

from harness import REQUESTS, WARM_UP, measure, with_throwaway_database

SMALL = 5
LARGE = 200
TARGET_RATIO = 2
YEAR = 2026
QUARTER_END = datetime.date(2026, 3, 31)
PASSWORD = "bench-only-password"  # noqa: S105 - a throwaway database


def run() -> None:
    import django

    warnings.filterwarnings("ignore", message="No directory at")  # whitenoise: collected files are not needed
    django.setup()

    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    from appraisal.services import cycle_open, group_add
    from branches.models import Unit
    from core.models import User
    from core.roles import Role
    from members.services import role_assign

    setup_test_environment()  # allows the test client's host name
    call_command("migrate", verbosity=0, interactive=False)

    organ = Unit.objects.create(name="某区机关", kind=Unit.Kind.ORGAN)
    office = Unit.objects.create(name="办公室", parent=organ, sort_order=1)
    leader = User.objects.create_user(username="leader", password=PASSWORD)
    officer = User.objects.create_user(username="officer", password=PASSWORD)
    role_assign(user=leader, role=Role.LEADER, unit=organ)
    cycle = cycle_open(year=YEAR, name="平时考核", by=officer)
    groups = {}
    for size in (SMALL, LARGE):
        people = add_people(office, size, prefix=f"{size}组")
        groups[size] = group_add(cycle=cycle, name=f"{size}人组", leader=leader, people=people, by=officer)

    client = Client()
    client.force_login(leader)
    results = {}
    for state in ("before signing", "after signing"):
        for size, group in groups.items():
            url = reverse("appraisal:sign", args=[group.pk, 1])
            results[state, size] = measure(client, url)
        if state == "before signing":
            for group in groups.values():
                sign(group, leader)

    print(f"GET the signing page of one group for {YEAR} Q1 as its leader, {REQUESTS} runs after {WARM_UP} warm-up")
    print(
        f"{'state':<15} {'appraisees':>10}  {'median ms':>10}  {'min ms':>8}  {'max ms':>8}  {'queries':>7}  {'KB':>6}"
    )
    for (state, size), row in results.items():
        print(
            f"{state:<15} {size:>10}  {row['median'] * 1000:>10.1f}  {row['min'] * 1000:>8.1f}"
            f"  {row['max'] * 1000:>8.1f}  {row['queries']:>7}  {row['bytes'] / 1024:>6.0f}"
        )
    for state in ("before signing", "after signing"):
        small, large = results[state, SMALL], results[state, LARGE]
        ratio = large["median"] / small["median"]
        verdict = "meets" if ratio <= TARGET_RATIO else "misses"
        same = "same" if small["queries"] == large["queries"] else "DIFFERENT"
        print(
            f"{state}: ratio of medians {ratio:.2f} (target ≤ {TARGET_RATIO}: {verdict} it); "
            f"ratio of fastest runs {large['min'] / small['min']:.2f}; {same} number of queries"
        )
    print(f"load average {os.getloadavg()[0]:.2f}")


def add_people(unit, count: int, *, prefix: str):
    from appraisal.models import QuarterlySummary
    from members.models import Education, Gender, Person, name_initials

    people = Person.objects.bulk_create(
        Person(
            name=f"{prefix}{i:03d}",
            name_initials=name_initials(f"{prefix}{i:03d}"),  # bulk_create skips save(), which sets it
            gender=Gender.MALE if i % 2 else Gender.FEMALE,
            birth_date=datetime.date(1980, 1, 1) + datetime.timedelta(days=i * 37),
            education=Education.UNDERGRADUATE,
            unit=unit,
            position="科员",
        )
        for i in range(count)
    )
    QuarterlySummary.objects.bulk_create(
        QuarterlySummary(
            person=person,
            year=YEAR,
            quarter=1,
            unit=unit,
            duties="认真履行岗位职责，负责文稿起草和综合协调，按时完成领导交办的各项任务。",
            tasks_completed="1月 起草年度工作要点：已印发\n2月 组织专题学习两次：已完成\n3月 配合季度考核：已完成",
            attendance="1月：出勤 21 天\n2月：出勤 18 天，请假 1 天\n3月：出勤 22 天",
        )
        for person in people
    )
    add_logs(people, unit)
    return people


def add_logs(people, unit) -> None:
    from appraisal.models import LogStatus, MonthlyLog

    MonthlyLog.objects.bulk_create(
        MonthlyLog(
            person=person,
            year=YEAR,
            month=month,
            unit=unit,
            status=LogStatus.SUBMITTED,
            duties="起草文件，组织学习，协调会务。",
        )
        for person in people
        for month in (1, 2, 3)
    )


def sign(group, leader) -> None:
    from appraisal.models import Grade
    from appraisal.services import RatingEntry, group_sign

    entries = {
        a.pk: RatingEntry(Grade.COMPETENT, "工作认真负责，较好完成了本季度各项工作任务。")
        for a in group.appraisees.all()
    }
    group_sign(group=group, period=1, entries=entries, password=PASSWORD, by=leader, today=QUARTER_END)


if __name__ == "__main__":
    with_throwaway_database(run)
