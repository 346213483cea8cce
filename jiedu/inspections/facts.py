"""Facts the system already knows about an inspection's target, shown beside the checklist items that name them.

Read live, read-only, from the other apps' records and selectors: the pharmacy (open variance investigations,
overdue counts, the purchase seal card, the last day close), the reports (deliveries not acknowledged in time)
and the indicators (the dropout rate and cohort retention of the last complete quarter). Each fact carries its
value, what it is as of, and whether it is a problem.

The target's records: an MMT clinic's with its dosing points'; a county's district working group's (its office)
those of every organisation of the county; any other organisation's own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Max, Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from jiedu.core.clock import SHANGHAI
from jiedu.core.selectors import rule_value
from jiedu.indicators import rules as indicator_rules
from jiedu.indicators import selectors as indicators
from jiedu.inspections import rules
from jiedu.inspections.models import FactKey
from jiedu.pharmacy.alerts import Alerts, alerts_for
from jiedu.pharmacy.models import (
    CountKind,
    DayClose,
    SealCard,
    StockVariance,
    Store,
    StoreKind,
    VarianceStatus,
)
from jiedu.registry.models import Organisation, OrganisationType
from jiedu.reports.models import Delivery

#: At most this many lines of detail under a fact.
DETAIL_LINES = 5
WORKING_GROUP_TYPES = frozenset({OrganisationType.NARCOTICS_OFFICE, OrganisationType.HEALTH_COMMISSION})


@dataclass(frozen=True)
class Fact:
    key: str
    label: str
    value: str
    as_of: str
    warning: bool
    details: tuple[str, ...] = field(default_factory=tuple)


def _moment(value: dt.datetime) -> str:
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def _day(value: dt.date) -> str:
    return value.isoformat()


def organisations_of(target: Organisation) -> list[Organisation]:
    """The organisations whose records describe the target."""
    if target.type == OrganisationType.MMT_CLINIC:
        return [target, *Organisation.objects.filter(parent_clinic=target).order_by("pk")]
    if target.type in WORKING_GROUP_TYPES and target.region.level == "county":
        return list(Organisation.objects.filter(region_id=target.region_id).order_by("pk"))
    return [target]


class _Reader:
    """Computes each fact once per page; the alerts (several queries) only when a fact needs them."""

    def __init__(self, target: Organisation, *, now: dt.datetime, today: dt.date) -> None:
        self.target = target
        self.now = now
        self.today = today
        self.organisations = organisations_of(target)
        self.ids = [o.pk for o in self.organisations]
        self._stores: list[Store] | None = None
        self._alerts: Alerts | None = None

    @property
    def stores(self) -> list[Store]:
        if self._stores is None:
            self._stores = list(
                Store.objects.filter(organisation_id__in=self.ids, is_active=True)
                .select_related("organisation", "organisation__parent_clinic")
                .order_by("organisation_id", "pk")
            )
        return self._stores

    @property
    def alerts(self) -> Alerts:
        if self._alerts is None:
            self._alerts = alerts_for(stores=self.stores, today=self.today, region_code=self.target.region_id)
        return self._alerts

    def as_of_now(self) -> str:
        return _moment(self.now)

    # --- the facts ------------------------------------------------------------------------------------------

    def stock_variances(self) -> Fact:
        open_ = list(
            StockVariance.objects.filter(count__store__in=self.stores, status=VarianceStatus.OPEN)
            .select_related("count__store", "count__store__organisation")
            .order_by("opened_at", "pk")
        )
        details = tuple(
            _("%(store)s (%(org)s): %(count)s of %(day)s, open since %(opened)s")
            % {
                "store": v.count.store.name,
                "org": v.count.store.organisation.name,
                "count": v.count.get_kind_display(),
                "day": _day(v.count.day),
                "opened": _day(v.opened_at.astimezone(SHANGHAI).date()),
            }
            for v in open_[:DETAIL_LINES]
        )
        return Fact(
            key=FactKey.STOCK_VARIANCES,
            label=str(FactKey.STOCK_VARIANCES.label),
            value=_("%(n)d open") % {"n": len(open_)} if open_ else _("None open"),
            as_of=self.as_of_now(),
            warning=bool(open_),
            details=details,
        )

    def overdue_reports(self) -> Fact:
        late = list(
            Delivery.objects.filter(acknowledged_at__isnull=True, due_at__lt=self.now)
            .filter(Q(report__source_id__in=self.ids) | Q(recipient_id__in=self.ids))
            .select_related("report", "report__source", "recipient", "escalation")
            .order_by("due_at", "pk")
        )
        escalated = sum(1 for d in late if hasattr(d, "escalation"))
        details = tuple(
            _("%(kind)s from %(source)s to %(recipient)s, due %(due)s%(escalated)s")
            % {
                "kind": d.report.get_kind_display(),
                "source": d.report.source.name,
                "recipient": d.recipient.name,
                "due": _moment(d.due_at),
                "escalated": _(" (escalated)") if hasattr(d, "escalation") else "",
            }
            for d in late[:DETAIL_LINES]
        )
        if not late:
            value = _("None overdue")
        else:
            value = ngettext(
                "%(n)d not acknowledged in time, %(e)d escalated",
                "%(n)d not acknowledged in time, %(e)d of them escalated",
                len(late),
            ) % {"n": len(late), "e": escalated}
        return Fact(
            key=FactKey.OVERDUE_REPORTS,
            label=str(FactKey.OVERDUE_REPORTS.label),
            value=value,
            as_of=self.as_of_now(),
            warning=bool(late),
            details=details,
        )

    def overdue_stocktakes(self) -> Fact:
        overdue = self.alerts.overdue_counts
        details = tuple(
            _("%(store)s (%(org)s): %(kind)s due %(due)s, last %(last)s")
            % {
                "store": o.store.name,
                "org": o.store.organisation.name,
                "kind": CountKind(o.kind).label,
                "due": _day(o.due),
                "last": _day(o.last) if o.last else _("never"),
            }
            for o in overdue[:DETAIL_LINES]
        )
        return Fact(
            key=FactKey.OVERDUE_STOCKTAKES,
            label=str(FactKey.OVERDUE_STOCKTAKES.label),
            value=_("%(n)d overdue") % {"n": len(overdue)} if overdue else _("None overdue"),
            as_of=_day(self.today),
            warning=bool(overdue),
            details=details,
        )

    def seal_card(self) -> Fact:
        holders = [o.pk for o in self.organisations if o.type != OrganisationType.DOSING_POINT]
        due = [
            d for d in self.alerts.seal_cards if d.organisation is not None and d.organisation.pk in holders
        ]
        label = str(FactKey.SEAL_CARD.label)
        if due:
            first = due[0]
            if first.card is None:
                value = _("No valid card, although narcotics are held")
            else:
                value = ngettext(
                    "%(number)s valid until %(to)s: %(days)d day left, renewal due",
                    "%(number)s valid until %(to)s: %(days)d days left, renewal due",
                    first.days_left,
                ) % {
                    "number": first.card.number,
                    "to": _day(first.card.valid_to),
                    "days": first.days_left,
                }
            return Fact(FactKey.SEAL_CARD, label, value, _day(self.today), True)
        card = (
            SealCard.objects.filter(
                organisation_id__in=holders, valid_from__lte=self.today, valid_to__gte=self.today
            )
            .order_by("-valid_to")
            .first()
        )
        if card is None:
            return Fact(FactKey.SEAL_CARD, label, _("No card on record"), _day(self.today), False)
        value = _("%(number)s valid until %(to)s") % {"number": card.number, "to": _day(card.valid_to)}
        return Fact(FactKey.SEAL_CARD, label, value, _day(self.today), False)

    def last_day_close(self) -> Fact:
        dispensing = [s for s in self.stores if s.kind == StoreKind.DISPENSING]
        label = str(FactKey.LAST_DAY_CLOSE.label)
        if not dispensing:
            return Fact(FactKey.LAST_DAY_CLOSE, label, _("No dispensing store"), _day(self.today), False)
        last = dict(
            DayClose.objects.filter(store__in=dispensing, kind=CountKind.DAY_CLOSE)
            .values("store_id")
            .annotate(last=Max("day"))
            .order_by()
            .values_list("store_id", "last")
        )
        yesterday = self.today - dt.timedelta(days=1)
        late = [s for s in dispensing if last.get(s.pk) is None or last[s.pk] < yesterday]
        details = tuple(
            _("%(store)s (%(org)s): %(last)s")
            % {
                "store": s.name,
                "org": s.organisation.name,
                "last": _day(last[s.pk]) if last.get(s.pk) else _("never closed"),
            }
            for s in dispensing[:DETAIL_LINES]
        )
        latest = max(last.values(), default=None)
        value = _day(latest) if latest else _("Never")
        return Fact(FactKey.LAST_DAY_CLOSE, label, value, _day(self.today), bool(late), details)

    def _indicator(self, key: str, code: str) -> Fact:
        label = str(FactKey(key).label)
        if self.target.type == OrganisationType.MMT_CLINIC:
            scope = indicators.Scope(clinics=(self.target.pk,))
        elif self.target.type in WORKING_GROUP_TYPES and self.target.region.level == "county":
            scope = indicators.Scope(prefix=self.target.region_id)
        else:
            return Fact(key, label, _("Not applicable: no MMT here"), "", False)
        as_of = indicators.as_of()
        if as_of is None:
            return Fact(key, label, _("No figures yet"), "", False)
        quarter = rules.last_complete_quarter(as_of)
        table = indicators.figures(
            kind=indicator_rules.Kind.QUARTER, starts=[quarter], scope=scope, codes=[code], on=as_of
        )
        found = table.get((None, quarter), {}).get(code)
        when = _("%(quarter)s (figures to %(day)s)") % {
            "quarter": rules.quarter_label(quarter),
            "day": _day(as_of),
        }
        if found is None or found.value is None:
            return Fact(key, label, _("No figures for the quarter"), when, False)
        value = _("%(pct)s%% (%(num)s of %(den)s)") % {
            "pct": rules.plain(found.value),
            "num": found.numerator,
            "den": found.denominator,
        }
        if key == FactKey.DROPOUT_RATE:
            limit: Decimal = rule_value(
                "inspections.fact_dropout_warning_pct", region_code=self.target.region_id
            )
            warning = found.value > limit
        else:
            limit = rule_value("inspections.fact_retention_warning_pct", region_code=self.target.region_id)
            warning = found.value < limit
        return Fact(key, label, value, when, warning)

    def dropout_rate(self) -> Fact:
        return self._indicator(FactKey.DROPOUT_RATE, "dropout_rate")

    def retention(self) -> Fact:
        return self._indicator(FactKey.RETENTION, "retention_3m")


READERS: dict[str, Any] = {
    FactKey.STOCK_VARIANCES: _Reader.stock_variances,
    FactKey.OVERDUE_REPORTS: _Reader.overdue_reports,
    FactKey.OVERDUE_STOCKTAKES: _Reader.overdue_stocktakes,
    FactKey.SEAL_CARD: _Reader.seal_card,
    FactKey.LAST_DAY_CLOSE: _Reader.last_day_close,
    FactKey.DROPOUT_RATE: _Reader.dropout_rate,
    FactKey.RETENTION: _Reader.retention,
}


def facts_for(
    *, target: Organisation, keys: Iterable[str], now: dt.datetime, today: dt.date
) -> dict[str, Fact]:
    """Each named fact about ``target`` (fact key → fact), each computed once."""
    reader = _Reader(target, now=now, today=today)
    return {key: READERS[key](reader) for key in dict.fromkeys(k for k in keys if k)}


def shown_as_of(fact: Fact) -> str:
    """The "as of" line of a fact, for the page."""
    return _("as of %(when)s") % {"when": fact.as_of} if fact.as_of else ""
