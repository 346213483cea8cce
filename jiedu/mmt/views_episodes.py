"""Enrolment pages: the clinic's episodes, applications, the episode with its actions, and the patient's record.

Every action is one POST endpoint calling one service: nothing is edited or deleted, each call appends history.
Lookups go through the scope (``jiedu.mmt.records``), so an object out of scope is a 404.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jiedu.core import clock
from jiedu.core.errors import DomainError, FieldErrors
from jiedu.core.forms import apply_field_errors
from jiedu.mmt import forms, records, services
from jiedu.mmt.models import Episode, ExitReason
from jiedu.patients import services as person_services
from jiedu.policy import Action, can
from jiedu.policy.views import guard

TAB_LABELS = {
    "applications": gettext_lazy("Applications awaiting decision"),
    "active": gettext_lazy("In treatment"),
    "suspended": gettext_lazy("Suspended"),
    "review": gettext_lazy("Needs a doctor's review"),
    "dropout": gettext_lazy("Dropped out"),
    "exited": gettext_lazy("Exited"),
    "refused": gettext_lazy("Refused"),
}


def _or_404(getter: Callable[..., Any], **kwargs: Any) -> Any:
    try:
        return getter(**kwargs)
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise Http404 from None


def _detail_url(episode: Episode) -> str:
    return reverse("episodes:detail", args=[episode.pk])


# --- the clinic's list ------------------------------------------------------------------------------------


def _render_list(request: HttpRequest, *, status: int = 200) -> HttpResponse:
    tab = request.GET.get("tab", "applications")
    if tab not in records.TABS:
        tab = "applications"
    counts = records.tab_counts(user=request.user)
    context = {
        "tab": tab,
        "tabs": [(key, TAB_LABELS[key], counts[key]) for key in records.TABS],
        "episodes": records.tab_episodes(user=request.user, tab=tab),
        "today": clock.local_today(),
        "transfers": records.incoming_transfers(user=request.user),
        "can_answer": can(request.user, Action.MMT_ENROL),
        "decline_form": forms.DeclineForm(),
    }
    return render(request, "mmt/episodes/list.html", context, status=status)


@guard(Action.MMT_VIEW)
@require_GET
def episode_list(request: HttpRequest) -> HttpResponse:
    return _render_list(request)


@guard(Action.MMT_ENROL)
@require_POST
def transfer_accept(request: HttpRequest, pk: int) -> HttpResponse:
    transfer = _or_404(records.transfer_for_answer, user=request.user, pk=pk)
    try:
        new = services.transfer_accept(actor=request.user, transfer=transfer)
    except DomainError as exc:
        messages.error(request, exc.message)
        return _render_list(request, status=400)
    messages.success(
        request,
        _("Transfer accepted: treatment continues here with card number %(card)s.")
        % {"card": new.card_number},
    )
    return HttpResponseRedirect(_detail_url(new))


@guard(Action.MMT_ENROL)
@require_POST
def transfer_decline(request: HttpRequest, pk: int) -> HttpResponse:
    transfer = _or_404(records.transfer_for_answer, user=request.user, pk=pk)
    form = forms.DeclineForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Reason for declining: state why the transfer is declined."))
        return _render_list(request, status=400)
    try:
        services.transfer_decline(actor=request.user, transfer=transfer, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        messages.error(request, exc.message)
        return _render_list(request, status=400)
    messages.success(request, _("Transfer declined."))
    return HttpResponseRedirect(reverse("episodes:list"))


# --- applying ---------------------------------------------------------------------------------------------


@guard(Action.MMT_ENROL)
@require_http_methods(["GET", "POST"])
def episode_apply(request: HttpRequest) -> HttpResponse:
    person_id = request.GET.get("person", "")
    if not person_id.isdigit():
        raise Http404
    person = _or_404(records.person_get, user=request.user, pk=int(person_id))
    form = forms.ApplyForm(request.POST or None, initial={"applied_on": clock.local_today()})
    if request.method == "POST" and form.is_valid():
        try:
            episode = services.episode_apply(
                actor=request.user, person=person, applied_on=form.cleaned_data["applied_on"]
            )
        except DomainError as exc:  # AlreadyEnrolled, or the user's organisation is not a clinic
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Application opened. The decision is due by %(due)s.")
                % {"due": episode.decision_due.isoformat()},
            )
            return HttpResponseRedirect(_detail_url(episode))
    status = 400 if form.errors else 200
    return render(request, "mmt/episodes/apply.html", {"form": form, "person": person}, status=status)


# --- the episode page and its actions ---------------------------------------------------------------------


def _forms_for(episode: Episode, user: Any) -> dict[str, django_forms.Form]:
    clinics = records.transfer_clinics(user=user, exclude=episode.clinic_id)
    today = clock.local_today()
    assessed = episode.eligibility or {}
    return {
        "assess": forms.AssessForm(
            initial={
                "dependence_evidence": assessed.get("dependence_evidence", ""),
                "documents": assessed.get("documents", []),
                "agreement_signed": assessed.get("agreement_signed", False),
                "guardian_consent": assessed.get("guardian_consent", False),
            }
        ),
        "accept": forms.AcceptForm(initial={"start_on": today}),
        "refuse": forms.ReasonForm(),
        "suspend": forms.ReasonForm(),
        "resume": forms.ResumeForm(),
        "exit": forms.ExitForm(),
        "transfer": forms.TransferForm(clinics=clinics),
        "guest": forms.GuestForm(clinics=clinics, initial={"start_on": today, "end_on": today}),
        "order": forms.OrderForm(initial={"split_parts": 1, "effective_on": today}),
    }


def _bound_form(action: str, request: HttpRequest, episode: Episode, **extra: Any) -> django_forms.Form:
    clinics = records.transfer_clinics(user=request.user, exclude=episode.clinic_id)
    data = request.POST
    return {
        "assess": lambda: forms.AssessForm(data),
        "accept": lambda: forms.AcceptForm(data),
        "refuse": lambda: forms.ReasonForm(data),
        "suspend": lambda: forms.ReasonForm(data),
        "resume": lambda: forms.ResumeForm(data),
        "exit": lambda: forms.ExitForm(data),
        "transfer": lambda: forms.TransferForm(data, clinics=clinics),
        "guest": lambda: forms.GuestForm(data, clinics=clinics),
        "order": lambda: forms.OrderForm(data, **extra),
    }[action]()


def _render_detail(
    request: HttpRequest,
    episode: Episode,
    *,
    bound: dict[str, django_forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    page_forms = _forms_for(episode, request.user)
    page_forms.update(bound or {})
    eligibility = episode.eligibility or {}
    documents = dict(forms.DOCUMENTS)
    actions = records.episode_actions(user=request.user, episode=episode)
    orphan_errors: list[str] = []
    for name, form in (bound or {}).items():  # the action's form is not on the page in this state
        if name not in actions:
            orphan_errors += [str(e) for e in form.non_field_errors()]
            orphan_errors += [
                f"{form.fields[f].label}: {e}"
                for f, errs in form.errors.items()
                if f in form.fields
                for e in errs
            ]
    context = {
        "episode": episode,
        "person": episode.person,
        "actions": actions,
        "forms": page_forms,
        "orphan_errors": orphan_errors,
        "eligibility": eligibility,
        "documents": [documents.get(d, d) for d in eligibility.get("documents", [])],
        "today": clock.local_today(),
        **records.episode_history(episode=episode),
    }
    return render(request, "mmt/episodes/detail.html", context, status=status)


@guard(Action.MMT_VIEW)
@require_GET
def episode_detail(request: HttpRequest, pk: int) -> HttpResponse:
    episode = _or_404(records.episode_get, user=request.user, pk=pk)
    person_services.person_record_view(
        actor=request.user, person=episode.person, part=f"mmt_episode:{episode.pk}"
    )
    return _render_detail(request, episode)


def _act(request: HttpRequest, pk: int, action: str, perform: Callable[[Episode, dict], str]) -> HttpResponse:
    """Look the episode up for action, parse the form, call the service: success → back to the page with a
    message; bad input or a refused transition → the page again with 400 and the errors beside the form."""
    episode = _or_404(records.episode_for_action, user=request.user, pk=pk)
    form = _bound_form(action, request, episode, show_override=bool(request.POST.get("override_reason")))
    if form.is_valid():
        try:
            message = perform(episode, form.cleaned_data)
        except FieldErrors as exc:
            if action == "order" and "override_reason" in exc.fields and "override_reason" not in form.fields:
                form = _bound_form(action, request, episode, show_override=True)
                form.is_valid()
            apply_field_errors(form, exc)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, message)
            return HttpResponseRedirect(_detail_url(episode))
    episode.refresh_from_db()
    return _render_detail(request, episode, bound={action: form}, status=400)


@guard(Action.MMT_ENROL)
@require_POST
def episode_assess(request: HttpRequest, pk: int) -> HttpResponse:
    def perform(episode: Episode, data: dict) -> str:
        episode = services.episode_assess(
            actor=request.user,
            episode=episode,
            assessment=services.Assessment(
                dependence_evidence=data["dependence_evidence"],
                documents=list(data["documents"]),
                agreement_signed=data["agreement_signed"],
                guardian_consent=data["guardian_consent"],
            ),
        )
        if episode.eligibility.get("eligible"):
            return _("Assessment recorded: eligible.")
        return _("Assessment recorded: not eligible. %(problems)s") % {
            "problems": " ".join(episode.eligibility.get("problems", []))
        }

    return _act(request, pk, "assess", perform)


@guard(Action.MMT_ENROL)
@require_POST
def episode_accept(request: HttpRequest, pk: int) -> HttpResponse:
    def perform(episode: Episode, data: dict) -> str:
        episode = services.episode_accept(actor=request.user, episode=episode, start_on=data["start_on"])
        return _("Accepted. Treatment card number: %(card)s.") % {"card": episode.card_number}

    return _act(request, pk, "accept", perform)


@guard(Action.MMT_ENROL)
@require_POST
def episode_refuse(request: HttpRequest, pk: int) -> HttpResponse:
    def perform(episode: Episode, data: dict) -> str:
        services.episode_refuse(actor=request.user, episode=episode, reason=data["reason"])
        return _("The application is refused; the written reason is on file.")

    return _act(request, pk, "refuse", perform)


@guard(Action.MMT_ENROL)
@require_POST
def episode_suspend(request: HttpRequest, pk: int) -> HttpResponse:
    def perform(episode: Episode, data: dict) -> str:
        services.episode_suspend(actor=request.user, episode=episode, reason=data["reason"])
        return _("Treatment is suspended.")

    return _act(request, pk, "suspend", perform)


@guard(Action.MMT_ENROL)
@require_POST
def episode_resume(request: HttpRequest, pk: int) -> HttpResponse:
    def perform(episode: Episode, data: dict) -> str:
        services.episode_resume(actor=request.user, episode=episode)
        return _("Treatment is resumed. A doctor reviews the patient (a new order) before the next dose.")

    return _act(request, pk, "resume", perform)


@guard(Action.MMT_ENROL)
@require_POST
def episode_exit(request: HttpRequest, pk: int) -> HttpResponse:
    def perform(episode: Episode, data: dict) -> str:
        episode = services.episode_exit(
            actor=request.user, episode=episode, reason=data["reason"], on=data["on"], note=data["note"]
        )
        return _("The episode is closed (%(reason)s) on %(on)s.") % {
            "reason": ExitReason(episode.exit_reason).label,
            "on": episode.ended_on.isoformat() if episode.ended_on else "",
        }

    return _act(request, pk, "exit", perform)


@guard(Action.MMT_ENROL)
@require_POST
def episode_transfer(request: HttpRequest, pk: int) -> HttpResponse:
    def perform(episode: Episode, data: dict) -> str:
        transfer = services.transfer_request(
            actor=request.user, episode=episode, to_clinic=data["to_clinic"], reason=data["reason"]
        )
        return _("Transfer to %(clinic)s requested; it awaits that clinic's answer.") % {
            "clinic": transfer.to_clinic.name
        }

    return _act(request, pk, "transfer", perform)


@guard(Action.MMT_ENROL)
@require_POST
def episode_guest(request: HttpRequest, pk: int) -> HttpResponse:
    def perform(episode: Episode, data: dict) -> str:
        grant = services.guest_grant(
            actor=request.user,
            episode=episode,
            host_clinic=data["host_clinic"],
            start_on=data["start_on"],
            end_on=data["end_on"],
            reason=data["reason"],
        )
        return _("Guest dosing at %(clinic)s granted from %(start)s to %(end)s.") % {
            "clinic": grant.host_clinic.name,
            "start": grant.start_on.isoformat(),
            "end": grant.end_on.isoformat(),
        }

    return _act(request, pk, "guest", perform)


@guard(Action.MMT_ORDER)
@require_POST
def episode_order(request: HttpRequest, pk: int) -> HttpResponse:
    def perform(episode: Episode, data: dict) -> str:
        order = services.order_write(
            actor=request.user,
            episode=episode,
            dose_mg=data["dose_mg"],
            effective_on=data["effective_on"],
            reason=data["reason"],
            split_parts=data["split_parts"] or 1,
            override_reason=data.get("override_reason", ""),
        )
        return _("Order written: %(mg)s mg a day from %(on)s.") % {
            "mg": order.dose_mg,
            "on": order.effective_on.isoformat(),
        }

    return _act(request, pk, "order", perform)


# --- the patient's record ---------------------------------------------------------------------------------

CALENDAR_MONTHS = 3


def _month_param(value: str) -> dt.date | None:
    try:
        return dt.datetime.strptime(value, "%Y-%m").date()  # noqa: DTZ007 — a month, not a moment
    except ValueError:
        return None


@guard(Action.MMT_VIEW)
@require_GET
def person_record(request: HttpRequest, person_id: int) -> HttpResponse:
    person = _or_404(records.person_get, user=request.user, pk=person_id)
    person_services.person_record_view(actor=request.user, person=person, part="mmt_record")
    entries = records.record_episodes(user=request.user, person=person)
    today = clock.local_today()
    treated = [e.episode for e in entries if e.visible and e.episode.started_on is not None]
    grids: list[records.MonthGrid] = []
    earlier = later = None
    if treated:
        first = min(e.started_on for e in treated if e.started_on)
        last = max((e.ended_on or today) for e in treated)
        last = min(last, today)
        until = _month_param(request.GET.get("until", "")) or records.month_start(last)
        months = [records.add_months(until, -n) for n in reversed(range(CALENDAR_MONTHS))]
        shown = [m for m in months if m <= last and records.month_end(m) >= first]
        if shown:
            days = records.attendance(
                episodes=treated, start=shown[0], end=records.month_end(shown[-1]), today=today
            )
            grids = records.month_grids(months=shown, days=days)
        if months[0] > first:
            earlier = records.add_months(until, -CALENDAR_MONTHS)
        if records.month_end(until) < last:
            later = records.add_months(until, CALENDAR_MONTHS)
    context = {
        "person": person,
        "entries": entries,
        "reports": records.record_reports(user=request.user, person=person),
        "grids": grids,
        "earlier": earlier,
        "later": later,
        "can_apply": can(request.user, Action.MMT_ENROL) and not any(e.episode.is_open for e in entries),
    }
    return render(request, "mmt/episodes/record.html", context)
