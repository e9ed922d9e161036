"""R8 of RELIABILITY.md: optional TOTP (required for listed roles), the second step after the password, replayed
and guessed codes refused, and a fresh code before signing and filing. Codes are computed with django-otp's own TOTP
on a clock that time-machine holds still and moves by whole 30-second steps."""

# ruff: noqa: F811 (the fixtures imported from cadre_fixtures are named again as test arguments)

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from appraisal.models import CadreResult, Grade, Rating
from appraisal.services import cycle_open, group_add
from appraisal.tests.cadre_fixtures import appraisee_ids, exercise, scored, scorers  # noqa: F401 (fixtures)
from appraisal.tests.conftest import write_summary
from core.models import AuditEvent
from tests.security.test_routes import PUBLIC_NAMESPACES, PUBLIC_VIEWS, ROUTES, _sample_url

PASSWORD = "pw-for-tests-1"
WRONG_CODE = "验证码不正确或已使用过"
# The last working day of 2026 Q1: the leader's ratings may be signed from then on.
START = datetime.datetime(2026, 3, 31, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def _code(device: TOTPDevice) -> str:
    device.refresh_from_db()
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def _login(client: Client, user, password: str = PASSWORD):
    return client.post(reverse("login"), {"username": user.username, "password": password}, REMOTE_ADDR="10.0.0.1")


def _verify(client: Client, token: str, next_url: str = "/"):
    return client.post(reverse("otp_verify"), {"token": token, "next": next_url}, REMOTE_ADDR="10.0.0.1")


def _enrol(client: Client, user) -> tuple[TOTPDevice, list[str]]:
    """Set up a device as the user does on the page; return it and its backup codes, signed out again."""
    client.force_login(user)
    client.get(reverse("otp_setup"))
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(reverse("otp_setup"), {"token": _code(device), "password": PASSWORD})
    codes = re.findall(r"<li>([a-z2-7]{8})</li>", response.content.decode())
    client.logout()
    return device, codes


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


# ---- Enrolment and removal -------------------------------------------------------------------------------------


def test_enrolment_shows_qr_and_secret_then_password_and_first_code_confirm_and_ten_backup_codes_show_once(
    client, personas, clock
):
    client.force_login(personas.lin)
    page = client.get(reverse("otp_setup"))
    html = page.content.decode()
    device = TOTPDevice.objects.get(user=personas.lin)
    assert not device.confirmed
    assert 'src="data:image/svg+xml' in html
    secret = re.search(r'id="otp-secret">([A-Z2-7 ]+)<', html).group(1)
    assert len(secret.replace(" ", "")) == 32
    # The page reloads with the same secret: the app the user already scanned keeps working.
    assert secret in client.get(reverse("otp_setup")).content.decode()

    response = client.post(reverse("otp_setup"), {"token": _code(device), "password": PASSWORD})
    codes = re.findall(r"<li>([a-z2-7]{8})</li>", response.content.decode())
    device.refresh_from_db()
    assert device.confirmed and len(set(codes)) == 10
    assert sorted(StaticToken.objects.filter(device__user=personas.lin).values_list("token", flat=True)) == sorted(
        codes
    )
    assert AuditEvent.objects.filter(action="auth.otp_enrol", actor=personas.lin).count() == 1
    again = client.get(reverse("otp_setup")).content.decode()
    assert 'id="otp-enabled"' in again and codes[0] not in again


def test_enrolment_with_a_wrong_code_or_password_confirms_nothing(client, personas, clock):
    client.force_login(personas.lin)
    client.get(reverse("otp_setup"))
    device = TOTPDevice.objects.get(user=personas.lin)
    wrong_code = client.post(reverse("otp_setup"), {"token": "000000", "password": PASSWORD})
    wrong_password = client.post(reverse("otp_setup"), {"token": _code(device), "password": "wrong"})
    assert "验证码不正确" in _text(wrong_code) and "密码不正确" in _text(wrong_password)
    device.refresh_from_db()
    assert not device.confirmed and not StaticDevice.objects.exists()
    assert not AuditEvent.objects.filter(action="auth.otp_enrol").exists()


def test_removal_needs_password_and_a_current_code_and_deletes_device_and_backup_codes(client, personas, clock):
    device, _ = _enrol(client, personas.lin)
    client.force_login(personas.lin)
    clock.shift(30)
    client.post(reverse("otp_verify"), {"token": _code(device)})
    clock.shift(30)
    refused = client.post(reverse("otp_remove"), {"password": "wrong", "token": _code(device)})
    assert "密码不正确" in _text(refused) and TOTPDevice.objects.filter(user=personas.lin).exists()
    response = client.post(reverse("otp_remove"), {"password": PASSWORD, "token": _code(device)})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=personas.lin).exists()
    assert not StaticDevice.objects.filter(user=personas.lin).exists()
    assert AuditEvent.objects.filter(action="auth.otp_remove", actor=personas.lin).count() == 1
    # Without a device the password alone signs in again.
    client.logout()
    _login(client, personas.lin)
    assert client.get(reverse("home")).status_code == 200


# ---- The second step -------------------------------------------------------------------------------------------


def test_user_with_a_device_reaches_only_the_second_step_until_a_code_verifies_the_session(client, personas, clock):
    device, _ = _enrol(client, personas.lin)
    assert _login(client, personas.lin).status_code == 302
    for url in (reverse("home"), reverse("appraisal:leader_home"), reverse("otp_remove"), "/admin/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("otp_verify")), url
    assert client.get(reverse("otp_verify")).status_code == 200
    clock.shift(30)
    session_before = client.session.session_key
    response = _verify(client, _code(device), next_url=reverse("appraisal:leader_home"))
    assert response.status_code == 302 and response.url == reverse("appraisal:leader_home")
    assert client.session.session_key != session_before
    assert client.get(reverse("appraisal:leader_home")).status_code == 200
    verified = AuditEvent.objects.get(action="auth.otp_verify", actor=personas.lin)
    assert verified.data["purpose"] == "login" and verified.data["device"] == "totp"


def test_every_route_but_the_second_step_logout_and_the_public_ones_waits_for_the_code(client, personas, clock):
    _enrol(client, personas.chief)
    _login(client, personas.chief)
    open_routes = {"otp_verify", "logout", *PUBLIC_VIEWS}
    gated = 0
    for route in ROUTES:
        url = _sample_url(route)
        if url is None or route.name in open_routes or route.namespace in PUBLIC_NAMESPACES:
            continue
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("otp_verify")), route.name
        gated += 1
    assert gated > 100


def test_second_step_page_is_not_public(client, db):
    response = client.get(reverse("otp_verify"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_users_without_a_device_sign_in_with_the_password_alone(client, personas, clock):
    _login(client, personas.alice)
    assert client.get(reverse("home")).status_code == 200


def test_a_replayed_code_is_refused(client, personas, clock):
    device, _ = _enrol(client, personas.lin)
    clock.shift(30)
    code = _code(device)
    _login(client, personas.lin)
    assert _verify(client, code).status_code == 302
    other = Client()
    _login(other, personas.lin)
    replay = _verify(other, code)
    assert replay.status_code == 200 and WRONG_CODE in _text(replay)
    assert other.get(reverse("home")).status_code == 302
    assert AuditEvent.objects.filter(action="auth.otp_failed", actor=personas.lin).count() == 1


def test_a_backup_code_passes_the_second_step_once(client, personas, clock):
    _, codes = _enrol(client, personas.lin)
    _login(client, personas.lin)
    assert _verify(client, codes[0].upper()).status_code == 302
    assert AuditEvent.objects.get(action="auth.otp_verify").data["device"] == "backup_code"
    client.logout()
    _login(client, personas.lin)
    assert WRONG_CODE in _text(_verify(client, codes[0]))
    assert StaticToken.objects.filter(device__user=personas.lin).count() == 9


def test_after_five_wrong_codes_even_the_right_code_is_refused_for_fifteen_minutes(client, personas, clock):
    device, _ = _enrol(client, personas.lin)
    _login(client, personas.lin)
    for _ in range(5):
        clock.shift(30)
        assert WRONG_CODE in _text(_verify(client, "123456" if _code(device) != "123456" else "654321"))
    assert AuditEvent.objects.filter(action="auth.lockout").count() == 1
    # Past django-otp's own back-off (16 s after five failures), the account's lock still refuses the right code,
    # with the message of a wrong one; the password step is locked as well.
    clock.shift(5 * 60)
    refused = _verify(client, _code(device))
    assert refused.status_code == 200 and WRONG_CODE in _text(refused)
    assert "用户名或密码不正确" in _text(_login(Client(), personas.lin))
    clock.shift(10 * 60 + 30)
    assert _verify(client, _code(device)).status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_the_password_alone_does_not_clear_the_code_failures_of_a_user_with_a_device(client, personas, clock):
    device, _ = _enrol(client, personas.lin)
    _login(client, personas.lin)
    for _ in range(4):
        clock.shift(30)
        _verify(client, "000000" if _code(device) != "000000" else "111111")
    client.logout()
    assert _login(client, personas.lin).status_code == 302
    clock.shift(30)
    _verify(client, "000000" if _code(device) != "000000" else "111111")
    clock.shift(60)
    assert WRONG_CODE in _text(_verify(client, _code(device)))


def test_a_role_that_requires_two_factors_sends_its_users_without_a_device_to_enrolment(
    client, personas, clock, settings
):
    settings.ZHIBU_OTP_REQUIRED_ROLES = ["leader", "principal_leader", "org_officer"]
    _login(client, personas.lin)
    response = client.get(reverse("appraisal:leader_home"))
    assert response.status_code == 302 and response.url.startswith(reverse("otp_setup"))
    page = client.get(reverse("otp_setup"))
    assert page.status_code == 200 and 'id="otp-required"' in page.content.decode()
    device = TOTPDevice.objects.get(user=personas.lin)
    client.post(reverse("otp_setup"), {"token": _code(device), "password": PASSWORD})
    assert client.get(reverse("appraisal:leader_home")).status_code == 200
    # Staff are not listed: the password suffices.
    other = Client()
    _login(other, personas.alice)
    assert other.get(reverse("home")).status_code == 200


# ---- Step-up before signing and filing ----------------------------------------------------------------------


@pytest.fixture
def signable(personas):
    cycle = cycle_open(year=2026, name="2026年度平时考核", by=personas.chief)
    p = personas.people
    group = group_add(cycle=cycle, name="办公室", leader=personas.lin, people=[p.alice, p.bob], by=personas.chief)
    for person in (p.alice, p.bob):
        write_summary(person)
    return group


def _sign_form(group, **extra) -> dict:
    data = {"password": PASSWORD, **extra}
    for appraisee in group.appraisees.select_related("person"):
        data[f"grade-{appraisee.pk}"] = Grade.COMPETENT
        data[f"opinion-{appraisee.pk}"] = f"{appraisee.person.name}工作认真负责"
    return data


def test_signing_more_than_fifteen_minutes_after_the_last_code_needs_a_fresh_code(client, personas, clock, signable):
    device, _ = _enrol(client, personas.lin)
    _login(client, personas.lin)
    clock.shift(30)
    _verify(client, _code(device))
    url = reverse("appraisal:sign", args=[signable.pk, 1])
    clock.shift(16 * 60)
    page = client.get(url).content.decode()
    assert 'name="otp_token"' in page
    refused = client.post(url, _sign_form(signable))
    assert refused.status_code == 200 and "须输入动态验证码" in _text(refused)
    assert "张小丽工作认真负责" in refused.content.decode()  # what was typed is kept
    wrong = client.post(url, _sign_form(signable, otp_token="000000" if _code(device) != "000000" else "111111"))
    assert WRONG_CODE in _text(wrong) and not Rating.objects.exists()
    clock.shift(30)
    signed = client.post(url, _sign_form(signable, otp_token=_code(device)))
    assert signed.status_code == 302 and Rating.objects.filter(signed_by=personas.lin).count() == 2
    step_up = AuditEvent.objects.filter(action="auth.otp_verify", data__purpose="step_up")
    assert step_up.count() == 1


def test_signing_within_fifteen_minutes_of_the_code_needs_only_the_password(client, personas, clock, signable):
    device, _ = _enrol(client, personas.lin)
    _login(client, personas.lin)
    clock.shift(30)
    _verify(client, _code(device))
    url = reverse("appraisal:sign", args=[signable.pk, 1])
    clock.shift(14 * 60)
    assert 'name="otp_token"' not in client.get(url).content.decode()
    wrong_password = client.post(url, _sign_form(signable, password="wrong"))
    assert "密码不正确，未签署" in _text(wrong_password)
    assert client.post(url, _sign_form(signable)).status_code == 302
    assert Rating.objects.count() == 2


def test_a_correction_needs_a_fresh_code_too(client, personas, clock, signable):
    device, _ = _enrol(client, personas.lin)
    _login(client, personas.lin)
    clock.shift(30)
    _verify(client, _code(device))
    client.post(reverse("appraisal:sign", args=[signable.pk, 1]), _sign_form(signable))
    rating = Rating.objects.get(person=personas.people.alice)
    clock.shift(16 * 60)
    url = reverse("appraisal:rating_revise", args=[rating.pk])
    data = {"grade": Grade.COMPETENT, "opinion": "更正后的意见", "reason": "笔误", "password": PASSWORD}
    refused = client.post(url, data)
    assert "须输入动态验证码" in _text(refused) and Rating.objects.count() == 2
    clock.shift(30)
    assert client.post(url, {**data, "otp_token": _code(device)}).status_code == 302
    assert Rating.objects.count() == 3


def test_a_leader_without_a_device_signs_with_the_password_as_before(client, personas, clock, signable):
    client.force_login(personas.lin)
    url = reverse("appraisal:sign", args=[signable.pk, 1])
    assert 'name="otp_token"' not in client.get(url).content.decode()
    assert client.post(url, _sign_form(signable)).status_code == 302


def test_filing_the_cadre_ranking_needs_a_fresh_code_from_an_officer_with_a_device(client, personas, clock, scored):
    device, _ = _enrol(client, personas.chief)
    _login(client, personas.chief)
    clock.shift(30)
    _verify(client, _code(device))
    clock.shift(16 * 60)
    url = reverse("appraisal:cadre_file", args=[scored.pk])
    refused = client.post(url, {"confirm": "on", "password": PASSWORD})
    assert "须输入动态验证码" in _text(refused) and not CadreResult.objects.exists()
    clock.shift(30)
    filed = client.post(url, {"confirm": "on", "password": PASSWORD, "otp_token": _code(device)})
    assert filed.status_code == 302 and CadreResult.objects.count() == 4
