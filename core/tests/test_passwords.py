"""Changing one's password and its maximum age (RELIABILITY.md R9, §6.1: MLPS 定期更换, configurable)."""

import datetime

import pytest
import time_machine
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent, User

PASSWORD = "pw-for-tests-1"
NEW_PASSWORD = "Qiu-yue-Lan-7314"

# The production default (the test settings turn the maximum age off for the tests that travel in time).
pytestmark = pytest.mark.usefixtures("ninety_days")


@pytest.fixture
def ninety_days(settings):
    settings.ZHIBU_PASSWORD_MAX_AGE_DAYS = 90


def _signed_in(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _change(client, old=PASSWORD, new=NEW_PASSWORD, again=None, **extra):
    data = {"old_password": old, "new_password": new, "new_password_again": new if again is None else again, **extra}
    return client.post(reverse("password_change"), data)


def test_changing_the_password_keeps_this_session_signed_in_and_is_audited(personas):
    client = _signed_in(personas.alice)
    response = _change(client)
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200
    alice = User.objects.get(pk=personas.alice.pk)
    assert alice.check_password(NEW_PASSWORD)
    event = AuditEvent.objects.get(action="auth.password_change")
    assert event.actor_id == alice.pk and NEW_PASSWORD not in str(event.data)


def test_changing_the_password_ends_the_users_other_sessions(personas):
    other = _signed_in(personas.alice)
    _change(_signed_in(personas.alice))
    assert other.get(reverse("home")).status_code == 302  # back to the login page


def test_a_wrong_old_password_changes_nothing_and_counts_towards_the_lockout(personas):
    client = _signed_in(personas.alice)
    for _ in range(5):
        response = _change(client, old="wrong")
        assert "原密码不正确" in response.content.decode()
    # Locked now: even the right old password is refused, and the login page refuses too.
    assert "次数过多" in _change(client).content.decode()
    assert User.objects.get(pk=personas.alice.pk).check_password(PASSWORD)
    assert AuditEvent.objects.filter(action="auth.password_change_failed").count() == 5
    assert AuditEvent.objects.filter(action="auth.lockout").count() == 1
    assert Client().post(reverse("login"), {"username": "alice", "password": PASSWORD}).status_code == 200


@pytest.mark.parametrize(
    ("new", "again", "message"),
    [
        ("qz-7", "qz-7", "密码太短，至少须有 8 个字符"),
        (PASSWORD, PASSWORD, "新密码不能与原密码相同"),
        (NEW_PASSWORD, NEW_PASSWORD + "x", "两次输入的新密码不一致"),
    ],
)
def test_a_new_password_against_the_rules_is_refused_with_the_reason(personas, new, again, message):
    response = _change(_signed_in(personas.alice), new=new, again=again)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert User.objects.get(pk=personas.alice.pk).check_password(PASSWORD)


def test_a_password_older_than_90_days_leads_every_page_to_the_change_page_until_changed(personas):
    client = _signed_in(personas.alice)
    later = timezone.now() + datetime.timedelta(days=91)
    with time_machine.travel(later, tick=False):
        client.force_login(User.objects.get(pk=personas.alice.pk))  # a session younger than the idle timeout
        response = client.get(reverse("appraisal:my_results"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("password_change"))
        page = client.get(response["Location"])
        assert "已使用超过 90 天" in page.content.decode()
        assert _change(client, next=reverse("appraisal:my_results"))["Location"] == reverse("appraisal:my_results")
        assert client.get(reverse("appraisal:my_results")).status_code == 200


def test_a_save_sent_when_the_password_expires_is_not_turned_away(personas):
    client = _signed_in(personas.alice)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=91), tick=False):
        client.force_login(User.objects.get(pk=personas.alice.pk))
        response = client.post(reverse("logout"))
    assert response.status_code == 302 and not response["Location"].startswith(reverse("password_change"))


def test_a_password_of_89_days_is_not_expired(personas):
    client = _signed_in(personas.alice)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=89), tick=False):
        client.force_login(User.objects.get(pk=personas.alice.pk))
        assert client.get(reverse("home")).status_code == 200


@override_settings(ZHIBU_PASSWORD_MAX_AGE_DAYS=0)
def test_maximum_age_zero_turns_expiry_off(personas):
    client = _signed_in(personas.alice)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=3650), tick=False):
        client.force_login(User.objects.get(pk=personas.alice.pk))
        assert client.get(reverse("home")).status_code == 200


def test_production_default_is_90_days():
    from config.settings import base

    assert base.ZHIBU_PASSWORD_MAX_AGE_DAYS == 90


def test_setting_a_password_records_when(personas):
    alice = User.objects.get(pk=personas.alice.pk)
    moment = timezone.now() + datetime.timedelta(days=5)
    with time_machine.travel(moment, tick=False):
        alice.set_password(NEW_PASSWORD)
    assert alice.password_changed_at == moment
