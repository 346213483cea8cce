"""Referral pages: the organisation's inbox and sent list, making a referral, and answering and closing it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jiedu.core import audit, clock
from jiedu.core.errors import DomainError, FieldErrors
from jiedu.core.forms import apply_field_errors
from jiedu.mmt import records
from jiedu.mmt.rules import age_on
from jiedu.policy import Action, can
from jiedu.policy.scope import persons_in_scope
from jiedu.policy.views import guard
from jiedu.referrals import selectors, services
from jiedu.referrals.forms import CompleteForm, DeclineForm, NoteForm, ReferralForm, VctForm
from jiedu.referrals.models import ROUTES, Referral, ReferralKind, ReferralStatus


@guard(Action.REFERRAL_VIEW)
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    user = request.user
    tab = "sent" if request.GET.get("tab") == "sent" else "received"
    base = selectors.sent(user) if tab == "sent" else selectors.received(user)
    # Open ones first (those awaiting an answer first of all), then the closed, newest first.
    rows = list(base.order_by("-made_at", "-pk")[:300])
    order = {ReferralStatus.REQUESTED: 0, ReferralStatus.ACCEPTED: 1}
    rows.sort(key=lambda r: order.get(r.status, 2))
    today = clock.local_today()
    with transaction.atomic():
        audit.record("referral.inbox_view", actor=user, detail={"tab": tab, "count": len(rows)})
    return render(
        request,
        "referrals/inbox.html",
        {
            "tab": tab,
            "rows": rows,
            "today": today,
            "transfers": records.incoming_transfers(user=user) if can(user, Action.MMT_VIEW) else [],
            "unreferred": list(selectors.positive_without_art_referral(user)),
            "can_handle": can(user, Action.REFERRAL_HANDLE),
        },
    )


def _kinds_for(user: Any) -> list[tuple[str, str]]:
    source = services.referring_organisation(user)
    if source is None:
        return []
    return [(k.value, k.label) for k in ReferralKind if source.type in ROUTES[k][0]]


@guard(Action.REFERRAL_HANDLE)
@require_http_methods(["GET", "POST"])
def make(request: HttpRequest) -> HttpResponse:
    user = request.user
    person = persons_in_scope(user).filter(pk=request.GET.get("person") or 0).first()
    if person is None:
        raise Http404
    kinds = _kinds_for(user)
    source = services.referring_organisation(user)
    seen: dict[int, Any] = {}
    for kind, _label in kinds:
        for org in services.receivers(kind=kind, source=source):
            seen.setdefault(org.pk, org)
    receivers = list(seen.values())
    form = ReferralForm(
        request.POST or None,
        kinds=kinds,
        receivers=receivers,
        initial={"kind": request.GET.get("kind", ""), "consent_on": clock.local_today()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            referral = services.referral_make(
                actor=user,
                person=person,
                kind=data["kind"],
                to_org=seen.get(int(data["to_org"])),
                reason=data["reason"],
                basis=data["basis"],
                consent_on=data["consent_on"],
                release_on=data["release_on"],
            )
        except FieldErrors as exc:
            apply_field_errors(form, exc)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Referred to %(org)s; an answer is due by %(day)s.")
                % {"org": referral.to_org.name, "day": referral.respond_by.isoformat()},
            )
            return HttpResponseRedirect(reverse("referrals:detail", args=[referral.pk]))
    return render(
        request,
        "referrals/make.html",
        {"form": form, "person": person},
        status=400 if form.errors else 200,
    )


def _visible_or_404(request: HttpRequest, pk: int) -> Referral:
    referral = selectors.visible_referrals(request.user).filter(pk=pk).first()
    if referral is None:
        raise Http404
    return referral


def _forms(referral: Referral, data: Any = None) -> dict[str, Any]:
    return {
        "decline": DeclineForm(data),
        "withdraw": NoteForm(data),
        "lost": NoteForm(data),
        "complete": CompleteForm(
            data, outcomes=services.OUTCOMES[referral.kind], initial={"on": clock.local_today()}
        ),
        "vct": VctForm(data, initial={"offered_on": clock.local_today()}),
    }


def _page(request: HttpRequest, referral: Referral, forms: dict[str, Any], status: int = 200) -> HttpResponse:
    user = request.user
    receiving = user.organisation_id == referral.to_org_id
    sending = services.referring_organisation(user) == referral.from_org
    handle = can(user, Action.REFERRAL_HANDLE)
    person_open = persons_in_scope(user).filter(pk=referral.person_id).exists()
    return render(
        request,
        "referrals/detail.html",
        {
            "referral": referral,
            "person": referral.person,
            "age": _age(referral),
            "events": referral.events.select_related("by").all(),
            "offers": referral.vct_offers.select_related("by").all(),
            "forms": forms,
            "may_answer": handle and receiving and referral.status == ReferralStatus.REQUESTED,
            "may_close": handle and receiving and referral.status == ReferralStatus.ACCEPTED,
            "may_withdraw": handle and sending and referral.status == ReferralStatus.REQUESTED,
            "may_vct": handle and referral.kind == ReferralKind.ART and (receiving or sending),
            "person_link": person_open,
            "overdue": referral.answer_overdue(clock.local_today()),
        },
        status=status,
    )


def _age(referral: Referral) -> int:
    return age_on(referral.person.birth_date, referral.made_at.astimezone(clock.SHANGHAI).date())


@guard(Action.REFERRAL_VIEW)
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    referral = _visible_or_404(request, pk)
    with transaction.atomic():
        audit.record("referral.view", actor=request.user, obj=referral)
    return _page(request, referral, _forms(referral))


@guard(Action.REFERRAL_HANDLE)
@require_POST
def act(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    referral = _visible_or_404(request, pk)
    forms = _forms(referral, request.POST)
    user = request.user
    steps = {
        "accept": (None, lambda d: services.referral_accept(actor=user, referral=referral), _("Accepted.")),
        "decline": (
            "decline",
            lambda d: services.referral_decline(actor=user, referral=referral, reason=d["decline_reason"]),
            _("Declined."),
        ),
        "withdraw": (
            "withdraw",
            lambda d: services.referral_withdraw(actor=user, referral=referral, reason=d["note"]),
            _("Withdrawn."),
        ),
        "complete": (
            "complete",
            lambda d: services.referral_complete(
                actor=user, referral=referral, outcome=d["outcome"], on=d["on"], note=d["note"]
            ),
            _("Completed."),
        ),
        "lost": (
            "lost",
            lambda d: services.referral_lost(actor=user, referral=referral, note=d["note"]),
            _("Closed as lost to follow-up."),
        ),
        "vct": (
            "vct",
            lambda d: services.vct_record(
                actor=user, referral=referral, answer=d["answer"], offered_on=d["offered_on"], note=d["note"]
            ),
            _("The partner offer is recorded."),
        ),
    }
    if step not in steps:
        raise Http404
    form_name, perform, done = steps[step]
    form = forms[form_name] if form_name else None
    if form is not None and not form.is_valid():
        return _page(request, referral, forms, status=400)
    try:
        perform(form.cleaned_data if form is not None else {})
    except FieldErrors as exc:
        if form is None:
            raise
        apply_field_errors(form, exc)
        return _page(request, referral, forms, status=400)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return HttpResponseRedirect(reverse("referrals:detail", args=[referral.pk]))
