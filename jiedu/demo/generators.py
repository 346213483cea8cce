"""Pure generators for the demo county's people: no database, the same seed always gives the same output.

Each person is drawn in turn from one ``random.Random`` stream, so ``demo_people(seed=s, count=n)`` is a
prefix of ``demo_people(seed=s, count=m)`` for n ≤ m. Portraits come from a stream of their own per person,
so drawing a photo never shifts the people.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageDraw
from stdnum.cn import uscc

from jiedu.demo import data
from jiedu.patients.identity import check_digit_for, mask
from jiedu.patients.models import Sex
from jiedu.registry.regions import read_rows

PHOTO_SIZE = (240, 300)
_FIRST_BIRTH = dt.date(1958, 1, 1)
_LAST_BIRTH = dt.date(2004, 12, 31)
_BIRTH_MODE = dt.date(1976, 6, 1)  # MMT patients are mostly in their forties and fifties
_MALE_SHARE = 0.86


@dataclass(frozen=True)
class DemoPerson:
    index: int
    name: str
    sex: str
    birth_date: dt.date
    id_number: str
    phone: str
    household_region_code: str
    current_address: str
    #: Key of the organisation (``data.ORGANISATIONS``) the person is registered at.
    organisation: str
    #: Username of the registering user.
    registrar: str

    @property
    def id_number_masked(self) -> str:
        return mask(self.id_number)


# --- Reference codes ------------------------------------------------------------------------------------


def _org_code_check(code8: str) -> str:
    """GB 11714 organisation code check character for the first eight characters."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(c, 36) * w for c, w in zip(code8, weights, strict=True))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def credit_code(base16: str) -> str:
    """Complete a unified social credit code: organisation-code check, then the GB 32100 check character."""
    body = base16 + _org_code_check(base16[8:16])
    return body + uscc.calc_check_digit(body)


@lru_cache(maxsize=1)
def _migrant_counties() -> dict[str, tuple[str, ...]]:
    """Current county-level codes by province, without 市辖区 placeholders, 金门 and 泉州 itself."""
    counties: dict[str, list[str]] = {}
    for row in read_rows():
        if row.level != "county" or row.valid_to is not None or row.name in {"市辖区", "县"}:
            continue
        if row.code.startswith("3505"):
            continue
        counties.setdefault(row.code[:2], []).append(row.code)
    return {p: tuple(sorted(codes)) for p, codes in counties.items() if p in data.MIGRANT_PROVINCES}


# --- People ---------------------------------------------------------------------------------------------


def _pick_weighted(rng: random.Random, weights: dict[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _name(rng: random.Random, sex: str, birth: dt.date) -> str:
    surname = _pick_weighted(rng, data.SURNAMES)
    male = sex == Sex.MALE
    first_pool = data.GIVEN_MALE_FIRST if male else data.GIVEN_FEMALE_FIRST
    second_pool = data.GIVEN_MALE_SECOND if male else data.GIVEN_FEMALE_SECOND
    one_character = 0.3 if birth.year < 1970 else 0.15
    if rng.random() < one_character:
        return surname + rng.choice(second_pool)
    first = rng.choice(first_pool)
    second = rng.choice(second_pool)
    while second == first:
        second = rng.choice(second_pool)
    return surname + first + second


def _birth_date(rng: random.Random) -> dt.date:
    day = rng.triangular(_FIRST_BIRTH.toordinal(), _LAST_BIRTH.toordinal(), _BIRTH_MODE.toordinal())
    return dt.date.fromordinal(int(day))


def _id_region(rng: random.Random, birth: dt.date) -> str:
    """Mostly 南安 (the old 南安县 code for numbers issued before 1993), some 泉州, some migrants."""
    draw = rng.random()
    if draw < 0.12:
        return data.OLD_COUNTY_CODE if birth.year < data.OLD_COUNTY_UNTIL_YEAR else data.COUNTY_CODE
    if draw < 0.72:
        return data.COUNTY_CODE
    if draw < 0.86:
        return rng.choice(data.QUANZHOU_CODES)
    counties = _migrant_counties()
    return rng.choice(counties[_pick_weighted(rng, data.MIGRANT_PROVINCES)])


def _id_number(rng: random.Random, region: str, birth: dt.date, sex: str, used: set[str]) -> str:
    """A valid GB 11643 number: the 17th digit is odd for men, even for women; unique within ``used``."""
    while True:
        sequence = rng.randrange(100)
        sex_digit = rng.choice("13579" if sex == Sex.MALE else "02468")
        body = f"{region}{birth:%Y%m%d}{sequence:02d}{sex_digit}"
        number = body + check_digit_for(body)
        if number not in used:
            used.add(number)
            return number


def _phone(rng: random.Random) -> str:
    return rng.choice(data.MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def _address(rng: random.Random) -> str:
    town = rng.choice(list(data.TOWNS))
    place = rng.choice(data.TOWNS[town])
    if place.endswith("村"):
        where = f"{place}{rng.randint(1, 12)}组{rng.randint(1, 160)}号"
    elif place.endswith("社区"):
        where = f"{place}{rng.randint(1, 28)}幢{rng.randint(1, 18)}0{rng.randint(1, 4)}室"
    else:
        where = f"{place}{rng.randint(1, 420)}号"
    return f"{data.ADDRESS_PREFIX}{town}{where}"


def demo_people(*, seed: int, count: int = data.DEFAULT_PERSONS) -> list[DemoPerson]:
    rng = random.Random(f"jiedu-demo:{seed}:people")  # noqa: S311 - demo data, not secrets
    used: set[str] = set()
    people: list[DemoPerson] = []
    for index in range(count):
        sex = Sex.MALE if rng.random() < _MALE_SHARE else Sex.FEMALE
        birth = _birth_date(rng)
        name = _name(rng, sex, birth)
        region = _id_region(rng, birth)
        number = _id_number(rng, region, birth, sex, used)
        organisation = data.REGISTRATION_PATTERN[index % len(data.REGISTRATION_PATTERN)]
        registrars = data.REGISTRARS[organisation]
        people.append(
            DemoPerson(
                index=index,
                name=name,
                sex=str(sex),
                birth_date=birth,
                id_number=number,
                phone=_phone(rng),
                household_region_code=region,
                current_address=_address(rng),
                organisation=organisation,
                registrar=registrars[index % len(registrars)],
            )
        )
    return people


# --- Portraits ------------------------------------------------------------------------------------------

_BACKGROUNDS = ((67, 142, 219), (60, 130, 210), (245, 245, 245), (235, 238, 242), (200, 40, 45))
_SKIN = ((241, 204, 170), (232, 190, 152), (222, 176, 136), (205, 160, 120), (190, 142, 104))
_HAIR = ((24, 20, 18), (40, 32, 28), (58, 44, 34), (90, 88, 86), (150, 148, 145))
_CLOTHES = ((40, 48, 64), (70, 70, 78), (30, 60, 110), (120, 30, 40), (230, 230, 230), (60, 90, 60))


def _jitter(rng: random.Random, colour: tuple[int, int, int], spread: int = 10) -> tuple[int, int, int]:
    r, g, b = (max(0, min(255, c + rng.randint(-spread, spread))) for c in colour)
    return (r, g, b)


def portrait_jpeg(*, seed: int, index: int, sex: str, birth_year: int = 1976) -> bytes:
    """A 240×300 ID-style head-and-shoulders silhouette on a plain background, as JPEG bytes."""
    rng = random.Random(f"jiedu-demo:{seed}:portrait:{index}")  # noqa: S311 - demo data, not secrets
    width, height = PHOTO_SIZE
    image = Image.new("RGB", PHOTO_SIZE, _jitter(rng, rng.choice(_BACKGROUNDS), 6))
    draw = ImageDraw.Draw(image)
    skin = _jitter(rng, rng.choice(_SKIN))
    hair = _jitter(rng, rng.choice(_HAIR[:3] if birth_year >= 1970 else _HAIR), 6)
    clothes = _jitter(rng, rng.choice(_CLOTHES))
    cx = width // 2 + rng.randint(-6, 6)
    head_w, head_h = rng.randint(92, 104), rng.randint(116, 128)
    top = rng.randint(60, 72)
    head = (cx - head_w // 2, top, cx + head_w // 2, top + head_h)
    chin = top + head_h
    if sex == Sex.FEMALE:  # longer hair falls behind the head onto the shoulders
        draw.rounded_rectangle((head[0] - 12, top - 10, head[2] + 12, chin + 46), radius=46, fill=hair)
    draw.ellipse((cx - 118, chin + 28, cx + 118, chin + 260), fill=clothes)  # shoulders
    draw.rectangle((cx - 24, chin - 24, cx + 24, chin + 40), fill=skin)  # neck
    draw.polygon([(cx - 26, chin + 32), (cx, chin + 62), (cx + 26, chin + 32)], fill=skin)  # collar
    draw.ellipse((head[0] - 8, top + 46, head[0] + 12, top + 78), fill=skin)  # ears
    draw.ellipse((head[2] - 12, top + 46, head[2] + 8, top + 78), fill=skin)
    draw.ellipse(head, fill=skin)
    draw.chord((head[0] - 4, top - 10, head[2] + 4, top + head_h * 3 // 4), 180, 360, fill=hair)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()
