"""The national GB/T 2260 code list with the years each code was in use, read from python-stdnum's data."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import stdnum

_PERIOD = re.compile(r"^\[(\d{4})?-(\d{4})?\](.*)$")


@dataclass(frozen=True)
class RegionRow:
    code: str
    name: str
    level: str
    parent_code: str | None
    valid_from: int | None
    valid_to: int | None


def _periods(value: str) -> tuple[str, int | None, int | None]:
    """'[1985-1993]南安县,[1993-]南安市' → the newest name and the span of all periods."""
    names: list[tuple[str, int | None, int | None]] = []
    for part in value.split(","):
        match = _PERIOD.match(part)
        if match:
            start = int(match.group(1)) if match.group(1) else None
            end = int(match.group(2)) if match.group(2) else None
            names.append((match.group(3), start, end))
        else:
            names.append((part, None, None))
    current = [n for n in names if n[2] is None]
    name = (current or sorted(names, key=lambda n: n[2] or 0))[-1][0]
    starts = [n[1] for n in names]
    ends = [n[2] for n in names]
    valid_from = None if None in starts else min(s for s in starts if s is not None)
    valid_to = None if None in ends else max(e for e in ends if e is not None)
    return name, valid_from, valid_to


def read_rows() -> Iterator[RegionRow]:
    path = Path(stdnum.__file__).parent / "cn" / "loc.dat"
    province: tuple[str, str] | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if not line.startswith(" "):
            code, _, rest = line.partition(" ")
            name = rest.split("=", 1)[1].strip().strip('"')
            province = (code, name)
            yield RegionRow(f"{code}0000", name, "province", None, None, None)
            continue
        assert province is not None
        code, _, rest = line.strip().partition(" ")
        if code == "0000":
            continue
        value = rest.split("=", 1)[1].strip().strip('"')
        name, valid_from, valid_to = _periods(value)
        full = province[0] + code
        if code.endswith("00"):
            yield RegionRow(full, name, "prefecture", f"{province[0]}0000", valid_from, valid_to)
        else:
            yield RegionRow(full, name, "county", f"{full[:4]}00", valid_from, valid_to)
