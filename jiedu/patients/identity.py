"""Rules for the 18-digit resident identity number (GB 11643). Pure functions; no database.

Format, check digit (mod 11-2) and birth date come from python-stdnum's ``cn.ric``. The region prefix must be a
GB/T 2260 county code that existed at any time: identity numbers keep the code they were first issued under,
so stdnum's stricter "valid in the birth year" rule would refuse real people (docs/adr/0003).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from django.utils.translation import gettext as _
from stdnum import numdb
from stdnum.cn import ric
from stdnum.exceptions import InvalidComponent

_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")
MALE, FEMALE = "M", "F"


class IdNumberError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class IdNumber:
    number: str
    region_code: str
    birth_date: dt.date
    sex: str  # "M" or "F": the 17th digit, odd for men

    @property
    def masked(self) -> str:
        return mask(self.number)


def normalise(raw: str) -> str:
    return re.sub(r"[\s-]", "", raw or "").upper()


@lru_cache(maxsize=4096)
def region_code_known(code: str) -> bool:
    """The code was a GB/T 2260 division at some time (current or abolished)."""
    return bool(numdb.get("cn/loc").info(code)[-1][1]) if len(code) == 6 and code.isdigit() else False


def parse(raw: str, *, today: dt.date) -> IdNumber:
    number = normalise(raw)
    if len(number) != 18:
        raise IdNumberError(
            "length", _("An identity number has 18 characters; this one has %(n)d.") % {"n": len(number)}
        )
    if not _SHAPE.match(number):
        raise IdNumberError("format", _("An identity number is 17 digits followed by a digit or X."))
    if not region_code_known(number[:6]):
        raise IdNumberError(
            "region",
            _("The first six digits (%(code)s) are not a GB/T 2260 region code.") % {"code": number[:6]},
        )
    try:
        birth = ric.get_birth_date(number)
    except InvalidComponent:
        raise IdNumberError(
            "birth_date", _("Digits 7–14 (%(d)s) are not a real date.") % {"d": number[6:14]}
        ) from None
    if birth > today or birth.year < 1900:
        raise IdNumberError(
            "birth_date", _("The birth date in the number (%(d)s) is impossible.") % {"d": birth.isoformat()}
        )
    expected = ric.calc_check_digit(number)
    if number[-1] != expected:
        raise IdNumberError(
            "check_digit",
            _("The check digit is wrong: the last character should be %(expected)s; please check the number.")
            % {"expected": expected},
        )
    return IdNumber(
        number=number, region_code=number[:6], birth_date=birth, sex=MALE if int(number[16]) % 2 else FEMALE
    )


def mask(number: str) -> str:
    """Region prefix (4) and the last 4 characters; the birth date and sequence stay hidden."""
    return f"{number[:4]}{'*' * 10}{number[-4:]}" if len(number) == 18 else "*" * len(number)


def looks_like_id_number(text: str) -> bool:
    return bool(_SHAPE.match(normalise(text)))


def check_digit_for(first17: str) -> str:
    return ric.calc_check_digit(first17 + "0")
