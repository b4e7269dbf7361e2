"""The unified social credit code (统一社会信用代码) of GB 32100-2015.

Eighteen characters from a 31-character alphabet (digits and capitals without I, O, Z,
S, V): the registering authority, the kind of organization, the 6-digit division code of
the registering office, the 9-character organization code, and a check character. The
check character makes the weighted sum of all eighteen values divisible by 31, with
weights 3**i mod 31 over the first seventeen.
"""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
VALUE = {char: value for value, char in enumerate(ALPHABET)}
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))


class CreditCodeError(ValueError):
    """A code that is not a valid unified social credit code; ``reason`` says why."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


def check_character(first17: str) -> str:
    """The check character (18th) for the first seventeen characters."""
    total = sum(VALUE[char] * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def validate(code: str) -> str:
    """The code, upper-cased and stripped, or CreditCodeError."""
    code = (code or "").strip().upper()
    if len(code) != 18:
        raise CreditCodeError(f"must be 18 characters, not {len(code)}")
    wrong = sorted({char for char in code if char not in VALUE})
    if wrong:
        raise CreditCodeError(f"has characters outside GB 32100: {''.join(wrong)}")
    if not code[2:8].isdigit():
        raise CreditCodeError("characters 3–8 must be the digits of a division code")
    expected = check_character(code[:17])
    if code[17] != expected:
        raise CreditCodeError(f"check character is {code[17]}, should be {expected}")
    return code


def complete(first17: str) -> str:
    """The full code for seventeen characters (for test and demo data)."""
    return first17 + check_character(first17)
