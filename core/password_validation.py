"""Password rules beyond Django's validators (RELIABILITY.md R9, ASVS 5.0 6.1.2 and 6.2.x): a password may not
contain the words an attacker tries first against an organ's system: the system's own name, the organisation
department, and the names of this deployment's units and party organisations, in Chinese and in pinyin."""

import re
import unicodedata

from django.contrib.auth.password_validation import MinimumLengthValidator
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from pypinyin import lazy_pinyin

# The system and its owner, in Chinese and pinyin, as people type them into passwords.
CONTEXT_WORDS = (
    "支部", "zhibu", "党支部", "dangzhibu", "组织部", "zuzhibu", "党建", "dangjian", "机关", "jiguan",
    "工委", "gongwei", "党委", "dangwei", "共产党", "gongchandang",
)  # fmt: skip
# Shorter Latin words would refuse half of all passwords by accident ("bu", "ban").
MIN_LATIN_LENGTH = 4
MIN_CJK_LENGTH = 2
NOT_WORD = re.compile(r"[\W_\d]+")


def _normalised(text: str) -> str:
    """Full-width letters folded, case and the separators people put between syllables dropped."""
    return NOT_WORD.sub("", unicodedata.normalize("NFKC", text).casefold())


def _long_enough(word: str) -> bool:
    return len(word) >= (MIN_LATIN_LENGTH if word.isascii() else MIN_CJK_LENGTH)


class ChineseMinimumLengthValidator(MinimumLengthValidator):
    """Django's, with its refusal in Chinese: Django 5.2's zh_Hans catalogue lacks the current English text, so the
    message appeared in English."""

    def get_error_message(self) -> str:
        return _("密码太短，至少须有 %(min_length)d 个字符。") % {"min_length": self.min_length}


class ContextWordValidator:
    """Refuse a password containing a context word. `words` in the validator's OPTIONS adds a deployment's own
    (the district's name, its abbreviation); the names of units and party organisations are read at each check."""

    def __init__(self, words: list[str] | None = None) -> None:
        self.extra_words = list(words or [])

    def context_words(self) -> set[str]:
        from branches.models import PartyOrganization, Unit  # the apps are loaded by the time a password is set

        names = [
            *Unit.objects.values_list("name", flat=True),
            *PartyOrganization.objects.values_list("name", flat=True),
        ]
        words = {*CONTEXT_WORDS, *self.extra_words}
        for name in names:
            words.add(name)
            words.add("".join(lazy_pinyin(name)))
        return {w for w in map(_normalised, words) if _long_enough(w)}

    def validate(self, password: str, user=None) -> None:
        typed = _normalised(password)
        found = sorted((w for w in self.context_words() if w in typed), key=len, reverse=True)
        if found:
            raise ValidationError(
                _("密码不能包含本系统、单位或党组织的名称（含拼音）：“%(word)s”容易被猜到。"),
                code="password_context_word",
                params={"word": found[0]},
            )

    def get_help_text(self) -> str:
        return _("密码不能包含本系统、单位或党组织的名称（含拼音）。")
