"""Pure rules of education campaigns: periods, checks of what is recorded, traffic lights and the totals.

No ORM and no clock here: the caller passes today, the facts of the events and the reference data.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Protocol

from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

#: Events, campaigns and media are dated from this year on (earlier dates are typing mistakes).
FIRST_YEAR = 2000
TEXT_MAX = {"title": 200, "place": 200, "summary": 4000, "reason": 500, "name": 128, "theme": 255}
_MONTH_DAY = re.compile(r"^(\d{2})-(\d{2})$")
_PERIOD = re.compile(r"^(\d{4})(?:-(\d{2})|-Q([1-4]))?$")

GREEN, AMBER, RED = "green", "amber", "red"


# --- periods ----------------------------------------------------------------------------------------------------


class Kind(StrEnum):
    YEAR = "year"
    QUARTER = "quarter"
    MONTH = "month"


def _add_months(start: dt.date, months: int) -> dt.date:
    index = start.year * 12 + start.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


_MONTHS = {Kind.YEAR: 12, Kind.QUARTER: 3, Kind.MONTH: 1}


@dataclass(frozen=True)
class Period:
    kind: Kind
    start: dt.date

    @property
    def end(self) -> dt.date:
        """The first day after the period."""
        return _add_months(self.start, _MONTHS[self.kind])

    @property
    def last(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    @property
    def param(self) -> str:
        """As the page's ``?period=`` names it: "2025", "2025-Q2", "2025-06"."""
        if self.kind == Kind.MONTH:
            return f"{self.start:%Y-%m}"
        if self.kind == Kind.QUARTER:
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return str(self.start.year)

    @property
    def label(self) -> str:
        if self.kind == Kind.MONTH:
            return pgettext("campaign period", "%(year)d-%(month)02d") % {
                "year": self.start.year,
                "month": self.start.month,
            }
        if self.kind == Kind.QUARTER:
            return pgettext("campaign period", "%(year)d Q%(quarter)d") % {
                "year": self.start.year,
                "quarter": (self.start.month - 1) // 3 + 1,
            }
        return pgettext("campaign period", "%(year)d") % {"year": self.start.year}

    def contains(self, day: dt.date) -> bool:
        return self.start <= day < self.end


def period_of(kind: Kind | str, day: dt.date) -> Period:
    kind = Kind(kind)
    if kind == Kind.YEAR:
        return Period(kind, dt.date(day.year, 1, 1))
    if kind == Kind.QUARTER:
        return Period(kind, dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1))
    return Period(kind, day.replace(day=1))


def parse_period(raw: str) -> Period | None:
    """ "2025" → a year, "2025-Q2" → a quarter, "2025-06" → a month; None for anything else."""
    match = _PERIOD.match(raw or "")
    if not match:
        return None
    year = int(match[1])
    if year < FIRST_YEAR or year > 2100:
        return None
    if match[2]:
        month = int(match[2])
        if not 1 <= month <= 12:
            return None
        return Period(Kind.MONTH, dt.date(year, month, 1))
    if match[3]:
        return Period(Kind.QUARTER, dt.date(year, 3 * (int(match[3]) - 1) + 1, 1))
    return Period(Kind.YEAR, dt.date(year, 1, 1))


def period_choices(today: dt.date, years: int = 3) -> dict[str, list[Period]]:
    """The years, quarters and months of the last ``years`` years that have begun, latest first."""
    first = today.year - years + 1
    return {
        Kind.YEAR: [Period(Kind.YEAR, dt.date(y, 1, 1)) for y in range(today.year, first - 1, -1)],
        Kind.QUARTER: [
            Period(Kind.QUARTER, dt.date(y, m, 1))
            for y in range(today.year, first - 1, -1)
            for m in (10, 7, 4, 1)
            if dt.date(y, m, 1) <= today
        ],
        Kind.MONTH: [
            Period(Kind.MONTH, dt.date(y, m, 1))
            for y in range(today.year, first - 1, -1)
            for m in range(12, 0, -1)
            if dt.date(y, m, 1) <= today
        ],
    }


# --- regions ----------------------------------------------------------------------------------------------------


def region_prefix(code: str) -> str:
    """The code prefix of a region and everything under it: "350000" → "35", "350500" → "3505", a county → itself."""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def contains(region_code: str, other_code: str) -> bool:
    """Whether the region ``region_code`` is ``other_code`` or contains it."""
    return other_code.startswith(region_prefix(region_code))


# --- checks of what is recorded ---------------------------------------------------------------------------------


def text_problem(field_label: str, value: str, key: str, *, required: bool = True) -> str | None:
    if required and not value.strip():
        return _("%(field)s: enter it.") % {"field": field_label}
    if len(value) > TEXT_MAX[key]:
        return _("%(field)s: keep it under %(n)d characters.") % {"field": field_label, "n": TEXT_MAX[key]}
    return None


def event_date_problem(held_on: dt.date, today: dt.date) -> str | None:
    if held_on > today:
        return _("Date: an event is recorded once it has been held; %(day)s is after today.") % {
            "day": held_on.isoformat()
        }
    if held_on.year < FIRST_YEAR:
        return _("Date: %(day)s is too long ago.") % {"day": held_on.isoformat()}
    return None


class CampaignLike(Protocol):
    name: str
    starts_on: dt.date
    ends_on: dt.date


def campaign_window_problem(held_on: dt.date, campaign: CampaignLike) -> str | None:
    if campaign.starts_on <= held_on <= campaign.ends_on:
        return None
    return _("Date: %(day)s is outside the campaign “%(name)s” (%(start)s to %(end)s).") % {
        "day": held_on.isoformat(),
        "name": campaign.name,
        "start": campaign.starts_on.isoformat(),
        "end": campaign.ends_on.isoformat(),
    }


def participants_problems(
    total: int, groups: Mapping[str, int], labels: Mapping[str, str]
) -> dict[str, list[str]]:
    """The total is a whole number, 0 or more; so is each group's count; the groups do not add up to more than the
    total (groups are known only in part)."""
    errors: dict[str, list[str]] = {}
    if total < 0:
        errors["participants"] = [_("Participants: enter a whole number, 0 or more.")]
    for group, count in groups.items():
        if count < 0:
            errors.setdefault(f"group_{group}", []).append(
                _("%(group)s: enter a whole number, 0 or more.") % {"group": labels.get(group, group)}
            )
    known = sum(c for c in groups.values() if c > 0)
    if "participants" not in errors and known > total:
        errors["participants"] = [
            ngettext(
                "Participants: the groups add up to %(known)d, more than the %(total)d participant.",
                "Participants: the groups add up to %(known)d, more than the %(total)d participants.",
                total,
            )
            % {"known": known, "total": total}
        ]
    return errors


class MaterialLike(Protocol):
    kind: str
    quantity: int
    description: str


def material_problems(lines: Sequence[MaterialLike], kinds: Iterable[str]) -> list[str]:
    allowed = set(kinds)
    problems = []
    for row, line in enumerate(lines, start=1):
        if line.kind not in allowed:
            problems.append(_("Materials, row %(row)d: choose the kind.") % {"row": row})
        if line.quantity < 1:
            problems.append(_("Materials, row %(row)d: enter a quantity of 1 or more.") % {"row": row})
        if len(line.description) > 100:
            problems.append(
                _("Materials, row %(row)d: keep the description under 100 characters.") % {"row": row}
            )
    return problems


class MediaLike(Protocol):
    outlet: str
    kind: str
    published_on: dt.date
    title: str
    link: str


def link_problem(link: str) -> str | None:
    """A link is a web address (http or https) without spaces; nothing else is shown as a link."""
    if not link:
        return None
    if not link.startswith(("http://", "https://")) or any(c.isspace() for c in link):
        return _("the link must be a web address starting with http:// or https://")
    if len(link) > 500:
        return _("keep the link under 500 characters")
    return None


def media_problems(
    items: Sequence[MediaLike], kinds: Iterable[str], held_on: dt.date, today: dt.date
) -> list[str]:
    allowed = set(kinds)
    problems = []
    for row, item in enumerate(items, start=1):
        where = _("Media coverage, row %(row)d") % {"row": row}
        if not item.outlet.strip():
            problems.append(_("%(where)s: name the outlet.") % {"where": where})
        if item.kind not in allowed:
            problems.append(_("%(where)s: choose the kind of media.") % {"where": where})
        if not item.title.strip():
            problems.append(_("%(where)s: enter the title.") % {"where": where})
        if item.published_on > today:
            problems.append(_("%(where)s: the date of publication is after today.") % {"where": where})
        elif item.published_on < held_on - dt.timedelta(days=30):
            problems.append(
                _("%(where)s: published more than 30 days before the event (%(day)s).")
                % {"where": where, "day": held_on.isoformat()}
            )
        if problem := link_problem(item.link):
            problems.append(f"{where}: {problem}.")
    return problems


def county_problem(county_code: str, county_level: str, organiser_region_code: str) -> str | None:
    """An event is held in a county, inside the organiser's region (a county's organisation: that county)."""
    if county_level != "county":
        return _("County: choose a county (or district).")
    if not contains(organiser_region_code, county_code):
        return _("County: the event is held in the organiser's region.")
    return None


# --- campaigns --------------------------------------------------------------------------------------------------


def month_day(raw: str, year: int) -> dt.date | None:
    match = _MONTH_DAY.match(raw or "")
    if not match:
        return None
    try:
        return dt.date(year, int(match[1]), int(match[2]))
    except ValueError:
        return None


def usual_window(usual_start: str, usual_end: str, year: int) -> tuple[dt.date, dt.date] | None:
    """A kind's usual dates in ``year`` (a window that ends in a month before it starts ends the next year)."""
    start, end = month_day(usual_start, year), month_day(usual_end, year)
    if start is None or end is None:
        return None
    if end < start:
        end = month_day(usual_end, year + 1)
        if end is None:  # pragma: no cover - 29 February of a following non-leap year
            return None
    return start, end


def campaign_problems(
    *, year: int, starts_on: dt.date, ends_on: dt.date, name: str, theme: str
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if problem := text_problem(_("Name"), name, "name"):
        errors["name"] = [problem]
    if problem := text_problem(_("Theme"), theme, "theme", required=False):
        errors["theme"] = [problem]
    if not FIRST_YEAR <= year <= 2100:
        errors["year"] = [_("Year: enter a year from %(first)d to 2100.") % {"first": FIRST_YEAR}]
    elif starts_on.year != year:
        errors["starts_on"] = [_("First day: the campaign of %(year)d starts in %(year)d.") % {"year": year}]
    if ends_on < starts_on:
        errors["ends_on"] = [_("Last day: the campaign ends on or after its first day.")]
    elif (ends_on - starts_on).days > 365:
        errors["ends_on"] = [_("Last day: a campaign lasts a year at most.")]
    return errors


# --- traffic lights ---------------------------------------------------------------------------------------------


def light(value: int | Decimal, target: int | Decimal | None, amber_band_pct: Decimal) -> str | None:
    """Green when the value reaches the target; amber when it falls short by no more than ``amber_band_pct``
    percent of the target; red otherwise. None when there is no target."""
    if target is None:
        return None
    if value >= target:
        return GREEN
    if Decimal(value) >= Decimal(target) * (1 - amber_band_pct / 100):
        return AMBER
    return RED


def share_pct(part: int, whole: int) -> Decimal | None:
    if whole <= 0:
        return None
    return (Decimal(100) * part / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


# --- totals -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fact:
    """One event (its current version) as the totals count it."""

    county: str
    setting: int
    campaign: int | None
    kind: int | None
    participants: int
    materials: int = 0
    media: int = 0


@dataclass
class Figures:
    events: int = 0
    participants: int = 0
    materials: int = 0
    media: int = 0

    def add(self, fact: Fact) -> None:
        self.events += 1
        self.participants += fact.participants
        self.materials += fact.materials
        self.media += fact.media


@dataclass(frozen=True)
class Targets:
    """Yearly targets of a county (policy values)."""

    settings_covered: int
    events_per_setting: int
    key_campaign_events: int
    amber_band_pct: Decimal


@dataclass(frozen=True)
class Ref:
    """A county, setting, kind or campaign as the tables name it."""

    key: int | str
    code: str
    name: str
    counts: bool = True  # a setting: one of the six; a kind: a key campaign


@dataclass(frozen=True)
class CountyRow:
    county: Ref
    figures: Figures
    settings_covered: int
    settings_total: int
    light: str | None

    @property
    def share_pct(self) -> Decimal | None:
        return share_pct(self.settings_covered, self.settings_total)


@dataclass(frozen=True)
class SettingRow:
    setting: Ref
    figures: Figures
    #: Counties with at least one event in the setting.
    counties_covered: int
    #: Counties with at least the yearly target of events in the setting (None without targets).
    counties_meeting: int | None
    light: str | None


@dataclass(frozen=True)
class KeyRow:
    kind: Ref
    figures: Figures
    counties_meeting: int | None
    light: str | None


@dataclass(frozen=True)
class CampaignRow:
    campaign: Ref | None  # None: events held outside any campaign
    figures: Figures


@dataclass(frozen=True)
class Totals:
    counties: list[CountyRow]
    settings: list[SettingRow]
    keys: list[KeyRow]
    campaigns: list[CampaignRow]
    overall: Figures
    settings_total: int
    targets: Targets | None
    #: Per county and setting: events (for the chart).
    grid: dict[tuple[str, int], int] = field(default_factory=dict)


def totals(
    facts: Iterable[Fact],
    *,
    counties: Sequence[Ref],
    settings: Sequence[Ref],
    key_kinds: Sequence[Ref],
    campaigns: Sequence[Ref],
    targets: Targets | None,
) -> Totals:
    """The tables of the totals page from the events' facts.

    * Counties: events, participants, materials, media items and the settings covered — how many of the six
      settings had at least one event in the county — with a light against the target (when targets apply).
    * Settings: events, participants, counties with an event there; a county meets the setting's target with at
      least ``events_per_setting`` events there; the light compares the counties meeting it with all counties.
    * Key campaigns: the events under a campaign of each key kind; a county meets it with at least
      ``key_campaign_events`` of them.
    * Campaigns: each campaign with events, in the order given, then the events outside any campaign.
    """
    by_county: dict[str, Figures] = defaultdict(Figures)
    by_setting: dict[int, Figures] = defaultdict(Figures)
    by_kind: dict[int, Figures] = defaultdict(Figures)
    by_campaign: dict[int | None, Figures] = defaultdict(Figures)
    grid: dict[tuple[str, int], int] = defaultdict(int)
    kind_grid: dict[tuple[str, int], int] = defaultdict(int)
    overall = Figures()
    for fact in facts:
        overall.add(fact)
        by_county[fact.county].add(fact)
        by_setting[fact.setting].add(fact)
        by_campaign[fact.campaign].add(fact)
        grid[(fact.county, fact.setting)] += 1
        if fact.kind is not None:
            by_kind[fact.kind].add(fact)
            kind_grid[(fact.county, fact.kind)] += 1
    core = [s for s in settings if s.counts]
    band = targets.amber_band_pct if targets else Decimal(0)
    county_rows = []
    for county in counties:
        covered = sum(1 for s in core if grid.get((str(county.key), int(s.key)), 0) > 0)
        county_rows.append(
            CountyRow(
                county=county,
                figures=by_county.get(str(county.key), Figures()),
                settings_covered=covered,
                settings_total=len(core),
                light=light(covered, targets.settings_covered, band) if targets else None,
            )
        )
    n_counties = len(counties)
    setting_rows = []
    for setting in settings:
        covered = sum(1 for c in counties if grid.get((str(c.key), int(setting.key)), 0) > 0)
        meeting = None
        lit = None
        if targets and setting.counts:
            meeting = sum(
                1
                for c in counties
                if grid.get((str(c.key), int(setting.key)), 0) >= targets.events_per_setting
            )
            lit = light(meeting, n_counties, band) if n_counties else None
        setting_rows.append(
            SettingRow(
                setting=setting,
                figures=by_setting.get(int(setting.key), Figures()),
                counties_covered=covered,
                counties_meeting=meeting,
                light=lit,
            )
        )
    key_rows = []
    for kind in key_kinds:
        meeting = None
        lit = None
        if targets:
            meeting = sum(
                1
                for c in counties
                if kind_grid.get((str(c.key), int(kind.key)), 0) >= targets.key_campaign_events
            )
            lit = light(meeting, n_counties, band) if n_counties else None
        key_rows.append(
            KeyRow(
                kind=kind, figures=by_kind.get(int(kind.key), Figures()), counties_meeting=meeting, light=lit
            )
        )
    campaign_rows = [
        CampaignRow(campaign=c, figures=by_campaign[int(c.key)])
        for c in campaigns
        if int(c.key) in by_campaign
    ]
    if None in by_campaign:
        campaign_rows.append(CampaignRow(campaign=None, figures=by_campaign[None]))
    return Totals(
        counties=county_rows,
        settings=setting_rows,
        keys=key_rows,
        campaigns=campaign_rows,
        overall=overall,
        settings_total=len(core),
        targets=targets,
        grid=dict(grid),
    )


# --- versions ---------------------------------------------------------------------------------------------------


def changed_fields(before: Mapping[str, object], after: Mapping[str, object]) -> list[str]:
    """The keys whose values differ between two snapshots of an event, in the order of ``after``."""
    return [key for key in after if before.get(key) != after.get(key)]
