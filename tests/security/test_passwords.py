"""Password policy and storage (RELIABILITY.md R9; ASVS 5.0 6.1.2, 6.2.1, 6.2.4; MLPS 8.1.4.1 a)): the configured
validators refuse every entry of the lists below, accept a strong password, and the first hasher of the deployed
settings is PBKDF2 or Argon2 (the test settings use MD5 for speed only)."""

import ast
import importlib.util
from pathlib import Path

import pytest
from django.conf import global_settings
from django.contrib.auth.password_validation import (
    MinimumLengthValidator,
    get_default_password_validators,
    validate_password,
)
from django.core.exceptions import ValidationError

from config.settings import base as base_settings
from core.password_validation import ContextWordValidator
from tests.factories import UserFactory

PRODUCTION_SETTINGS = importlib.util.find_spec("config.settings.production").origin
STRONG = "Tq7#vLm9-rW2!x"
TOO_SHORT = ["Ab3$xyz", "k9#Lm2", "", "短密码1a"]
COMMON = ["password", "12345678", "qwerty123", "iloveyou", "password1", "abc123456", "1q2w3e4r", "88888888"]
# ASVS 5.0 6.1.2: the words an attacker tries first against this system.
CONTEXT = [
    "Zhibu@2026!",
    "zhi-bu_2026_Q",
    "ＺＨＩＢＵ２０２６xy",
    "组织部2026abc",
    "zuzhibu#2026",
    "Dangjian@2026",
    "jiguan!Tq7#vLm",
    "某区机关2026!x",
    "办公室Tq7#vLm9",
    "Bangongshi@2026",
    "xuanchuanbu#Tq7",
    "第一党支部Tq7#v",
    "diyidangzongzhi9",
]


def _refused(password: str, user=None) -> bool:
    try:
        validate_password(password, user)
    except ValidationError:
        return True
    return False


def test_the_four_django_validators_and_the_context_word_validator_are_configured():
    names = {type(v).__name__ for v in get_default_password_validators()}
    assert {
        "UserAttributeSimilarityValidator",
        "ChineseMinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
        "ContextWordValidator",
    } <= names
    length = next(v for v in get_default_password_validators() if isinstance(v, MinimumLengthValidator))
    assert length.min_length >= 8


@pytest.mark.django_db
@pytest.mark.parametrize("password", TOO_SHORT)
def test_passwords_shorter_than_eight_characters_are_refused(password):
    assert _refused(password)


@pytest.mark.django_db
@pytest.mark.parametrize("password", COMMON)
def test_common_passwords_are_refused(password):
    assert _refused(password)


@pytest.mark.django_db
def test_passwords_like_the_users_own_name_or_address_are_refused():
    user = UserFactory(username="zhangxiaoli", email="zhangxiaoli@example.gov.cn", first_name="Xiaoli")
    assert _refused("zhangxiaoli1", user)
    assert _refused("Zhangxiaoli!", user)
    assert not _refused(STRONG, user)


@pytest.mark.django_db
@pytest.mark.parametrize("password", CONTEXT)
def test_passwords_with_the_system_unit_or_organisation_name_are_refused(org, password):
    with pytest.raises(ValidationError) as refused:
        validate_password(password)
    assert "password_context_word" in {e.code for e in refused.value.error_list}


@pytest.mark.django_db
def test_a_deployment_adds_its_own_words_and_a_strong_password_passes(org):
    assert not _refused(STRONG)
    with pytest.raises(ValidationError):
        ContextWordValidator(words=["haidian"]).validate("Haidian#Tq7vLm9")
    ContextWordValidator(words=["haidian"]).validate(STRONG)


@pytest.mark.django_db
def test_a_refusal_says_why_in_chinese(org):
    with pytest.raises(ValidationError) as refused:
        validate_password("Zhibu@2026!")
    assert any("名称" in message for message in refused.value.messages)


def test_the_deployed_settings_hash_with_pbkdf2_or_argon2():
    # Production only tightens base; if it ever names its own hashers, it must be read here too.
    production = ast.parse(Path(PRODUCTION_SETTINGS).read_text(encoding="utf-8"))
    assigned = {
        t.id
        for node in ast.walk(production)
        if isinstance(node, ast.Assign)
        for t in node.targets
        if isinstance(t, ast.Name)
    }
    assert "PASSWORD_HASHERS" not in assigned
    hashers = getattr(base_settings, "PASSWORD_HASHERS", global_settings.PASSWORD_HASHERS)
    assert hashers[0] in {
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
    }
