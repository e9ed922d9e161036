"""The party-life demo data (members/demo_lifecycle.py): what the demo secretary and officer find, and that a
second run adds nothing."""

import datetime
import io
from zoneinfo import ZoneInfo

import time_machine
from django.core.management import call_command

from branches.committees import TermStatus, committee_overview
from branches.models import CommitteeMember, CommitteeTerm
from core.models import User
from members.demo import DEMO_ACCOUNTS, build_trees
from members.demo_lifecycle import build_lifecycle_demo
from members.dues import dues_arrears
from members.lifecycle_selectors import (
    DueStatus,
    TransferView,
    development_blocked_list,
    development_due_list,
    elderly_ledger,
    hardship_ledger,
    thought_report_quarter,
    transfer_list,
)
from members.models import (
    DevelopmentStep,
    DuesMonth,
    DuesPayment,
    HardshipCase,
    HardshipHelp,
    Person,
    StandingChange,
    ThoughtReport,
    Transfer,
)

TODAY = datetime.date(2026, 11, 20)
TABLES = [DevelopmentStep, ThoughtReport, StandingChange, Transfer, DuesMonth, DuesPayment, HardshipCase,
          HardshipHelp, CommitteeTerm, CommitteeMember, Person]  # fmt: skip


def test_the_demo_shows_every_list_and_a_second_run_adds_and_changes_nothing(db, settings, tmp_path):
    """One seed (it takes seconds), then what the demo secretary and officer find, then the second run."""
    settings.VAR_DIR = tmp_path
    with time_machine.travel(datetime.datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        call_command("seed_demo", stdout=io.StringIO())
        users = {u.username: u for u in User.objects.all()}
        _secretary_finds_due_blocked_missing_arrears_and_a_committee_term_ending(users)
        _officer_finds_transfers_hardship_and_standing_changes(users)
        _second_run_adds_and_changes_nothing()


def _secretary_finds_due_blocked_missing_arrears_and_a_committee_term_ending(users):
    secretary = users["secretary"]

    due = {i.membership.person.name: i for i in development_due_list(user=secretary, on=TODAY)}
    blocked = {i.membership.person.name: i for i in development_blocked_list(user=secretary, on=TODAY)}
    assert due["陈思远"].status == DueStatus.READY
    assert due["黄雨萱"].status == DueStatus.DUE_SOON and due["黄雨萱"].days_to_earliest == 20
    assert "一年以上" in blocked["林晓彤"].reason
    reports = {r.membership.person.name: r.status for r in
               thought_report_quarter(user=secretary, year=2026, quarter=3, on=TODAY)}  # fmt: skip
    assert reports["林晓彤"] == "missing" and reports["陈思远"] == "late"
    assert len(dues_arrears(user=secretary, on=TODAY)) >= 2
    assert "郑耀祖" in {m.person.name for m in elderly_ledger(user=secretary, on=TODAY)}
    statuses = {r.organization.name: r.status for r in committee_overview(user=users["officer"], on=TODAY)}
    assert statuses["办公室党支部"] == TermStatus.WARNING
    assert statuses["组织部党支部"] == TermStatus.OVERDUE


def _officer_finds_transfers_hardship_and_standing_changes(users):
    officer = users["officer"]
    assert {t.name for t in transfer_list(user=officer, on=TODAY, view=TransferView.EXPIRING)}
    assert {t.name for t in transfer_list(user=officer, on=TODAY, view=TransferView.OVERDUE)} == {"马文博"}
    assert transfer_list(user=officer, on=TODAY, view=TransferView.TRANSFERRED_OUT).count() == 1
    assert hardship_ledger(user=officer).count() == 2
    assert StandingChange.objects.count() == 3


def _second_run_adds_and_changes_nothing():
    before = {model.__name__: model.objects.count() for model in TABLES}
    paid = sum(DuesMonth.objects.values_list("paid_fen", flat=True))
    demo = {a.username: Person.objects.get(name=a.name) for a in DEMO_ACCOUNTS}

    build_lifecycle_demo(build_trees(TODAY), demo, TODAY)

    assert {model.__name__: model.objects.count() for model in TABLES} == before
    assert sum(DuesMonth.objects.values_list("paid_fen", flat=True)) == paid
