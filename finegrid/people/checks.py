"""The rules a person's identity fields follow, shared by the roster import, the API and
the admin: ID number (GB 11643), sex and birth date consistent with it, mobile number.

Reasons are in the active language (Chinese first); they never quote the value, so an
error report does not repeat personal data: callers name the record and field instead.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext, gettext_lazy

from finegrid import identity
from finegrid.people.models import Sex

SEXES = frozenset(Sex.values)

RULE_REASONS = {
    "id_length": gettext_lazy("应为 %(expected)s 位，实为 %(length)s 位"),
    "id_characters": gettext_lazy("应为 17 位数字加 1 位数字或 X"),
    "id_birth_date": gettext_lazy("%(digits)s 不是有效的出生日期"),
    "id_birth_implausible": gettext_lazy("出生日期 %(birth)s 不合理"),
    "id_check_digit": gettext_lazy("校验位为 %(check)s，应为 %(expected)s"),
    "mobile": gettext_lazy("应为 13–19 开头的 11 位手机号（可带 +86）"),
}


def not_one_of(value: str, choices: str) -> str:
    """The reason for a value outside a fixed list (shared with the roster's columns)."""
    return gettext("“%(value)s”不在可选值中（%(choices)s）") % {
        "value": value,
        "choices": choices,
    }


def identity_reason(error: identity.IdentityError) -> str:
    """The reason an ID or mobile number was refused, in the active language."""
    return RULE_REASONS[error.rule] % error.details


def check_identity(
    *,
    id_number: str = "",
    sex: str = "",
    birth_date: dt.date | None = None,
    phone: str = "",
    today: dt.date | None = None,
) -> tuple[dict, dict[str, str]]:
    """Normalized values and {field: reason} for every problem. Sex and birth date are
    read from the ID number when it is given, and must agree with it when both are."""
    problems: dict[str, str] = {}
    values = {"id_number": "", "sex": sex, "birth_date": birth_date, "phone": ""}
    if id_number:
        try:
            values["id_number"] = identity.validate_id_number(id_number, today=today)
        except identity.IdentityError as error:
            problems["id_number"] = identity_reason(error)
        else:
            from_id_sex = Sex.MALE if identity.id_is_male(values["id_number"]) else Sex.FEMALE
            from_id_birth = identity.id_birth_date(values["id_number"])
            if sex and sex != from_id_sex:
                problems["sex"] = gettext("与身份证号不符")
            if birth_date and birth_date != from_id_birth:
                problems["birth_date"] = gettext("与身份证号不符")
            values["sex"], values["birth_date"] = from_id_sex, from_id_birth
    if not values["sex"] and "id_number" not in problems:
        problems["sex"] = gettext("未填写，且没有身份证号可供推算")
    elif values["sex"] and values["sex"] not in SEXES:
        problems["sex"] = not_one_of(values["sex"], ", ".join(Sex.values))
    if phone:
        try:
            values["phone"] = identity.validate_mobile(phone)
        except identity.IdentityError as error:
            problems["phone"] = identity_reason(error)
    return values, problems
