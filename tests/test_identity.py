"""The ID-number and mobile-number rules in finegrid.identity."""

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finegrid import identity

# A published specimen: GB 11643-1999 appendix example, check digit X.
SPECIMEN = "11010519491231002X"
birth_dates = st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2024, 6, 30))


def make_id(address: str, birth: datetime.date, sequence: int) -> str:
    first17 = f"{address}{birth:%Y%m%d}{sequence:03d}"
    return first17 + identity.id_check_digit(first17)


def test_specimen_check_digit():
    assert identity.id_check_digit(SPECIMEN[:17]) == "X"
    assert identity.validate_id_number(SPECIMEN.lower()) == SPECIMEN


@given(
    address=st.from_regex(r"[1-8][0-9]{5}", fullmatch=True),
    birth=birth_dates,
    sequence=st.integers(0, 999),
)
def test_generated_numbers_validate_and_carry_birth_date_and_sex(address, birth, sequence):
    number = make_id(address, birth, sequence)
    assert identity.validate_id_number(f"  {number} ") == number
    assert identity.id_birth_date(number) == birth
    assert identity.id_is_male(number) == (sequence % 2 == 1)


@given(birth=birth_dates, sequence=st.integers(0, 999), position=st.integers(0, 16))
def test_any_single_digit_change_is_caught(birth, sequence, position):
    number = make_id("510116", birth, sequence)
    changed = str((int(number[position]) + 1) % 10)
    corrupted = number[:position] + changed + number[position + 1 :]
    with pytest.raises(ValueError, match=r"check digit|birth date"):
        identity.validate_id_number(corrupted)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("51011619800101123", "must be 18 characters"),
        ("5101161980010112345", "must be 18 characters"),
        ("51011619800101123A", "17 digits followed by a digit or X"),
        ("5101161980O101123X", "17 digits followed by a digit or X"),
        ("510116198002301234", "not a valid birth date"),
        ("510116189912311234", "not plausible"),
        ("510116299912311234", "not plausible"),
    ],
)
def test_invalid_id_numbers_say_why(value, reason):
    with pytest.raises(ValueError, match=reason):
        identity.validate_id_number(value)


def test_wrong_check_digit_names_the_expected_one():
    number = make_id("510116", datetime.date(1980, 1, 1), 123)
    wrong = "0" if number[-1] != "0" else "1"
    with pytest.raises(ValueError, match=f"expected {number[-1]}"):
        identity.validate_id_number(number[:-1] + wrong)


def test_check_digit_needs_17_digits():
    with pytest.raises(ValueError, match="17 digits"):
        identity.id_check_digit("1234")


@pytest.mark.parametrize(
    ("value", "normalized"),
    [
        ("13800138000", "13800138000"),
        ("+86 138-0013-8000", "13800138000"),
        ("8619912345678", "19912345678"),
    ],
)
def test_valid_mobiles_are_normalized(value, normalized):
    assert identity.validate_mobile(value) == normalized


@pytest.mark.parametrize("value", ["12800138000", "1380013800", "138001380001", "abc", ""])
def test_invalid_mobiles_are_refused(value):
    with pytest.raises(ValueError, match="mobile number"):
        identity.validate_mobile(value)


def test_masks_show_only_the_agreed_characters():
    assert identity.mask_id_number("51011619800101123X") == "510116********123X"
    assert identity.mask_phone("13800138000") == "138****8000"
    assert identity.mask_phone("123") == "***"
