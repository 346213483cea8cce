"""Findings and their rectification: an institution's own list (the commission's: its region's), a finding with
its history and the steps its owner and the inspecting body take, and the per-district status board."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from jiedu.core import clock
from jiedu.core.errors import DomainError, FieldErrors, PermissionDenied
from jiedu.core.forms import apply_field_errors
from jiedu.inspections import evidence as files
from jiedu.inspections import rules, selectors, services
from jiedu.inspections.forms import FindingFilter, NoteForm, RejectForm, RespondForm
from jiedu.inspections.models import Rectification, RectificationStatus, StepKind
from jiedu.policy import Action, can
from jiedu.policy.views import deny, guard
from jiedu.registry.models import Organisation, Region


def _finding_or_404(request: HttpRequest, pk: int) -> Rectification:
    try:
        return selectors.finding_get(user=request.user, pk=pk)
    except Rectification.DoesNotExist:
        raise Http404 from None


@guard(Action.INSPECTION_VIEW)
@require_GET
def findings(request: HttpRequest) -> HttpResponse:
    form = FindingFilter(request.GET or None)
    status, owner, county = "", None, ""
    if form.is_valid():
        status = form.cleaned_data["status"] or ""
        owner = form.cleaned_data["owner"]
        county = form.cleaned_data["county"] or ""
    context = {
        "form": form,
        "rows": selectors.finding_list(user=request.user, status=status, owner=owner, county=county),
        "owner": Organisation.objects.filter(pk=owner).first() if owner else None,
        "county": Region.objects.filter(code=county).first() if county else None,
        "today": clock.local_today(),
        "can_board": can(request.user, Action.RECTIFICATION_VERIFY),
    }
    return render(request, "inspections/findings.html", context)


def _finding_page(
    request: HttpRequest,
    rectification: Rectification,
    *,
    bound: dict[str, Any] | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    rectification.refresh_from_db()
    history = selectors.finding_history(rectification)
    last_answer = next((s for s in reversed(history.steps) if s.kind == StepKind.RESPONDED), None)
    user = request.user
    owner_user = can(user, Action.RECTIFICATION_RESPOND) and user.organisation_id == rectification.owner_id  # type: ignore[union-attr]
    inspecting = services.is_inspecting_body(user, rectification.inspection)
    context = {
        "finding": rectification,
        "inspection": rectification.inspection,
        "response": rectification.response,
        "item_evidence": list(
            rectification.inspection.evidence.filter(item=rectification.item).order_by("pk")
        ),
        "history": history,
        "overdue": rules.is_overdue(rectification.status, rectification.deadline, clock.local_today()),
        "may_respond": owner_user and rectification.status == RectificationStatus.OPEN,
        "may_verify": inspecting
        and rectification.status == RectificationStatus.RESPONDED
        and (last_answer is None or last_answer.by_id != user.pk),
        "may_close": inspecting and rectification.status == RectificationStatus.VERIFIED,
        "forms": {
            "respond": RespondForm(prefix="respond"),
            "verify": NoteForm(prefix="verify"),
            "reject": RejectForm(prefix="reject"),
            "close": NoteForm(prefix="close"),
            **(bound or {}),
        },
        "error": error,
        "today": clock.local_today(),
    }
    return render(request, "inspections/finding.html", context, status=status)


@guard(Action.INSPECTION_VIEW)
@require_GET
def finding(request: HttpRequest, pk: int) -> HttpResponse:
    return _finding_page(request, _finding_or_404(request, pk))


def _step(request: HttpRequest, pk: int, step: str, action: Action) -> HttpResponse:
    rectification = _finding_or_404(request, pk)
    form: Any
    if step == "respond":
        form = RespondForm(request.POST, prefix=step)
    elif step == "reject":
        form = RejectForm(request.POST, prefix=step)
    else:
        form = NoteForm(request.POST, prefix=step)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    note = data.get("note") or ""
    try:
        if step == "respond":
            uploads = [
                files.Upload(file=f, name=f.name or "", size=f.size or 0)
                for f in request.FILES.getlist(f"{step}-files")
            ]
            services.rectification_respond(
                actor=request.user, rectification=rectification, note=note, uploads=uploads
            )
            done = _("Your answer is sent to the inspecting body for verification.")
        elif step == "verify":
            services.rectification_verify(actor=request.user, rectification=rectification, note=note)
            done = _("The answer is verified.")
        elif step == "reject":
            services.rectification_reject(
                actor=request.user, rectification=rectification, note=note, deadline=data.get("deadline")
            )
            done = _("The answer is rejected: the finding is open again with the new deadline.")
        else:
            services.rectification_close(actor=request.user, rectification=rectification, note=note)
            done = _("The finding is closed.")
    except PermissionDenied:
        return deny(request, action)
    except FieldErrors as exc:
        apply_field_errors(form, exc)
        return _finding_page(request, rectification, bound={step: form}, status=400)
    except DomainError as exc:
        return _finding_page(request, rectification, error=exc.message, status=400)
    messages.success(request, done)
    return HttpResponseRedirect(reverse("inspections:finding", args=[pk]))


@guard(Action.RECTIFICATION_RESPOND)
@require_POST
def respond(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(request, pk, "respond", Action.RECTIFICATION_RESPOND)


@guard(Action.RECTIFICATION_VERIFY)
@require_POST
def verify(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(request, pk, "verify", Action.RECTIFICATION_VERIFY)


@guard(Action.RECTIFICATION_VERIFY)
@require_POST
def reject(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(request, pk, "reject", Action.RECTIFICATION_VERIFY)


@guard(Action.RECTIFICATION_VERIFY)
@require_POST
def close(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(request, pk, "close", Action.RECTIFICATION_VERIFY)


@guard(Action.RECTIFICATION_VERIFY)
@require_GET
def board(request: HttpRequest) -> HttpResponse:
    county = request.GET.get("county", "").strip()
    try:
        found = selectors.board(user=request.user, county=county)
    except Region.DoesNotExist:
        raise Http404 from None
    return render(request, "inspections/board.html", {"board": found, "today": clock.local_today()})
