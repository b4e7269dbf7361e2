"""The rules a person's identity fields follow, shared by the roster import, the API and
the admin: ID number (GB 11643), sex and birth date consistent with it, mobile number."""

from __future__ import annotations

import datetime as dt

from finegrid import identity
from finegrid.people.models import Sex

SEXES = frozenset(Sex.values)


def _without_value(message: str) -> str:
    """The validators quote the value; callers name the record and field instead, so that
    an error report does not repeat personal data."""
    return message.split(": ", 1)[1] if ": " in message else message


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
        except ValueError as error:
            problems["id_number"] = _without_value(str(error))
        else:
            from_id_sex = Sex.MALE if identity.id_is_male(values["id_number"]) else Sex.FEMALE
            from_id_birth = identity.id_birth_date(values["id_number"])
            if sex and sex != from_id_sex:
                problems["sex"] = "does not match the ID number"
            if birth_date and birth_date != from_id_birth:
                problems["birth_date"] = "does not match the ID number"
            values["sex"], values["birth_date"] = from_id_sex, from_id_birth
    if not values["sex"] and "id_number" not in problems:
        problems["sex"] = "is missing and there is no ID number to read it from"
    elif values["sex"] and values["sex"] not in SEXES:
        problems["sex"] = f"{values['sex']!r} is not one of {', '.join(Sex.values)}"
    if phone:
        try:
            values["phone"] = identity.validate_mobile(phone)
        except ValueError as error:
            problems["phone"] = _without_value(str(error))
    return values, problems
