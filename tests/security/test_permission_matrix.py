"""The permission matrix played (RELIABILITY.md R2; DOMAIN.md §1 roles and scopes): every row of
tests/security/permission_matrix.py with every role, lists and searches free of other people's rows, a meta-test
that no route is missing from the matrix, and a revoked role that stops working on the next request.

The world (permission_matrix_world.py) is built once for the module inside a transaction that is rolled back at the
end; each test runs in a savepoint of it, and each request in a savepoint of its own, so that an allowed POST (a
deletion, a signature) cannot change what the next role sees.
"""

from collections import Counter

import pytest
from django.urls import resolve, reverse

from appraisal.models import ScopedByUnitQuerySet
from core.roles import Role
from members.models import RoleAssignment
from members.services import role_assign, role_assignment_sync_groups
from tests.security import permission_matrix_world
from tests.security.permission_matrix import (
    EXEMPT,
    EXEMPT_NAMESPACES,
    HOME,
    HOME_ROLES,
    LIST_ALLOWED,
    LIST_PAGES,
    OTHER,
    OTHER_ROLES,
    ROLES,
    ROWS,
)
from tests.security.permission_matrix_world import TARGETS, answer, play, url_for
from tests.security.test_routes import PUBLIC_NAMESPACES, PUBLIC_VIEWS, ROUTES

world = permission_matrix_world.world


def _observed_row(name: str, target: str, method: str, answers: list[str]) -> str:
    cells = " ".join(a.rjust(3) for a in answers)
    quoted_name, quoted_target, quoted_method = f'"{name}",', f'"{target}",', f'"{method}",'
    return f'    ({quoted_name:<40} {quoted_target:<17} {quoted_method:<7} "{cells}"),'


@pytest.mark.parametrize("row", ROWS, ids=[f"{name}-{target}-{method}" for name, target, method, _ in ROWS])
def test_every_role_gets_the_answer_the_matrix_states(world, db, row):
    name, target, method, expected = row
    url = url_for(world, name, target)
    observed = []
    for role in ROLES:
        try:
            observed.append(answer(play(world, role, method, url)))
        except Exception as exc:  # a crash is an answer of the row, shown next to the others
            observed.append(f"500:{type(exc).__name__}")
    wanted = expected.split()
    assert len(wanted) == len(ROLES), f"{name}: the row has {len(wanted)} answers for {len(ROLES)} roles"
    mismatches = [f"{role}: matrix {w}, got {o}" for role, w, o in zip(ROLES, wanted, observed, strict=True) if w != o]
    assert not mismatches, (
        f"{method} {url} ({name})\n  "
        + "\n  ".join(mismatches)
        + "\nobserved row (check each answer before pasting):\n"
        + _observed_row(name, target, method, observed)
    )


def _route_key(route) -> tuple[str, str]:
    return route.name, str(route.pattern.pattern)


def test_every_route_has_a_row_in_the_matrix_or_a_reason(world):
    """Counted per URL pattern: a name with two patterns (a page with and without its month) needs two rows."""
    patterns_per_name = Counter(route.name for route in ROUTES)
    covered = Counter()
    seen = set()
    for name, target, _method, _answers in ROWS:
        assert target in TARGETS, f"row {name}: unknown target {target!r}; add it to permission_matrix_world.TARGETS"
        match = resolve(url_for(world, name, target).split("?")[0])
        if (name, match.route) not in seen:
            seen.add((name, match.route))
            covered[name] += 1
    missing = sorted(
        name
        for name, count in patterns_per_name.items()
        if covered[name] < count
        and name not in PUBLIC_VIEWS
        and name not in EXEMPT
        and name.split(":", 1)[0] not in PUBLIC_NAMESPACES
        and name.split(":", 1)[0] not in EXEMPT_NAMESPACES
    )
    assert not missing, (
        "These routes have no row in tests/security/permission_matrix.py ROWS: "
        + ", ".join(missing)
        + '.\nAdd a row per route in its app\'s block with "?" answers, run '
        "`.venv/bin/pytest tests/security/test_permission_matrix.py -k <name without namespace>` and paste the "
        "observed row after checking it (out of scope 404, seen but not allowed 403). See permission_matrix.py."
    )


def test_exemptions_name_existing_routes():
    names = {route.name for route in ROUTES}
    assert set(EXEMPT) <= names, set(EXEMPT) - names


@pytest.mark.parametrize(
    "page", LIST_PAGES, ids=[f"{name}{'?' + query if query else ''}" for name, _kwargs, query in LIST_PAGES]
)
def test_lists_and_searches_show_no_one_outside_the_roles_scope(world, db, page):
    name, kwargs, query = page
    url = reverse(name, kwargs=kwargs) + (f"?{query}" if query else "")
    leaks = []
    for roles, foreign in ((HOME_ROLES, OTHER), (OTHER_ROLES, HOME)):
        for role in roles:
            response = play(world, role, "GET", url)
            if response.status_code != 200:
                continue
            page_text = response.content.decode()
            allowed = LIST_ALLOWED.get((name, role), ())
            leaks += [f"{role} sees {person}" for person in foreign if person in page_text and person not in allowed]
    assert not leaks, f"{url}: " + ", ".join(leaks)


def test_a_removed_role_assignment_applies_on_the_next_request(world, db):
    """pretix's test_current_permission: the scope is read per request (members.scopes.scope_for), not per login."""
    officer = world.olga
    url = url_for(world, "members:party", "member")
    assert play(world, "officer", "GET", url).status_code == 200

    RoleAssignment.objects.filter(user=officer, role=Role.ORG_OFFICER).delete()
    role_assignment_sync_groups(user=officer)
    assert play(world, "officer", "GET", url).status_code == 403

    role_assign(user=officer, role=Role.ORG_OFFICER, organization=world.general_2)
    assert play(world, "officer", "GET", url).status_code == 404


def test_the_matrix_catches_a_view_that_forgets_the_scope(world, db, monkeypatch):
    """A test of the test (issue 8 acceptance): with the unit scoping of logs and summaries broken (every record
    visible to everyone), the row of the log page no longer matches: the other unit's staff reads 张小丽's log."""
    monkeypatch.setattr(ScopedByUnitQuerySet, "visible_to", lambda self, user: self.all())
    row = next(row for row in ROWS if row[:3] == ("appraisal:log_detail", "log", "GET"))
    url = url_for(world, "appraisal:log_detail", "log")
    observed = dict(zip(ROLES, (answer(play(world, role, "GET", url)) for role in ROLES), strict=True))
    expected = dict(zip(ROLES, row[3].split(), strict=True))
    assert expected["staff_other_unit"] == "404" and observed["staff_other_unit"] == "200"
