"""Rules for resident ID numbers and mobile numbers, shared by the generator and the registry.

An ID number (居民身份证号码, GB 11643-1999) is 18 characters: a 6-digit address code,
the birth date as YYYYMMDD, a 3-digit sequence code whose last digit is odd for men and
even for women, and a check digit (ISO 7064 MOD 11-2; ``X`` stands for 10).

python-stdnum's ``cn.ric`` also checks the address code against historical county
tables, which rejects today's codes for people born before their district was created
(e.g. 新津区 510118, 2020); finegrid checks the standard's structure only.
"""

from __future__ import annotations

import datetime
import operator
import re

ID_LENGTH = 18
# Weight of each of the first 17 digits: 2**(17 - i) mod 11.
ID_WEIGHTS = tuple(pow(2, 17 - position, 11) for position in range(17))
# Check character for each remainder of the weighted sum mod 11.
ID_CHECK_CHARACTERS = "10X98765432"
EARLIEST_BIRTH_DATE = datetime.date(1900, 1, 1)

_MOBILE = re.compile(r"1[3-9]\d{9}")
_MOBILE_SEPARATORS = re.compile(r"[\s-]")


class IdentityError(ValueError):
    """An ID or mobile number that breaks a rule. The message is English and quotes the
    value; ``reason`` is the message without the value, and ``rule`` and ``details`` let
    the registry say it in the reader's language."""

    def __init__(self, value: str, rule: str, reason: str, **details: object) -> None:
        self.rule = rule
        self.reason = reason
        self.details = details
        what = "mobile number" if rule == "mobile" else "ID number"
        super().__init__(f"{what} {value!r}: {reason}")


def id_check_digit(first17: str) -> str:
    """The check character for the first 17 digits of an ID number."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError(f"expected 17 digits, got {first17!r}")
    total = sum(map(operator.mul, map(int, first17), ID_WEIGHTS))
    return ID_CHECK_CHARACTERS[total % 11]


def id_birth_date(value: str) -> datetime.date:
    """The birth date an ID number carries (IdentityError if it is no calendar date)."""
    try:
        return datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        digits = value[6:14]
        raise IdentityError(
            value, "id_birth_date", f"{digits} is not a valid birth date", digits=digits
        ) from None


def id_is_male(value: str) -> bool:
    """Sex from the sequence code: odd for men, even for women."""
    return int(value[16]) % 2 == 1


def validate_id_number(value: str, *, today: datetime.date | None = None) -> str:
    """The normalized ID number (trimmed, upper-case X), or IdentityError saying why."""
    normalized = value.strip().upper()
    if len(normalized) != ID_LENGTH:
        raise IdentityError(
            value,
            "id_length",
            f"must be {ID_LENGTH} characters, got {len(normalized)}",
            expected=ID_LENGTH,
            length=len(normalized),
        )
    body, check = normalized[:17], normalized[17]
    if not (body.isascii() and body.isdigit()) or check not in "0123456789X":
        raise IdentityError(value, "id_characters", "must be 17 digits followed by a digit or X")
    birth = id_birth_date(normalized)
    if not EARLIEST_BIRTH_DATE <= birth <= (today or datetime.date.today()):
        raise IdentityError(
            value, "id_birth_implausible", f"birth date {birth} is not plausible", birth=birth
        )
    expected = id_check_digit(body)
    if check != expected:
        raise IdentityError(
            value,
            "id_check_digit",
            f"check digit is {check}, expected {expected}",
            check=check,
            expected=expected,
        )
    return normalized


def validate_mobile(value: str) -> str:
    """Return a mainland mobile number as 11 digits (spaces, dashes and +86 dropped)."""
    digits = _MOBILE_SEPARATORS.sub("", value)
    digits = digits.removeprefix("+86")
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    if not _MOBILE.fullmatch(digits):
        raise IdentityError(
            value, "mobile", "must be 11 digits starting with 13–19 (optionally +86)"
        )
    return digits


def _mask(value: str, head: int, tail: int) -> str:
    if len(value) <= head + tail:
        return "*" * len(value)
    return value[:head] + "*" * (len(value) - head - tail) + value[-tail:]


def mask_id_number(value: str) -> str:
    """Show the address code and the last four characters: 510116********123X."""
    return _mask(value, 6, 4)


def mask_birth_date(value: datetime.date | int) -> str:
    """Show the year only (of a date, or a year): with the day, a masked ID number's
    hidden digits would show."""
    return f"{getattr(value, 'year', value)}-**-**"


def mask_phone(value: str) -> str:
    """Show the first three and last four digits: 138****8000."""
    return _mask(value, 3, 4)
