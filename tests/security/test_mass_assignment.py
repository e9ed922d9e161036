"""No mass assignment (RELIABILITY.md R4, ASVS5 8.2.3): a valid POST of each main form, with protected field names
added (status, score, signed_by, unit, period, person, grade, created_by, …) carrying random values, changes none
of the protected columns and never answers 500.

The valid POST is the form as the page renders it for its user (read from the HTML, so a new form field needs no
change here), with the required text filled in. Each example runs in a savepoint of the permission-matrix world
(tests/security/permission_matrix_world.py) that is rolled back, so every example meets the same data.

Examples per form: ZHIBU_HYPOTHESIS_EXAMPLES (default 30; R4 asks 1,000 nightly), e.g.
    ZHIBU_HYPOTHESIS_EXAMPLES=1000 .venv/bin/pytest tests/security/test_mass_assignment.py -p no:cacheprovider
"""

import os
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
from django.conf import settings as django_settings
from django.db import transaction
from django.db.models import Model
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appraisal.models import LogStatus, MonthlyLog, QuarterlySummary, Rating
from reviews.models import MassActivity, MemberEvaluation, Poll, PublicCommitment
from tests.security import permission_matrix_world
from tests.security.permission_matrix_world import PASSWORD, YEAR

world = permission_matrix_world.world

EXAMPLES = int(os.environ.get("ZHIBU_HYPOTHESIS_EXAMPLES", "30"))

PROTECTED_NAMES = [
    "status", "score", "signed_by", "signed_by_id", "unit", "unit_id", "period", "version", "person", "person_id",
    "grade", "created_by", "created_by_id", "user", "year", "month", "quarter", "organization", "branch", "poll",
    "round", "evaluation", "result", "decided_by", "commented_by", "submitted_at", "revision", "leader", "kind",
    "fulfilment", "codes_issued", "ballots_cast", "is_superuser", "is_staff", "id", "pk",
]  # fmt: skip


class FormParser(HTMLParser):
    """The fields of each <form method="post"> with the values the page shows: {action: {name: value}}."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: dict[str, dict[str, str]] = {}
        self._fields: dict[str, str] | None = None
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self._fields = self.forms.setdefault(attrs.get("action") or "", {})
        elif self._fields is None or (not attrs.get("name") and tag != "option"):
            return
        elif tag == "input" and attrs.get("type") not in ("submit", "button", "file"):
            if attrs.get("type") not in ("checkbox", "radio") or "checked" in attrs:
                self._fields[attrs["name"]] = attrs.get("value") or ""
        elif tag == "textarea":
            self._textarea = attrs["name"]
            self._fields[self._textarea] = ""
        elif tag == "select":
            self._select = attrs["name"]
        elif (
            tag == "option"
            and self._select
            and attrs.get("value")
            and ("selected" in attrs or self._select not in self._fields)
        ):
            self._fields[self._select] = attrs["value"]

    def handle_data(self, data):
        if self._textarea is not None:
            self._fields[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._fields = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None


@dataclass(frozen=True)
class FormCase:
    role: str
    page: str  # URL name of the page that shows the form
    target: str  # permission_matrix_world.TARGETS key of the page's arguments
    action: str  # URL name the form posts to
    action_target: str
    model: type[Model]
    protected: tuple[str, ...]  # columns no extra field may change
    # Required values the rendered form leaves empty, by field name (also matching a prefixed or suffixed name:
    # m4-reason, grade-12).
    filled: tuple[tuple[str, str], ...] = ()
    # For a form that creates its row: the protected values the new row must have, whatever else was posted.
    created: Callable[[SimpleNamespace], dict] | None = None


CASES = [
    FormCase("staff", "appraisal:my_log", "log_april", "appraisal:my_log", "log_april", MonthlyLog,
             ("id", "person_id", "year", "month", "unit_id", "status", "commented_by_id", "returned_by_id"),
             created=lambda w: {"person_id": w.people.alice.pk, "year": YEAR, "month": 4, "unit_id": w.office.pk,
                                "status": LogStatus.DRAFT, "commented_by_id": None, "returned_by_id": None}),
    FormCase("unit_head", "appraisal:summary_edit", "summary", "appraisal:summary_edit", "summary", QuarterlySummary,
             ("id", "person_id", "year", "quarter", "unit_id"), (("duties", "按期完成"), ("tasks_completed", "完成"))),
    FormCase("officer", "reviews:detail", "poll", "reviews:settings", "poll", Poll,
             ("id", "kind", "status", "unit_id", "organization_id", "created_by_id", "codes_issued", "ballots_cast")),
    FormCase("secretary", "reviews:mass_detail", "mass_round", "reviews:mass_activity_add", "mass_round", MassActivity,
             ("id", "round_id", "organization_id"), (("count", "2"),),
             created=lambda w: {"round_id": w.mass_round.pk, "organization_id": w.branch_1.pk}),
    FormCase("secretary", "reviews:democratic_detail", "evaluation", "reviews:democratic_decide", "eval_member",
             MemberEvaluation, ("id", "evaluation_id", "person_id"), (("reason", "对照党员标准，支部评定"),)),
    FormCase("staff", "reviews:records_commitment_edit", "commitment", "reviews:records_commitment_edit",
             "commitment", PublicCommitment, ("id", "branch_id", "person_id", "year", "fulfilment")),
    # The leader's signature: whatever else is posted, the new ratings are the group's, of the second quarter, first
    # revision, signed by the leader for himself, one for each appraisee.
    FormCase("leader", "appraisal:sign", "group_period_2", "appraisal:sign", "group_period_2", Rating,
             ("id", "appraisee_id", "person_id", "group_id", "year", "period", "revision", "signed_by_id",
              "on_behalf_of_id", "unit_id"),
             (("grade", "competent"), ("opinion", "全年工作认真"), ("password", PASSWORD)),
             created=lambda w: {"group_id": w.group.pk, "year": YEAR, "period": 2, "revision": 1,
                                "signed_by_id": w.lin.pk, "on_behalf_of_id": None}),
]  # fmt: skip


def _valid_post(w, case: FormCase) -> tuple[str, dict[str, str]]:
    page = permission_matrix_world.url_for(w, case.page, case.target)
    response = w.clients[case.role].get(page)
    assert response.status_code == 200, (page, response.status_code)
    parser = FormParser()
    parser.feed(response.content.decode())
    action = permission_matrix_world.url_for(w, case.action, case.action_target).split("?")[0]
    fields = parser.forms.get(action) or (parser.forms.get("") if action == page.split("?")[0] else None)
    assert fields is not None, f"{page} shows no form posting to {action}: {sorted(parser.forms)}"
    fields.pop("csrfmiddlewaretoken", None)
    for key, value in case.filled:
        for name in [name for name in fields if name == key or name.endswith(f"-{key}") or name.startswith(f"{key}-")]:
            fields[name] = value
    return action, fields


def _extra_values(w):
    """Values an attacker would try: ids of the other jurisdiction's objects, states, grades, numbers, text."""
    foreign_ids = [str(w.people.wang.pk), str(w.publicity.pk), str(w.branch_2.pk), str(w.wang.pk), str(w.chief.pk)]
    words = ["signed", "submitted", "commented", "closed", "open", "done", "excellent", "competent", "true", "on"]
    return st.one_of(
        st.sampled_from(foreign_ids + words),
        st.integers(min_value=-(2**31), max_value=2**31).map(str),
        st.text(max_size=30),
    )


@pytest.mark.parametrize("case", CASES, ids=[f"{c.role}-{c.action}" for c in CASES])
def test_extra_fields_change_no_protected_column(world, db, case):
    action, valid = _valid_post(world, case)
    extra_names = [name for name in PROTECTED_NAMES if name not in valid]
    client = world.clients[case.role]
    session_key = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    before = set(case.model.objects.values_list(*case.protected))

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(extra=st.dictionaries(st.sampled_from(extra_names), _extra_values(world), min_size=1, max_size=6))
    def post_with(extra):
        with transaction.atomic():
            response = client.post(action, {**valid, **extra})
            after = set(case.model.objects.values_list(*case.protected))
            transaction.set_rollback(True)
        client.cookies[django_settings.SESSION_COOKIE_NAME] = session_key
        # The valid form goes through (302), extra fields and all; a 400 would mean they were not tried on a save.
        assert response.status_code == 302, (extra, response.status_code)
        assert before <= after, f"{extra} changed {case.model.__name__}: {sorted(before - after)}"
        for row in after - before:
            new = dict(zip(case.protected, row, strict=True))
            assert case.created is not None, f"{extra} added {case.model.__name__} {new}"
            expected = case.created(world)
            assert {key: new[key] for key in expected} == expected, f"{extra} created {new}"

    post_with()


def test_the_log_form_is_really_saved_with_the_extra_fields(world, db):
    """The check above means something only if the valid POST goes through: the extra fields are ignored, the log
    is written."""
    case = CASES[0]
    action, valid = _valid_post(world, case)
    response = world.clients["staff"].post(
        action, {**valid, "duties": "四月工作", "status": "submitted", "person": "1"}
    )
    assert response.status_code in (200, 302)
    log = MonthlyLog.objects.get(person=world.people.alice, year=YEAR, month=4)
    assert (log.duties, log.status, log.person_id) == ("四月工作", LogStatus.DRAFT, world.people.alice.pk)
    assert reverse("appraisal:my_log", kwargs={"year": 2026, "month": 4}) == action
