"""Named personas (DOMAIN.md §1) in a small organ with two jurisdictions, for every app's tests.

Two departments (办公室, 宣传部) under one organ; a working committee with two general branches, each with one
branch, and one party group in the first branch. Alice is staff in 办公室 and a member of 第一党支部;
Bob heads 办公室; Lin leads (supervises) 办公室; Olga is the officer of 第一党总支 only; Sam is secretary of
第一党支部; Wang is staff in 宣传部 and a member of 第二党支部 — outside everyone's scope but the top officer's.
"""

import datetime
from types import SimpleNamespace

import pytest

from branches.models import PartyOrganization, Unit
from core.roles import Role
from members.models import Gender
from members.services import role_assign
from tests.factories import MembershipFactory, PersonFactory, UserFactory


@pytest.fixture
def org(db):
    organ = Unit.objects.create(name="某区机关", kind=Unit.Kind.ORGAN)
    office = Unit.objects.create(name="办公室", parent=organ, sort_order=1)
    publicity = Unit.objects.create(name="宣传部", parent=organ, sort_order=2)
    committee = PartyOrganization.objects.create(name="机关工委", kind=PartyOrganization.Kind.WORKING_COMMITTEE)
    general_1 = PartyOrganization.objects.create(
        name="第一党总支", kind=PartyOrganization.Kind.GENERAL_BRANCH, parent=committee, sort_order=1
    )
    general_2 = PartyOrganization.objects.create(
        name="第二党总支", kind=PartyOrganization.Kind.GENERAL_BRANCH, parent=committee, sort_order=2
    )
    branch_1 = PartyOrganization.objects.create(
        name="第一党支部", kind=PartyOrganization.Kind.BRANCH, parent=general_1, founded_on=datetime.date(2015, 1, 1)
    )
    branch_2 = PartyOrganization.objects.create(
        name="第二党支部", kind=PartyOrganization.Kind.BRANCH, parent=general_2, founded_on=datetime.date(2015, 1, 1)
    )
    group_1 = PartyOrganization.objects.create(name="第一党小组", kind=PartyOrganization.Kind.GROUP, parent=branch_1)
    return SimpleNamespace(
        organ=organ,
        office=office,
        publicity=publicity,
        committee=committee,
        general_1=general_1,
        general_2=general_2,
        branch_1=branch_1,
        branch_2=branch_2,
        group_1=group_1,
    )


def _person(username: str, name: str, unit: Unit, branch: PartyOrganization | None = None, **fields):
    user = UserFactory(username=username)
    person = PersonFactory(user=user, name=name, unit=unit, **fields)
    if branch is not None:
        MembershipFactory(person=person, branch=branch)
    return user, person


@pytest.fixture
def personas(org):
    alice, alice_p = _person(
        "alice", "张小丽", org.office, org.branch_1, id_number="110101199001011237", phone="13800001111"
    )
    alice_p.membership.group = org.group_1
    alice_p.membership.save()
    bob, bob_p = _person("bob", "李建国", org.office, org.branch_1)
    lin, lin_p = _person("lin", "林志远", org.office)
    olga, olga_p = _person("olga", "欧阳静", org.office, org.branch_1)
    sam, sam_p = _person("sam", "孙明", org.office, org.branch_1)
    wang, wang_p = _person(
        "wang",
        "王芳",
        org.publicity,
        org.branch_2,
        id_number="110101198805052226",
        phone="13900002222",
        gender=Gender.FEMALE,
    )
    chief, chief_p = _person("chief", "赵书记", org.office)
    role_assign(user=bob, role=Role.UNIT_HEAD, unit=org.office)
    role_assign(user=lin, role=Role.LEADER, unit=org.office)
    role_assign(user=olga, role=Role.ORG_OFFICER, organization=org.general_1)
    role_assign(user=sam, role=Role.BRANCH_SECRETARY, organization=org.branch_1)
    role_assign(user=chief, role=Role.ORG_OFFICER, organization=org.committee, unit=org.organ)
    return SimpleNamespace(
        alice=alice,
        bob=bob,
        lin=lin,
        olga=olga,
        sam=sam,
        wang=wang,
        chief=chief,
        people=SimpleNamespace(alice=alice_p, bob=bob_p, lin=lin_p, olga=olga_p, sam=sam_p, wang=wang_p, chief=chief_p),
    )
