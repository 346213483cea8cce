import datetime as dt

import pytest

from jiedu.patients import identity
from jiedu.testing import make_id_number

TODAY = dt.date(2026, 11, 23)


def test_valid_number_gives_region_birth_date_and_sex():
    parsed = identity.parse("11010519491231002X", today=TODAY)
    assert parsed.number == "11010519491231002X"
    assert parsed.region_code == "110105"
    assert parsed.birth_date == dt.date(1949, 12, 31)
    assert parsed.sex == "F"
    assert parsed.masked == "1101**********002X"


def test_lower_case_x_spaces_and_dashes_are_normalised():
    assert identity.parse(" 110105-19491231-002x ", today=TODAY).number == "11010519491231002X"


@pytest.mark.parametrize(
    ("raw", "code", "message"),
    [
        ("1101051949123100", "length", "An identity number has 18 characters; this one has 16."),
        ("1101051949123100XX", "format", "An identity number is 17 digits followed by a digit or X."),
        ("99010519491231002X", "region", "The first six digits (990105) are not a GB/T 2260 region code."),
        ("110105194902300021", "birth_date", "Digits 7–14 (19490230) are not a real date."),
        (
            "110105194912310021",
            "check_digit",
            "The check digit is wrong: the last character should be X; please check the number.",
        ),
    ],
)
def test_invalid_numbers_say_what_is_wrong(raw, code, message):
    with pytest.raises(identity.IdNumberError) as info:
        identity.parse(raw, today=TODAY)
    assert info.value.code == code
    assert info.value.message == message


def test_birth_date_in_the_future_is_impossible():
    number = make_id_number(birth=dt.date(2027, 1, 1))
    with pytest.raises(identity.IdNumberError) as info:
        identity.parse(number, today=TODAY)
    assert info.value.message == "The birth date in the number (2027-01-01) is impossible."


def test_abolished_region_code_is_still_valid_for_old_numbers():
    # 350523 南安县 was replaced by 350583 南安市 in 1993; numbers issued under it remain valid.
    number = make_id_number(region="350523", birth=dt.date(1975, 2, 14))
    assert identity.parse(number, today=TODAY).region_code == "350523"


def test_current_code_accepted_for_people_born_before_it_existed():
    # python-stdnum's own validate() refuses this (birth year 1975 < 1993); real cards carry it.
    number = make_id_number(region="350583", birth=dt.date(1975, 2, 14))
    assert identity.parse(number, today=TODAY).birth_date == dt.date(1975, 2, 14)


def test_sex_digit():
    assert identity.parse(make_id_number(sex="M"), today=TODAY).sex == "M"
    assert identity.parse(make_id_number(sex="F"), today=TODAY).sex == "F"


def test_looks_like_id_number():
    assert identity.looks_like_id_number("11010519491231002x")
    assert not identity.looks_like_id_number("zsf")
