"""Inspection pages: the schedule, planning, an inspection's page, the tablet checklist the team conducts it on
(htmx saves each item), evidence files, the review before submission, and the joint teams.

Objects outside the user's scope are 404; a role that may not act is 403 (audited by ``deny``)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jiedu.core import audit, clock
from jiedu.core.errors import DomainError, FieldErrors, PermissionDenied
from jiedu.core.forms import apply_field_errors
from jiedu.core.pdf import PdfUnavailable, pdf_response, render_pdf
from jiedu.inspections import evidence as files
from jiedu.inspections import rules, selectors, services
from jiedu.inspections.facts import shown_as_of
from jiedu.inspections.forms import (
    FindingTermsForm,
    PlanForm,
    ReasonForm,
    ScheduleFilter,
    ScoreForm,
    TeamForm,
)
from jiedu.inspections.models import (
    Evidence,
    Inspection,
    InspectionStatus,
    Item,
    ScoringRule,
    Team,
    TeamMember,
)
from jiedu.policy import Action, can
from jiedu.policy.views import deny, guard
from jiedu.registry.models import Organisation


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _inspection_or_404(request: HttpRequest, pk: int) -> Inspection:
    try:
        return selectors.inspection_get(user=request.user, pk=pk)
    except Inspection.DoesNotExist:
        raise Http404 from None


def _member(request: HttpRequest, inspection: Inspection) -> bool:
    return selectors.is_member(request.user, inspection.team_id)


def _leader(request: HttpRequest, inspection: Inspection) -> bool:
    return TeamMember.objects.filter(
        team_id=inspection.team_id, user_id=request.user.pk, is_leader=True
    ).exists()


# --- the schedule -------------------------------------------------------------------------------------------


@guard(Action.INSPECTION_VIEW)
@require_GET
def schedule(request: HttpRequest) -> HttpResponse:
    targets = selectors.target_choices(user=request.user)
    form = ScheduleFilter(request.GET or None, targets=targets)
    status, target = "", None
    if form.is_valid():
        status = form.cleaned_data["status"] or ""
        target = form.cleaned_data["target"].pk if form.cleaned_data["target"] else None
    context = {
        "form": form,
        "rows": selectors.schedule(user=request.user, status=status, target=target),
        "today": clock.local_today(),
        "can_plan": can(request.user, Action.INSPECTION_PLAN),
    }
    return render(request, "inspections/schedule.html", context)


@guard(Action.INSPECTION_CONDUCT)
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "inspections/mine.html",
        {"rows": selectors.assignments(user=request.user), "today": clock.local_today()},
    )


@guard(Action.INSPECTION_PLAN)
@require_http_methods(["GET", "POST"])
def plan(request: HttpRequest) -> HttpResponse:
    choices = {
        "versions": selectors.published_versions(),
        "targets": selectors.target_choices(user=request.user),
        "teams": selectors.teams_in_scope(user=request.user),
    }
    if request.method == "GET":
        initial = {"announced": True}
        if request.GET.get("target"):
            initial["target"] = request.GET["target"]
        return render(request, "inspections/plan.html", {"form": PlanForm(initial=initial, **choices)})
    form = PlanForm(request.POST, **choices)
    if form.is_valid():
        data = form.cleaned_data
        try:
            inspection = services.inspection_plan(
                actor=request.user,
                version=data["version"],
                team=data["team"],
                target=data["target"],
                scheduled_on=data["scheduled_on"],
                announced=data["announced"],
                purpose=data["purpose"],
            )
        except PermissionDenied:
            return deny(request, Action.INSPECTION_PLAN)
        except FieldErrors as exc:
            apply_field_errors(form, exc)
        else:
            messages.success(request, _("The inspection is planned."))
            return HttpResponseRedirect(reverse("inspections:detail", args=[inspection.pk]))
    return render(request, "inspections/plan.html", {"form": form}, status=400)


# --- an inspection ------------------------------------------------------------------------------------------


def _detail(
    request: HttpRequest,
    inspection: Inspection,
    *,
    cancel: ReasonForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    inspection.refresh_from_db()
    context = {
        "inspection": inspection,
        "sheet": selectors.sheet(inspection),
        "events": list(inspection.events.select_related("by").order_by("at", "pk")),
        "members": list(inspection.team.members.select_related("user", "user__organisation")),
        "findings": list(inspection.rectifications.select_related("owner").order_by("number")),
        "is_member": _member(request, inspection),
        "can_cancel": inspection.status == InspectionStatus.PLANNED
        and can(request.user, Action.INSPECTION_PLAN)
        and request.user.organisation_id == inspection.inspecting_organisation_id,  # type: ignore[union-attr]
        "cancel_form": cancel or ReasonForm(),
        "error": error,
        "today": clock.local_today(),
    }
    return render(request, "inspections/detail.html", context, status=status)


@guard(Action.INSPECTION_VIEW)
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _inspection_or_404(request, pk))


@guard(Action.INSPECTION_PLAN)
@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = _inspection_or_404(request, pk)
    form = ReasonForm(request.POST)
    form.is_valid()
    try:
        services.inspection_cancel(
            actor=request.user, inspection=inspection, reason=form.cleaned_data.get("reason", "")
        )
    except PermissionDenied:
        return deny(request, Action.INSPECTION_PLAN)
    except FieldErrors as exc:
        apply_field_errors(form, exc)
        return _detail(request, inspection, cancel=form, status=400)
    except DomainError as exc:
        return _detail(request, inspection, error=exc.message, status=400)
    messages.success(request, _("The inspection is cancelled."))
    return HttpResponseRedirect(reverse("inspections:detail", args=[pk]))


@guard(Action.INSPECTION_VIEW)
@require_GET
def report(request: HttpRequest, pk: int) -> HttpResponse:
    """The written feedback of a submitted inspection (PDF): its scores by section and its findings."""
    inspection = _inspection_or_404(request, pk)
    if inspection.status not in (InspectionStatus.SUBMITTED, InspectionStatus.CLOSED):
        return _detail(
            request,
            inspection,
            error=_("The feedback is printed once the inspection is submitted."),
            status=400,
        )
    audit.record_standalone(
        "inspection.report.print", actor=request.user, obj=inspection, detail={"target": inspection.target_id}
    )
    context = {
        "inspection": inspection,
        "sheet": selectors.sheet(inspection),
        "members": list(inspection.team.members.select_related("user", "user__organisation")),
        "findings": list(inspection.rectifications.select_related("owner").order_by("number")),
    }
    try:
        content = render_pdf("inspections/print/report.html", context)
    except PdfUnavailable as exc:
        return HttpResponse(exc.args[0], status=503, content_type="text/plain; charset=utf-8")
    return pdf_response(content, filename=f"inspection-{inspection.pk}-{inspection.scheduled_on:%Y%m%d}.pdf")


# --- conducting ---------------------------------------------------------------------------------------------


def _conducted(request: HttpRequest, pk: int) -> Inspection | HttpResponse:
    """The inspection, if the user is one of its team (403 for other people who may see it, 404 otherwise)."""
    inspection = _inspection_or_404(request, pk)
    if not _member(request, inspection):
        return deny(request, Action.INSPECTION_CONDUCT)
    return inspection


def _score_form(row: selectors.Row) -> ScoreForm:
    latest = row.latest
    initial: dict[str, Any] = {}
    if latest is not None:
        initial = {
            "not_applicable": latest.not_applicable,
            "flagged": latest.flagged,
            "note": latest.note,
            "score": rules.plain(latest.score) if latest.score is not None else "",
            "instances": latest.instances if latest.instances is not None else "",
        }
        if row.item.rule == ScoringRule.PASS_FAIL and latest.score is not None:
            initial["result"] = "pass" if latest.score == row.item.max_score else "fail"
    return ScoreForm(initial=initial, prefix=f"item-{row.item.pk}")


def _conduct_context(
    request: HttpRequest,
    inspection: Inspection,
    sheet: selectors.Sheet,
    *,
    item: Item | None = None,
    form: ScoreForm | None = None,
    error: str = "",
    upload_error: str = "",
    saved: str = "",
) -> dict[str, Any]:
    """The page's context; each row carries its form, its "as of" line and, for ``item``, what just happened."""
    for row in sheet.rows:
        mine = item is not None and row.item.pk == item.pk
        row.form = form if mine and form is not None else _score_form(row)  # type: ignore[attr-defined]
        row.error = error if mine else ""  # type: ignore[attr-defined]
        row.upload_error = upload_error if mine else ""  # type: ignore[attr-defined]
        row.saved = saved if mine else ""  # type: ignore[attr-defined]
        row.as_of = shown_as_of(row.fact) if row.fact else ""  # type: ignore[attr-defined]
    return {
        "inspection": inspection,
        "sheet": sheet,
        "editable": inspection.status == InspectionStatus.IN_PROGRESS,
        "is_leader": _leader(request, inspection),
        "can_view": can(request.user, Action.INSPECTION_VIEW),
        "today": clock.local_today(),
    }


@guard(Action.INSPECTION_CONDUCT)
@require_GET
def conduct(request: HttpRequest, pk: int) -> HttpResponse:
    found = _conducted(request, pk)
    if isinstance(found, HttpResponse):
        return found
    sheet = selectors.sheet(found, with_facts=found.status == InspectionStatus.IN_PROGRESS)
    return render(request, "inspections/conduct.html", _conduct_context(request, found, sheet))


@guard(Action.INSPECTION_CONDUCT)
@require_POST
def start(request: HttpRequest, pk: int) -> HttpResponse:
    found = _conducted(request, pk)
    if isinstance(found, HttpResponse):
        return found
    try:
        services.inspection_start(actor=request.user, inspection=found)
    except PermissionDenied:
        return deny(request, Action.INSPECTION_CONDUCT)
    except DomainError as exc:
        sheet = selectors.sheet(found)
        context = {**_conduct_context(request, found, sheet), "error": exc.message}
        return render(request, "inspections/conduct.html", context, status=400)
    messages.success(request, _("The inspection has started: score the items as you go."))
    return HttpResponseRedirect(reverse("inspections:conduct", args=[pk]))


def _item_of(inspection: Inspection, item_pk: int) -> Item:
    item = Item.objects.filter(pk=item_pk, version_id=inspection.version_id).first()
    if item is None:
        raise Http404
    return item


def _item_response(
    request: HttpRequest,
    inspection: Inspection,
    item: Item,
    *,
    form: ScoreForm | None = None,
    error: str = "",
    upload_error: str = "",
    saved: str = "",
    status: int = 200,
) -> HttpResponse:
    """The item's block (and, out of band, the running totals) for htmx; the whole page otherwise."""
    inspection.refresh_from_db()
    sheet = selectors.sheet(inspection, with_facts=inspection.status == InspectionStatus.IN_PROGRESS)
    context = _conduct_context(
        request, inspection, sheet, item=item, form=form, error=error, upload_error=upload_error, saved=saved
    )
    if _is_htmx(request):
        context.update({"row": sheet.row_of(item.pk), "block": sheet.block_of(item.pk)})
        return render(request, "inspections/_item_swap.html", context, status=status)
    return render(request, "inspections/conduct.html", context, status=status)


@guard(Action.INSPECTION_CONDUCT)
@require_POST
def score(request: HttpRequest, pk: int, item: int) -> HttpResponse:
    found = _conducted(request, pk)
    if isinstance(found, HttpResponse):
        return found
    checklist_item = _item_of(found, item)
    form = ScoreForm(request.POST, prefix=f"item-{checklist_item.pk}")
    form.is_valid()
    data = form.cleaned_data
    try:
        recorded = services.response_record(
            actor=request.user,
            inspection=found,
            item=checklist_item,
            result=data.get("result") or "",
            score=data.get("score") or "",
            instances=data.get("instances") or "",
            not_applicable=bool(data.get("not_applicable")),
            flagged=bool(data.get("flagged")),
            note=data.get("note") or "",
        )
    except PermissionDenied:
        return deny(request, Action.INSPECTION_CONDUCT)
    except FieldErrors as exc:
        message = " ".join(m for messages_ in exc.fields.values() for m in messages_)
        return _item_response(request, found, checklist_item, form=form, error=message, status=400)
    except DomainError as exc:
        return _item_response(request, found, checklist_item, form=form, error=exc.message, status=400)
    if not _is_htmx(request):
        return HttpResponseRedirect(reverse("inspections:conduct", args=[pk]) + f"#item-{checklist_item.pk}")
    saved = _("Saved.") if recorded.changed else _("Nothing changed.")
    return _item_response(request, found, checklist_item, saved=saved)


@guard(Action.INSPECTION_CONDUCT)
@require_POST
def upload(request: HttpRequest, pk: int, item: int) -> HttpResponse:
    found = _conducted(request, pk)
    if isinstance(found, HttpResponse):
        return found
    checklist_item = _item_of(found, item)
    sent = request.FILES.get("file")
    if sent is None:
        return _item_response(
            request, found, checklist_item, upload_error=_("Choose a photo or a PDF document."), status=400
        )
    try:
        services.evidence_add(
            actor=request.user,
            inspection=found,
            item=checklist_item,
            upload=files.Upload(file=sent, name=sent.name or "", size=sent.size or 0),
        )
    except PermissionDenied:
        return deny(request, Action.INSPECTION_CONDUCT)
    except FieldErrors as exc:
        message = " ".join(m for messages_ in exc.fields.values() for m in messages_)
        return _item_response(request, found, checklist_item, upload_error=message, status=400)
    except DomainError as exc:
        return _item_response(request, found, checklist_item, upload_error=exc.message, status=400)
    if not _is_htmx(request):
        return HttpResponseRedirect(reverse("inspections:conduct", args=[pk]) + f"#item-{checklist_item.pk}")
    return _item_response(request, found, checklist_item, saved=_("The file is attached."))


def _terms_form(
    request: HttpRequest, inspection: Inspection, sheet: selectors.Sheet, data: Any = None
) -> FindingTermsForm:
    owners = selectors.target_choices(user=request.user).filter(
        region__code__startswith=inspection.inspecting_organisation.region.prefix
    ) | Organisation.objects.filter(pk=inspection.target_id)
    return FindingTermsForm(
        data,
        findings=sheet.findings,
        owners=owners.distinct().order_by("region_id", "type", "name"),
        default_deadline=services.default_deadline(inspection, clock.local_today()),
        target=inspection.target,
    )


def _submit_page(
    request: HttpRequest,
    inspection: Inspection,
    *,
    form: FindingTermsForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    sheet = selectors.sheet(inspection)
    labelled = [(row.label, row.item) for row in sheet.rows]
    latest = {row.item.pk: row.latest for row in sheet.rows if row.latest}
    problems = rules.submission_problems(labelled, latest, {r.item.pk: len(r.evidence) for r in sheet.rows})  # type: ignore[arg-type]
    context = {
        "inspection": inspection,
        "sheet": sheet,
        "problems": [m for ms in problems.values() for m in ms],
        "form": form or _terms_form(request, inspection, sheet),
        "is_leader": _leader(request, inspection),
        "editable": inspection.status == InspectionStatus.IN_PROGRESS,
        "error": error,
    }
    return render(request, "inspections/submit.html", context, status=status)


@guard(Action.INSPECTION_CONDUCT)
@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    found = _conducted(request, pk)
    if isinstance(found, HttpResponse):
        return found
    if request.method == "GET":
        return _submit_page(request, found)
    sheet = selectors.sheet(found)
    form = _terms_form(request, found, sheet, request.POST)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    terms = {
        row.item.pk: services.FindingTerms(
            owner=data.get(f"owner_{row.item.pk}"),
            deadline=data.get(f"deadline_{row.item.pk}"),
            evidence_required=bool(data.get(f"evidence_{row.item.pk}"))
            if f"owner_{row.item.pk}" in request.POST
            else True,
            requirement=data.get(f"requirement_{row.item.pk}") or "",
        )
        for row in sheet.findings
    }
    try:
        services.inspection_submit(actor=request.user, inspection=found, terms=terms)
    except PermissionDenied:
        return deny(request, Action.INSPECTION_CONDUCT)
    except FieldErrors as exc:
        return _submit_page(
            request, found, form=form, error=" ".join(m for ms in exc.fields.values() for m in ms), status=400
        )
    except DomainError as exc:
        return _submit_page(request, found, form=form, error=exc.message, status=400)
    found.refresh_from_db()
    findings = found.rectifications.count()
    messages.success(
        request,
        ngettext(
            "The inspection is submitted with a score of %(score)s%%; %(n)d finding is open for "
            "rectification.",
            "The inspection is submitted with a score of %(score)s%%; %(n)d findings are open for "
            "rectification.",
            findings,
        )
        % {"score": rules.plain(found.score), "n": findings},
    )
    return HttpResponseRedirect(reverse("inspections:detail", args=[pk]))


# --- evidence files -----------------------------------------------------------------------------------------


def _file(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        evidence = selectors.evidence_get(user=request.user, pk=pk)
    except Evidence.DoesNotExist:
        raise Http404 from None
    content_type = "image/jpeg" if evidence.is_photo else "application/pdf"
    response = FileResponse(evidence.file.open("rb"), content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = f'inline; filename="evidence-{evidence.pk}{evidence.extension}"'
    return response


@guard(Action.INSPECTION_VIEW)
@require_GET
def evidence(request: HttpRequest, pk: int) -> HttpResponse:
    return _file(request, pk)


@guard(Action.INSPECTION_CONDUCT)
@require_GET
def conduct_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    return _file(request, pk)


# --- teams --------------------------------------------------------------------------------------------------


def _team_form(request: HttpRequest, data: Any = None, initial: dict[str, Any] | None = None) -> TeamForm:
    return TeamForm(data, initial=initial, candidates=selectors.team_candidates(user=request.user))


@guard(Action.INSPECTION_PLAN)
@require_http_methods(["GET", "POST"])
def teams(request: HttpRequest) -> HttpResponse:
    form = _team_form(request, request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        form.is_valid()
        data = getattr(form, "cleaned_data", {})
        try:
            team = services.team_create(
                actor=request.user,
                name=data.get("name", ""),
                members=list(data.get("members") or []),
                leader=data.get("leader"),
            )
        except PermissionDenied:
            return deny(request, Action.INSPECTION_PLAN)
        except FieldErrors as exc:
            apply_field_errors(form, exc)
            status = 400
        else:
            messages.success(request, _("The team %(name)s is set up.") % {"name": team.name})
            return HttpResponseRedirect(reverse("inspections:team", args=[team.pk]))
    context = {"teams": list(selectors.teams_in_scope(user=request.user)), "form": form}
    return render(request, "inspections/teams.html", context, status=status)


@guard(Action.INSPECTION_PLAN)
@require_http_methods(["GET", "POST"])
def team(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        found = selectors.team_get(user=request.user, pk=pk)
    except Team.DoesNotExist:
        raise Http404 from None
    members = list(found.members.all())
    leader = next((m.user for m in members if m.is_leader), None)
    initial = {
        "name": found.name,
        "members": [m.user_id for m in members],
        "leader": leader.pk if leader else None,
    }
    form = _team_form(request, request.POST if request.method == "POST" else None, initial=initial)
    status = 200
    if request.method == "POST":
        form.is_valid()
        data = getattr(form, "cleaned_data", {})
        try:
            services.team_update(
                actor=request.user,
                team=found,
                name=data.get("name", ""),
                members=list(data.get("members") or []),
                leader=data.get("leader"),
            )
        except PermissionDenied:
            return deny(request, Action.INSPECTION_PLAN)
        except FieldErrors as exc:
            apply_field_errors(form, exc)
            status = 400
        else:
            messages.success(request, _("The team is saved."))
            return HttpResponseRedirect(reverse("inspections:team", args=[pk]))
    context = {
        "team": found,
        "members": members,
        "form": form,
        "inspections": list(
            found.inspections.select_related("target", "version__template").order_by("-scheduled_on")[:50]
        ),
    }
    return render(request, "inspections/team.html", context, status=status)
