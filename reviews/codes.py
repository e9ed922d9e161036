"""One-time voting codes (DOMAIN.md §7; RELIABILITY.md R21).

A code is 10 characters from an alphabet without look-alikes (no 0/O, 1/I/L), drawn with `secrets`: 31^10 ≈ 2^49
possibilities, so guessing one of a poll's few hundred codes is hopeless without any rate limit. It is printed
grouped (ABCDE-FGHJK) and stored only as a keyed hash, unique across polls, so a participant needs nothing but
the code. Normalisation forgives case, spaces and dashes and nothing else: a mistyped character is a wrong code,
never silently another one.
"""

import re
import secrets

from django.utils.crypto import salted_hmac

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 10
GROUP = 5
HASH_SALT = "zhibu.reviews.code"
_SEPARATORS = re.compile(r"[\s\-‐‑–—－]+")
_VALID = re.compile(f"[{ALPHABET}]{{{LENGTH}}}")


def code_generate() -> str:
    """A new code in its normalised form (no separators)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def code_normalise(text: str) -> str | None:
    """The code as stored in the hash, or None when the text cannot be a code at all."""
    normalised = _SEPARATORS.sub("", text or "").upper()
    return normalised if _VALID.fullmatch(normalised) else None


def code_display(code: str) -> str:
    """ABCDE-FGHJK: easier to read aloud and to type from a slip."""
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


def code_hash(normalised: str) -> str:
    """The keyed hash kept in VotingCode (HMAC-SHA256 under SECRET_KEY): without the key, the table cannot be
    matched against guessed codes. Rotating SECRET_KEY while a poll is open makes its unused codes unknown."""
    return salted_hmac(HASH_SALT, normalised, algorithm="sha256").hexdigest()
