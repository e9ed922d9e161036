"""factory_boy factories shared by every app's tests."""

import datetime

import factory

from branches.models import Meeting, PartyOrganization, Unit
from core.models import User
from members.models import Education, Gender, Membership, MembershipStage, Person


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw-for-tests-1")


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    name = factory.Sequence(lambda n: f"科室{n}")
    kind = Unit.Kind.DEPARTMENT


class PartyOrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartyOrganization

    name = factory.Sequence(lambda n: f"第{n}党支部")
    kind = PartyOrganization.Kind.BRANCH


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Sequence(lambda n: f"测试{n}")
    gender = Gender.MALE
    ethnicity = "汉族"
    birth_date = datetime.date(1985, 6, 1)
    education = Education.UNDERGRADUATE
    unit = factory.SubFactory(UnitFactory)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    person = factory.SubFactory(PersonFactory)
    stage = MembershipStage.FULL
    branch = factory.SubFactory(PartyOrganizationFactory)
    admitted_on = datetime.date(2010, 7, 1)
    full_on = datetime.date(2011, 7, 1)


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meeting

    organization = factory.SubFactory(PartyOrganizationFactory)
    kind = "committee_meeting"
    held_on = datetime.date(2026, 1, 15)
    place = "三楼会议室"
    topic = factory.Sequence(lambda n: f"支委会{n}")
