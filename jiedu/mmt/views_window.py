"""The dosing window: the nurse's page for the morning queue, and the printable day sheet.

One input finds the patient (a scanned treatment card, an identity number, a name or pinyin); the card that
comes back has a focused "Dose" button, so a scan + Enter + Enter doses one patient. Every rule lives in
``jiedu.mmt.services``; this module parses input, reads what the pages show and renders it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from jiedu.core import audit, clock
from jiedu.core.errors import FieldErrors
from jiedu.mmt import rules, selectors, services
from jiedu.mmt.models import DoseDay, DoseOrder, DosePart, Episode, RefusalReason
from jiedu.patients.selectors import masked_query, search_kind
from jiedu.pharmacy.models import Batch, StockBalance
from jiedu.pharmacy.services import InsufficientStock, dosing_store, volume_for
from jiedu.policy import Action
from jiedu.policy.views import guard
from jiedu.registry.models import Organisation

# --- forms: types only ------------------------------------------------------------------------------------


class DoseForm(forms.Form):
    person = forms.IntegerField(label=gettext_lazy("Patient"), min_value=1)
    key = forms.CharField(label=gettext_lazy("Idempotency key"), max_length=64, required=False)


class RefuseForm(forms.Form):
    person = forms.IntegerField(label=gettext_lazy("Patient"), min_value=1)
    reason = forms.ChoiceField(label=gettext_lazy("Reason"), choices=RefusalReason.choices)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=255, required=False)


class DaySheetForm(forms.Form):
    day = forms.DateField(label=gettext_lazy("Day"), required=False, input_formats=["%Y-%m-%d"])


def _errors(form: forms.Form) -> list[str]:
    """Each error prefixed with the field's label in the user's language, e.g. "Reason: Select a valid choice …"."""
    return [
        _("%(field)s: %(message)s")
        % {"field": form.fields[name].label if name in form.fields else name, "message": message}
        for name, messages in form.errors.items()
        for message in messages
    ]


# --- reads the window shows (candidates for jiedu/mmt/selectors.py) ---------------------------------------


def _site(request: HttpRequest) -> Organisation:
    site = request.user.organisation
    if site is None:  # the guard lets only staff of an organisation through; be explicit anyway
        raise Http404
    return site


def _batch_for(site: Organisation, day: dt.date) -> Batch | None:
    """The batch the site's dosing store would draw from: earliest expiry, not expired, with stock."""
    store = dosing_store(site.pk)
    if store is None:
        return None
    balance = (
        StockBalance.objects.select_related("batch")
        .filter(store=store, batch__drug__code=services.METHADONE, batch__expiry__gte=day, quantity__gt=0)
        .order_by("batch__expiry", "batch_id")
        .first()
    )
    return balance.batch if balance else None


def _flags(episode: Episode, *, site: Organisation, day: dt.date, order: DoseOrder | None) -> list[dict]:
    """What the nurse must see before dosing, each with a badge level (bad blocks the dose, warn informs)."""
    flags = []
    missed = rules.missed_days(last_dose_on=episode.last_dose_on, started_on=episode.started_on, as_of=day)
    if missed:
        flags.append(
            {
                "level": "warn",
                "code": "missed",
                "text": _("%(n)d consecutive missed days") % {"n": missed},
            }
        )
    if episode.needs_review:
        flags.append({"level": "bad", "code": "review", "text": _("Needs a doctor's review")})
    if episode.needs_induction:
        flags.append({"level": "bad", "code": "induction", "text": _("Needs re-induction")})
    if order is None:
        flags.append({"level": "bad", "code": "no_order", "text": _("No valid dose order")})
    if episode.clinic_id != selectors.clinic_of(site):
        flags.append(
            {
                "level": "warn",
                "code": "guest",
                "text": _("Guest patient (home clinic: %(clinic)s)") % {"clinic": episode.clinic.name},
            }
        )
    return flags


def _local_time(moment: dt.datetime) -> str:
    return timezone.localtime(moment, clock.SHANGHAI).strftime("%H:%M")


@dataclass
class Card:
    episode: Episode
    order: DoseOrder | None
    batch: Batch | None
    dose_day: DoseDay | None
    parts: list[DosePart]
    flags: list[dict]
    key: str
    next_part: int = 1
    next_mg: Decimal | None = None
    next_ml: Decimal | None = None
    total_ml: Decimal | None = None
    already: str = ""
    reasons: list[tuple[str, str]] = field(default_factory=list)


def _card(episode: Episode, *, site: Organisation, day: dt.date) -> Card:
    order = services.order_in_force(episode, day)
    batch = _batch_for(site, day)
    dose_day = (
        DoseDay.objects.select_related("site")
        .prefetch_related(
            Prefetch("parts", queryset=DosePart.objects.select_related("site").order_by("part_no"))
        )
        .filter(person_id=episode.person_id, day=day)
        .first()
    )
    parts = list(dose_day.parts.all()) if dose_day else []
    card = Card(
        episode=episode,
        order=order,
        batch=batch,
        dose_day=dose_day,
        parts=parts,
        flags=_flags(episode, site=site, day=day, order=order),
        key=uuid.uuid4().hex,
        reasons=list(RefusalReason.choices),
    )
    # The parts of today's dose come from the day's order once the first part is given, else the order now.
    ordered_mg = dose_day.ordered_mg if dose_day else (order.dose_mg if order else None)
    planned = dose_day.parts_planned if dose_day else (order.split_parts if order else 1)
    if dose_day is not None and len(parts) >= planned:
        card.already = services.already_dosed_message(dose_day)
    elif ordered_mg is not None:
        card.next_part = len(parts) + 1
        card.next_mg = rules.split(ordered_mg, planned)[len(parts)]
        if batch is not None:
            card.next_ml = volume_for(card.next_mg, batch)
            card.total_ml = volume_for(ordered_mg, batch)
    return card


def _still_to_come(site: Organisation, day: dt.date) -> list[dict]:
    rows = []
    for episode in selectors.still_to_come(site=site, day=day):
        order = episode.orders_to_day[0] if episode.orders_to_day else None
        rows.append(
            {
                "episode": episode,
                "order": order,
                "flags": _flags(episode, site=site, day=day, order=order),
            }
        )
    return rows


def _dosed(site: Organisation, day: dt.date) -> list[dict]:
    dose_days = (
        selectors.dosed_today(site=site, day=day)
        .select_related("episode")
        .prefetch_related(None)
        .prefetch_related(
            Prefetch("parts", queryset=DosePart.objects.select_related("given_by").order_by("part_no"))
        )
    )
    rows = []
    for dose_day in dose_days:
        parts = list(dose_day.parts.all())
        rows.append(
            {
                "dose_day": dose_day,
                "time": _local_time(dose_day.first_at),
                "mg": sum((p.mg for p in parts), Decimal("0")),
                "ml": sum((p.volume_ml for p in parts), Decimal("0")),
                "parts": f"{len(parts)}/{dose_day.parts_planned}",
                "nurses": ", ".join(dict.fromkeys(p.given_by.display_name for p in parts)),
            }
        )
    return rows


def _lists_context(site: Organisation, day: dt.date) -> dict[str, Any]:
    return {"to_come": _still_to_come(site, day), "dosed": _dosed(site, day), "day": day}


def _dosable_person(site: Organisation, day: dt.date, person_id: int) -> Episode | None:
    """The episode of a person this site may dose today; anyone else is "not found", exactly like no one."""
    return (
        selectors.dosable_episodes(site=site, day=day)
        .select_related("person", "clinic")
        .filter(person_id=person_id)
        .first()
    )


def _not_found(request: HttpRequest) -> HttpResponse:
    text = _("Patient: no one this site may dose today has this record.")
    return _banner(request, level="bad", text=text, status=404)


def _banner(
    request: HttpRequest, *, level: str, text: str, name: str = "", status: int = 200
) -> HttpResponse:
    response = render(
        request, "mmt/window_banner.html", {"level": level, "text": text, "name": name}, status=status
    )
    if status == 200:
        response["HX-Trigger"] = "window-done"
    return response


# --- pages ------------------------------------------------------------------------------------------------


@guard(Action.MMT_DOSE)
@require_GET
def window(request: HttpRequest) -> HttpResponse:
    site = _site(request)
    day = clock.local_today()
    return render(request, "mmt/window.html", {"site": site, **_lists_context(site, day)})


@guard(Action.MMT_DOSE)
@require_GET
def window_lookup(request: HttpRequest) -> HttpResponse:
    """The lookup partial: one card, a short list to pick from, or "no one"."""
    site = _site(request)
    day = clock.local_today()
    query = request.GET.get("q", "").strip()[:64]
    if not query:
        return render(request, "mmt/window_lookup.html", {"query": "", "episodes": []})
    episodes = selectors.window_lookup(user=request.user, site=site, query=query, day=day)
    audit.record_standalone(
        "mmt.window.lookup",
        actor=request.user,
        detail={"query": masked_query(query), "kind": search_kind(query), "results": len(episodes)},
    )
    if len(episodes) == 1:
        return render(request, "mmt/window_card.html", {"card": _card(episodes[0], site=site, day=day)})
    return render(request, "mmt/window_lookup.html", {"query": query, "episodes": episodes})


@guard(Action.MMT_VIEW)
@require_GET
def window_lists(request: HttpRequest) -> HttpResponse:
    site = _site(request)
    return render(request, "mmt/window_lists.html", _lists_context(site, clock.local_today()))


@guard(Action.MMT_DOSE)
@require_POST
def dose(request: HttpRequest) -> HttpResponse:
    form = DoseForm(request.POST)
    if not form.is_valid():
        return _banner(request, level="bad", text=" ".join(_errors(form)), status=400)
    site = _site(request)
    episode = _dosable_person(site, clock.local_today(), form.cleaned_data["person"])
    if episode is None:
        return _not_found(request)
    try:
        outcome = services.dose_administer(
            actor=request.user,
            person=episode.person,
            site=site,
            idempotency_key=form.cleaned_data["key"] or None,
        )
    except InsufficientStock as exc:
        return _banner(request, level="bad", text=exc.message, name=episode.person.name, status=409)
    level = {"dosed": "ok", "replayed": "ok", "already_dosed": "warn"}.get(outcome.status, "bad")
    if outcome.status == "refused":
        text = _("Refused: %(reason)s") % {"reason": outcome.message}
    else:
        text = outcome.message
    return _banner(request, level=level, text=text, name=episode.person.name)


@guard(Action.MMT_DOSE)
@require_POST
def refuse(request: HttpRequest) -> HttpResponse:
    form = RefuseForm(request.POST)
    if not form.is_valid():
        return _banner(request, level="bad", text=" ".join(_errors(form)), status=400)
    site = _site(request)
    episode = _dosable_person(site, clock.local_today(), form.cleaned_data["person"])
    if episode is None:
        return _not_found(request)
    try:
        refusal = services.dose_refuse(
            actor=request.user,
            person=episode.person,
            site=site,
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
        )
    except FieldErrors as exc:
        messages = [f"{name}: {m}" for name, msgs in exc.fields.items() for m in msgs]
        return _banner(request, level="bad", text=" ".join(messages), status=400)
    text = _("Not dosed, recorded as refused: %(reason)s") % {"reason": refusal.get_reason_display()}
    return _banner(request, level="warn", text=text, name=episode.person.name)


@guard(Action.MMT_VIEW)
@require_GET
def daysheet(request: HttpRequest) -> HttpResponse:
    """Every dose given at this site on a day, with empty columns for the signatures; printable."""
    site = _site(request)
    form = DaySheetForm(request.GET)
    if not form.is_valid():
        return render(request, "mmt/daysheet.html", {"site": site, "errors": _errors(form)}, status=400)
    day = form.cleaned_data["day"] or clock.local_today()
    parts = list(
        DosePart.objects.filter(site=site, dose_day__day=day)
        .select_related("dose_day__person", "dose_day__episode", "given_by", "ledger_entry__batch")
        .order_by("at", "pk")
    )
    rows = [{"part": p, "time": _local_time(p.at)} for p in parts]
    totals = {
        "count": len(parts),
        "mg": sum((p.mg for p in parts), Decimal("0")),
        "ml": sum((p.volume_ml for p in parts), Decimal("0")),
    }
    return render(
        request,
        "mmt/daysheet.html",
        {"site": site, "day": day, "rows": rows, "totals": totals, "errors": []},
    )
