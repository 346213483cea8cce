"""Reads for the work bulletin: the figures of a county's month (aggregate queries, a fixed number of them
whatever the county's size), the organisations that receive it, and an organisation's bulletin inbox.

Figures, as defined here and printed under the bulletin's tables (the month runs in Asia/Shanghai time):

* clinics: the MMT clinics of the county (``Organisation.type == mmt_clinic``, ``region == county``); a closed
  (inactive) clinic is listed only in a month where it has a figure. A dosing point's work counts for its clinic.
* enrolments: MMT episodes of the clinic whose treatment started in the month, transfers in excluded
  (``transferred_from`` set); of which first-ever enrolments (episode number 1), the rest re-enrolments.
* in treatment (在治, DOMAIN.md §5): persons with at least one dose day in the month on an episode of the clinic
  (at the clinic or one of its dosing points). The county total counts each person once, so a person who moved
  between two clinics in the month counts for both clinics and once in the total.
* dropouts: dropout events (脱失, ``EpisodeEvent.kind == dropout``) dated in the month on episodes of the clinic.
* exits: episodes of the clinic ended in the month, by exit reason (a transfer out is an exit "transferred").
* urine tests: urine drug tests (``LabTest.kind == urine``) whose sample was taken in the month at the clinic or
  one of its dosing points; positive: those whose overall result is positive. No infection test (HIV, HCV,
  syphilis) is counted anywhere: the bulletin goes to the police.
* referrals (county-wide, by kind): made in the month by or to an organisation of the county; completed: those
  of them (or made earlier) completed with a closing day in the month. Referrals to free antiretroviral
  treatment (kind ``art``) are left out entirely: their number would reveal HIV status.
* reports filed (county-wide, by kind): mandatory reports filed in the month by an organisation of the county.
* overdue acknowledgements (by recipient): report deliveries whose report was filed by an organisation of the
  county or whose recipient is one, due before the end of the month and not acknowledged by then (an
  acknowledgement after the month's end does not change the month's figure).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from jiedu.bulletins.models import Bulletin, BulletinDelivery
from jiedu.core.clock import SHANGHAI
from jiedu.labs.models import LabKind, LabTest, Result
from jiedu.mmt.models import DoseDay, Episode, EpisodeEvent, EpisodeStatus, EventKind, ExitReason
from jiedu.referrals.models import Referral, ReferralKind, ReferralStatus
from jiedu.registry.models import Organisation, OrganisationType, Region, RegionLevel
from jiedu.reports.models import Delivery, Report, ReportKind

SCHEMA = 1
T = OrganisationType

#: The organisations of a county that receive its bulletin.
PARTICIPANT_TYPES = (
    T.MMT_CLINIC,
    T.COMMUNITY_REHAB,
    T.POLICE,
    T.CDC,
    T.VOLUNTARY_REHAB,
    T.HEALTH_COMMISSION,
    T.NARCOTICS_OFFICE,
)

#: Referral kinds never counted: a referral to free ART is made for an HIV-positive person only.
WITHHELD_REFERRAL_KINDS = frozenset({ReferralKind.ART.value})
REFERRAL_KINDS = [k for k in ReferralKind.values if k not in WITHHELD_REFERRAL_KINDS]

CLINIC_COUNTS = (
    "enrolments",
    "first_enrolments",
    "in_treatment",
    "dropouts",
    "urine_tests",
    "urine_positive",
)


@dataclass(frozen=True)
class Period:
    """A month as dates (``start`` ≤ day < ``end``) and as instants in Asia/Shanghai."""

    start: dt.date
    end: dt.date

    @property
    def start_at(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time(0), tzinfo=SHANGHAI)

    @property
    def end_at(self) -> dt.datetime:
        return dt.datetime.combine(self.end, dt.time(0), tzinfo=SHANGHAI)


def month_period(month: dt.date) -> Period:
    start = month.replace(day=1)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    return Period(start, end)


def participants(county: Region) -> QuerySet[Organisation]:
    """The active organisations of the county that take part in the work (and so receive the bulletin)."""
    return Organisation.objects.filter(region=county, type__in=PARTICIPANT_TYPES, is_active=True).order_by(
        "type", "name", "pk"
    )


def _empty_clinic() -> dict[str, Any]:
    return {**dict.fromkeys(CLINIC_COUNTS, 0), "exits": dict.fromkeys(ExitReason.values, 0)}


def bulletin_figures(*, county: Region, month: dt.date) -> dict[str, Any]:
    """The figures of the county's month, as a JSON-ready document (definitions: this module's docstring).

    Ten queries, whatever the number of clinics, persons or doses."""
    p = month_period(month)
    clinics = list(
        Organisation.objects.filter(type=T.MMT_CLINIC, region=county)
        .order_by("pk")
        .values("pk", "name", "is_active")
    )
    ids = [c["pk"] for c in clinics]
    rows = {pk: _empty_clinic() for pk in ids}

    def put(key: str, clinic_id: int, value: int) -> None:
        rows[clinic_id][key] += value

    for r in (
        Episode.objects.filter(
            clinic_id__in=ids,
            started_on__gte=p.start,
            started_on__lt=p.end,
            transferred_from__isnull=True,
        )
        .order_by()
        .values("clinic_id")
        .annotate(n=Count("pk"), first=Count("pk", filter=Q(number=1)))
    ):
        put("enrolments", r["clinic_id"], r["n"])
        put("first_enrolments", r["clinic_id"], r["first"])

    dosed = DoseDay.objects.filter(episode__clinic_id__in=ids, day__gte=p.start, day__lt=p.end).order_by()
    for r in dosed.values("episode__clinic_id").annotate(n=Count("person_id", distinct=True)):
        put("in_treatment", r["episode__clinic_id"], r["n"])
    total_in_treatment = dosed.aggregate(n=Count("person_id", distinct=True))["n"]

    for r in (
        EpisodeEvent.objects.filter(
            kind=EventKind.DROPOUT, on__gte=p.start, on__lt=p.end, episode__clinic_id__in=ids
        )
        .order_by()
        .values("episode__clinic_id")
        .annotate(n=Count("pk"))
    ):
        put("dropouts", r["episode__clinic_id"], r["n"])

    for r in (
        Episode.objects.filter(
            clinic_id__in=ids, status=EpisodeStatus.EXITED, ended_on__gte=p.start, ended_on__lt=p.end
        )
        .order_by()
        .values("clinic_id", "exit_reason")
        .annotate(n=Count("pk"))
    ):
        exits = rows[r["clinic_id"]]["exits"]
        exits[r["exit_reason"]] = exits.get(r["exit_reason"], 0) + r["n"]

    for r in (
        LabTest.objects.filter(kind=LabKind.URINE, collected_on__gte=p.start, collected_on__lt=p.end)
        .annotate(clinic=Coalesce(F("site__parent_clinic_id"), F("site_id")))
        .filter(clinic__in=ids)
        .order_by()
        .values("clinic")
        .annotate(n=Count("pk"), positive=Count("pk", filter=Q(result=Result.POSITIVE)))
    ):
        put("urine_tests", r["clinic"], r["n"])
        put("urine_positive", r["clinic"], r["positive"])

    made = Q(made_at__gte=p.start_at, made_at__lt=p.end_at)
    completed = Q(status=ReferralStatus.COMPLETED, closed_on__gte=p.start, closed_on__lt=p.end)
    referrals = {
        r["kind"]: r
        for r in Referral.objects.filter(Q(from_org__region=county) | Q(to_org__region=county))
        .filter(made | completed)
        .exclude(kind__in=WITHHELD_REFERRAL_KINDS)
        .order_by()
        .values("kind")
        .annotate(made=Count("pk", filter=made), completed=Count("pk", filter=completed))
    }

    reports = dict(
        Report.objects.filter(source__region=county, created_at__gte=p.start_at, created_at__lt=p.end_at)
        .order_by()
        .values("kind")
        .annotate(n=Count("pk"))
        .values_list("kind", "n")
    )

    overdue = list(
        Delivery.objects.filter(Q(report__source__region=county) | Q(recipient__region=county))
        .filter(report__created_at__lt=p.end_at, due_at__lt=p.end_at)
        .filter(Q(acknowledged_at__isnull=True) | Q(acknowledged_at__gte=p.end_at))
        .order_by()
        .values("recipient_id", "recipient__name")
        .annotate(n=Count("pk"))
    )

    listed = [
        {"id": c["pk"], "name": c["name"], **rows[c["pk"]]}
        for c in clinics
        if c["is_active"]
        or any(rows[c["pk"]][k] for k in CLINIC_COUNTS)
        or any(rows[c["pk"]]["exits"].values())
    ]
    total = _empty_clinic()
    for row in listed:
        for key in CLINIC_COUNTS:
            total[key] += row[key]
        for reason, n in row["exits"].items():
            total["exits"][reason] = total["exits"].get(reason, 0) + n
    total["in_treatment"] = total_in_treatment
    return {
        "schema": SCHEMA,
        "county": {"code": county.code, "name": county.name},
        "month": f"{p.start:%Y-%m}",
        "clinics": listed,
        "total": total,
        "referrals": [
            {
                "kind": kind,
                "made": referrals.get(kind, {}).get("made", 0),
                "completed": referrals.get(kind, {}).get("completed", 0),
            }
            for kind in REFERRAL_KINDS
        ],
        "reports": [{"kind": kind, "filed": reports.get(kind, 0)} for kind in ReportKind.values],
        "overdue": [
            {"recipient": r["recipient_id"], "name": r["recipient__name"], "count": r["n"]}
            for r in sorted(overdue, key=lambda r: (-r["n"], r["recipient__name"], r["recipient_id"]))
        ],
    }


# --- presenting the issued figures -------------------------------------------------------------------------


@dataclass(frozen=True)
class ClinicRow:
    name: str
    enrolments: int
    first_enrolments: int
    re_enrolments: int
    in_treatment: int
    dropouts: int
    exits: int
    urine_tests: int
    urine_positive: int
    is_total: bool = False


@dataclass(frozen=True)
class Tables:
    """The issued figures laid out for the screen and the print, with today's labels for the codes."""

    clinics: list[ClinicRow]
    exit_columns: list[str]
    exits: list[tuple[str, list[int]]]
    referrals: list[tuple[str, int, int]]
    referrals_total: tuple[int, int]
    reports: list[tuple[str, int]]
    reports_total: int
    overdue: list[tuple[str, int]]
    overdue_total: int


def _label(choices: Any, code: str) -> str:
    try:
        return str(choices(code).label)
    except ValueError:  # a code no longer in use keeps its figure under its code
        return code


def _clinic_row(name: str, c: dict[str, Any], *, is_total: bool = False) -> ClinicRow:
    return ClinicRow(
        name=name,
        enrolments=c["enrolments"],
        first_enrolments=c["first_enrolments"],
        re_enrolments=c["enrolments"] - c["first_enrolments"],
        in_treatment=c["in_treatment"],
        dropouts=c["dropouts"],
        exits=sum(c["exits"].values()),
        urine_tests=c["urine_tests"],
        urine_positive=c["urine_positive"],
        is_total=is_total,
    )


def _in_order(known: list[str], present: dict[str, Any]) -> list[str]:
    """Codes in their declared order (PostgreSQL's jsonb does not keep the order keys were written in)."""
    return [c for c in known if c in present] + sorted(c for c in present if c not in known)


def bulletin_tables(figures: dict[str, Any]) -> Tables:
    clinics = figures["clinics"]
    total = figures["total"]
    # Withheld kinds are dropped again here: a bulletin shows them under no circumstances.
    referrals = [
        (_label(ReferralKind, r["kind"]), r["made"], r["completed"])
        for r in figures["referrals"]
        if r["kind"] not in WITHHELD_REFERRAL_KINDS
    ]
    reports = [(_label(ReportKind, r["kind"]), r["filed"]) for r in figures["reports"]]
    overdue = [(r["name"], r["count"]) for r in figures["overdue"]]
    return Tables(
        clinics=[_clinic_row(c["name"], c) for c in clinics]
        + [_clinic_row(_("Total"), total, is_total=True)],
        exit_columns=[c["name"] for c in clinics] + [_("Total")],
        exits=[
            (
                _label(ExitReason, reason),
                [c["exits"].get(reason, 0) for c in clinics] + [total["exits"][reason]],
            )
            for reason in _in_order(ExitReason.values, total["exits"])
        ],
        referrals=referrals,
        referrals_total=(sum(r[1] for r in referrals), sum(r[2] for r in referrals)),
        reports=reports,
        reports_total=sum(n for _label_, n in reports),
        overdue=overdue,
        overdue_total=sum(n for _name, n in overdue),
    )


def bulletin_title(bulletin: Bulletin) -> str:
    return _("%(county)s %(year)d/%(month)d work bulletin on drug rehabilitation medical services") % {
        "county": bulletin.figures["county"]["name"],
        "year": bulletin.month.year,
        "month": bulletin.month.month,
    }


# --- inboxes ------------------------------------------------------------------------------------------------


def inbox(*, user: Any) -> QuerySet[BulletinDelivery]:
    """The bulletins delivered to the user's organisation, unread first, then the newest month first; each
    with the latest version issued for its county and month (to say that a newer version replaced it)."""
    latest = (
        Bulletin.objects.filter(county=OuterRef("bulletin__county"), month=OuterRef("bulletin__month"))
        .order_by("-version")
        .values("version")[:1]
    )
    return (
        BulletinDelivery.objects.filter(recipient_id=user.organisation_id)
        .select_related("bulletin__county", "read_by")
        .annotate(
            latest_version=Subquery(latest),
            unread=Case(
                When(read_at__isnull=True, then=Value(0)), default=Value(1), output_field=IntegerField()
            ),
        )
        .order_by("unread", "-bulletin__month", "bulletin__county_id", "-bulletin__version", "pk")
    )


def delivery_get(*, user: Any, bulletin_pk: int) -> BulletinDelivery:
    """The user's organisation's delivery of the bulletin; ``DoesNotExist`` when it was not delivered there."""
    return inbox(user=user).get(bulletin_id=bulletin_pk)


def issuing_counties(*, user: Any) -> list[Region]:
    """Counties whose bulletin the user's office issues: its own county, or the counties (with an MMT clinic)
    of its prefecture or province."""
    org = user.organisation
    if org is None:
        return []
    if org.region.level == RegionLevel.COUNTY:
        return [org.region]
    with_clinic = Organisation.objects.filter(type=T.MMT_CLINIC, is_active=True).values("region_id")
    return list(
        Region.objects.filter(
            level=RegionLevel.COUNTY, code__startswith=org.region.prefix, code__in=with_clinic
        ).order_by("code")
    )
