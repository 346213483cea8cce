"""Education campaign pages: the events in scope, recording and correcting an event (with its history), its
evidence files, the campaigns, and the totals per county, period, setting and campaign with their downloads.

An event outside the user's scope is not found (404); inside it, only its organiser's recorders (or the narcotics
office, for a member unit that cannot record its own) correct it — anyone else is refused (403)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jiedu.campaigns import exports, rules, selectors, services
from jiedu.campaigns.forms import CampaignForm, EventEntry, EvidenceForm, ReasonForm
from jiedu.campaigns.models import Campaign, CampaignKind, Event, Evidence
from jiedu.core import audit, clock
from jiedu.core.errors import DomainError, FieldErrors, PermissionDenied
from jiedu.core.exports import csv_response
from jiedu.core.forms import apply_field_errors
from jiedu.core.pdf import xlsx_response
from jiedu.policy import Action
from jiedu.policy.views import deny, guard
from jiedu.registry.models import Region

# --- helpers ------------------------------------------------------------------------------------------------------


def _int(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() else None


def _period(request: HttpRequest) -> rules.Period:
    return rules.parse_period(request.GET.get("period", "")) or rules.period_of(
        rules.Kind.YEAR, clock.local_today()
    )


def _event_or_404(request: HttpRequest, pk: int) -> Event:
    try:
        return selectors.event_get(user=request.user, pk=pk)
    except Event.DoesNotExist:
        raise Http404 from None


def _campaign_or_404(request: HttpRequest, pk: int) -> Campaign:
    try:
        return selectors.campaign_get(user=request.user, pk=pk)
    except Campaign.DoesNotExist:
        raise Http404 from None


def _evidence_or_404(request: HttpRequest, pk: int) -> Evidence:
    try:
        return selectors.evidence_get(user=request.user, pk=pk)
    except Evidence.DoesNotExist:
        raise Http404 from None


def _choices(request: HttpRequest, organisers: list[Any], current: Any = None) -> dict[str, Any]:
    user = request.user
    settings = selectors.settings_in_use()
    campaigns = selectors.recent_campaigns(user=user, today=clock.local_today())
    counties = selectors.counties_under(user.organisation.region)  # type: ignore[union-attr]
    if current is not None:  # a correction keeps what the event has, even where it is no longer offered
        if current.setting_id not in {s.pk for s in settings}:
            settings.append(current.setting)
        if current.campaign is not None and current.campaign_id not in {c.pk for c in campaigns}:
            campaigns.append(current.campaign)
        if current.county_id not in {c.code for c in counties}:
            counties.append(current.county)
    partners = selectors.partner_choices(user=user)
    if current is not None:
        offered = {o.pk for o in partners}
        partners += [c.organisation for c in current.co_organisers.all() if c.organisation_id not in offered]
    return {
        "organisers": organisers,
        "campaigns": campaigns,
        "counties": counties,
        "settings": settings,
        "partners": partners,
    }


# --- the list -----------------------------------------------------------------------------------------------------


@guard(Action.CAMPAIGN_VIEW)
@require_GET
def event_list(request: HttpRequest) -> HttpResponse:
    period = _period(request)
    filters = selectors.Filters(
        period=period,
        campaign=_int(request.GET.get("campaign")),
        setting=_int(request.GET.get("setting")),
        county=request.GET.get("county") or None,
    )
    org = request.user.organisation  # type: ignore[union-attr]
    context = {
        "rows": selectors.event_list(user=request.user, filters=filters),
        "filters": filters,
        "period": period,
        "choices": rules.period_choices(clock.local_today()),
        "campaigns": selectors.campaign_list(user=request.user, years=(period.start.year,)),
        "settings": selectors.settings_in_use(),
        "counties": selectors.counties_under(org.region)
        if org and selectors.is_officer(request.user)
        else [],
        "may_record": bool(services.organisers_for(request.user)),
        "officer": selectors.is_officer(request.user),
    }
    return render(request, "campaigns/list.html", context)


# --- recording and correcting an event ----------------------------------------------------------------------------


def _entry_page(
    request: HttpRequest, entry: EventEntry, *, event: Event | None = None, status: int = 200
) -> HttpResponse:
    return render(request, "campaigns/event_form.html", {"entry": entry, "event": event}, status=status)


@guard(Action.CAMPAIGN_MANAGE)
@require_http_methods(["GET", "POST"])
def event_new(request: HttpRequest) -> HttpResponse:
    organisers = services.organisers_for(request.user)
    if not organisers:
        return deny(request, Action.CAMPAIGN_MANAGE)
    choices = _choices(request, organisers)
    if request.method == "GET":
        return _entry_page(request, EventEntry(choices=choices, organiser=organisers[0]))
    entry = EventEntry(request.POST, choices=choices)
    if entry.is_valid() and entry.organiser is not None:
        try:
            recorded = services.event_record(
                actor=request.user, organiser=entry.organiser, facts=entry.facts(), idempotency_key=entry.key
            )
        except PermissionDenied:
            return deny(request, Action.CAMPAIGN_MANAGE)
        except FieldErrors as exc:
            entry.apply(exc)
        else:
            if recorded.created:
                messages.success(request, _("The event is recorded."))
            else:
                messages.info(request, _("This event was recorded already: the form was sent twice."))
            return HttpResponseRedirect(reverse("campaigns:event", args=[recorded.event.pk]))
    return _entry_page(request, entry, status=400)


@guard(Action.CAMPAIGN_MANAGE)
@require_http_methods(["GET", "POST"])
def event_correct(request: HttpRequest, pk: int) -> HttpResponse:
    event = _event_or_404(request, pk)
    if not services.may_record_for(request.user, event.organiser):
        return deny(request, Action.CAMPAIGN_MANAGE)
    current = selectors.version_with_parts(event.current_id)  # type: ignore[arg-type]
    if current.withdrawn:
        messages.error(request, _("This event was withdrawn; it is not corrected."))
        return HttpResponseRedirect(reverse("campaigns:event", args=[event.pk]))
    choices = _choices(request, [event.organiser], current)
    if request.method == "GET":
        entry = EventEntry(choices=choices, current=current, organiser=event.organiser, correcting=True)
        return _entry_page(request, entry, event=event)
    entry = EventEntry(
        request.POST, choices=choices, current=current, organiser=event.organiser, correcting=True
    )
    if entry.is_valid():
        try:
            corrected = services.event_correct(
                actor=request.user,
                event=event,
                facts=entry.facts(),
                reason=entry.reason,
                expected_version=entry.seen,
            )
        except PermissionDenied:
            return deny(request, Action.CAMPAIGN_MANAGE)
        except FieldErrors as exc:
            entry.apply(exc)
        except DomainError as exc:
            entry.event.add_error(None, exc.message)
        else:
            if corrected.changed:
                messages.success(
                    request,
                    _("The correction is saved as version %(n)d.") % {"n": corrected.event.current.number},  # type: ignore[union-attr]
                )
            else:
                messages.info(request, _("Nothing changed: the event is as recorded."))
            return HttpResponseRedirect(reverse("campaigns:event", args=[event.pk]))
    return _entry_page(request, entry, event=event, status=400)


def _detail(
    request: HttpRequest,
    event: Event,
    *,
    withdraw: ReasonForm | None = None,
    upload: EvidenceForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    view = selectors.event_view(event)
    context = {
        "view": view,
        "event": event,
        "current": view.current,
        "may_edit": services.may_record_for(request.user, event.organiser),
        "withdraw_form": withdraw or ReasonForm(prefix="withdraw"),
        "upload_form": upload or EvidenceForm(prefix="evidence"),
        "error": error,
    }
    return render(request, "campaigns/event.html", context, status=status)


@guard(Action.CAMPAIGN_VIEW)
@require_GET
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _event_or_404(request, pk))


@guard(Action.CAMPAIGN_MANAGE)
@require_POST
def event_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    event = _event_or_404(request, pk)
    if not services.may_record_for(request.user, event.organiser):
        return deny(request, Action.CAMPAIGN_MANAGE)
    form = ReasonForm(request.POST, prefix="withdraw")
    form.is_valid()  # a text that may be blank: the service judges the reason
    try:
        services.event_withdraw(
            actor=request.user,
            event=event,
            reason=form.cleaned_data.get("reason", ""),
            expected_version=_int(request.POST.get("seen")),
        )
    except PermissionDenied:
        return deny(request, Action.CAMPAIGN_MANAGE)
    except FieldErrors as exc:
        apply_field_errors(form, exc)
        return _detail(request, event, withdraw=form, status=400)
    except DomainError as exc:
        return _detail(request, _event_or_404(request, pk), error=exc.message, status=400)
    messages.success(request, _("The event is withdrawn: it counts in no total."))
    return HttpResponseRedirect(reverse("campaigns:event", args=[pk]))


# --- evidence -----------------------------------------------------------------------------------------------------


@guard(Action.CAMPAIGN_MANAGE)
@require_POST
def evidence_upload(request: HttpRequest, pk: int) -> HttpResponse:
    event = _event_or_404(request, pk)
    if not services.may_record_for(request.user, event.organiser):
        return deny(request, Action.CAMPAIGN_MANAGE)
    form = EvidenceForm(request.POST, request.FILES, prefix="evidence")
    form.is_valid()
    upload = form.cleaned_data.get("file")
    if upload is None:
        form.add_error("file", _("File: choose a photo or a PDF document."))
        return _detail(request, event, upload=form, status=400)
    try:
        services.evidence_add(
            actor=request.user,
            event=event,
            upload=services.EvidenceUpload(file=upload, name=upload.name or "", size=upload.size or 0),
            caption=form.cleaned_data.get("caption", ""),
        )
    except PermissionDenied:
        return deny(request, Action.CAMPAIGN_MANAGE)
    except FieldErrors as exc:
        apply_field_errors(form, exc)
        return _detail(request, event, upload=form, status=400)
    except DomainError as exc:
        return _detail(request, event, error=exc.message, status=400)
    messages.success(request, _("The file is kept with the event."))
    return HttpResponseRedirect(reverse("campaigns:event", args=[pk]) + "#evidence")


@guard(Action.CAMPAIGN_VIEW)
@require_GET
def evidence_file(request: HttpRequest, pk: int) -> HttpResponse:
    """A file of an event in the user's scope, never from a public address; a withdrawn file is not served."""
    item = _evidence_or_404(request, pk)
    if hasattr(item, "withdrawal"):
        raise Http404
    response = FileResponse(
        item.file.open("rb"),
        content_type=item.content_type,
        as_attachment=not item.is_image,
        filename=item.name,
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@guard(Action.CAMPAIGN_MANAGE)
@require_POST
def evidence_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    item = _evidence_or_404(request, pk)
    event = _event_or_404(request, item.event_id)
    if not services.may_record_for(request.user, event.organiser):
        return deny(request, Action.CAMPAIGN_MANAGE)
    form = ReasonForm(request.POST, prefix=f"file{item.pk}")
    form.is_valid()
    try:
        services.evidence_withdraw(
            actor=request.user, evidence=item, reason=form.cleaned_data.get("reason", "")
        )
    except PermissionDenied:
        return deny(request, Action.CAMPAIGN_MANAGE)
    except FieldErrors as exc:  # the reason is the only field
        return _detail(request, event, error=_first(exc), status=400)
    except DomainError as exc:
        return _detail(request, event, error=exc.message, status=400)
    messages.success(request, _("The file is withdrawn: it is kept but no longer shown."))
    return HttpResponseRedirect(reverse("campaigns:event", args=[event.pk]) + "#evidence")


def _first(exc: FieldErrors) -> str:
    return next(iter(exc.fields.values()))[0]


# --- campaigns ----------------------------------------------------------------------------------------------------


@guard(Action.CAMPAIGN_VIEW)
@require_GET
def campaign_list(request: HttpRequest) -> HttpResponse:
    today = clock.local_today()
    year = _int(request.GET.get("year")) or today.year
    context = {
        "year": year,
        "years": list(range(today.year + 1, today.year - 4, -1)),
        "campaigns": selectors.campaign_list(user=request.user, years=(year,)),
        "may_open": services.may_manage_campaigns(request.user),
    }
    return render(request, "campaigns/campaigns.html", context)


def _kinds() -> list[CampaignKind]:
    return list(CampaignKind.objects.filter(is_active=True).order_by("order"))


@guard(Action.CAMPAIGN_MANAGE)
@require_http_methods(["GET", "POST"])
def campaign_new(request: HttpRequest) -> HttpResponse:
    if not services.may_manage_campaigns(request.user):
        return deny(request, Action.CAMPAIGN_MANAGE)
    if request.method == "GET":
        form = CampaignForm(kinds=_kinds(), initial={"year": clock.local_today().year})
        return render(request, "campaigns/campaign_form.html", {"form": form})
    form = CampaignForm(request.POST, kinds=_kinds())
    if form.is_valid():
        data = form.cleaned_data
        try:
            campaign = services.campaign_create(
                actor=request.user,
                kind=form.chosen_kind,
                year=data["year"],
                name=data["name"],
                theme=data["theme"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
            )
        except PermissionDenied:
            return deny(request, Action.CAMPAIGN_MANAGE)
        except FieldErrors as exc:
            apply_field_errors(form, exc)
        else:
            messages.success(request, _("The campaign is opened."))
            return HttpResponseRedirect(reverse("campaigns:campaign", args=[campaign.pk]))
    return render(request, "campaigns/campaign_form.html", {"form": form}, status=400)


@guard(Action.CAMPAIGN_VIEW)
@require_GET
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign_or_404(request, pk)
    context = {
        "campaign": campaign,
        "events": selectors.campaign_events(user=request.user, campaign=campaign),
        "changes": selectors.campaign_history(campaign),
        "may_correct": services.may_correct_campaign(request.user, campaign),
        "may_record": bool(services.organisers_for(request.user)),
    }
    return render(request, "campaigns/campaign.html", context)


@guard(Action.CAMPAIGN_MANAGE)
@require_http_methods(["GET", "POST"])
def campaign_correct(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign_or_404(request, pk)
    if not services.may_correct_campaign(request.user, campaign):
        return deny(request, Action.CAMPAIGN_MANAGE)
    page = {"campaign": campaign}
    if request.method == "GET":
        initial = {
            "name": campaign.name,
            "theme": campaign.theme,
            "starts_on": campaign.starts_on,
            "ends_on": campaign.ends_on,
        }
        form = CampaignForm(kinds=[], correcting=True, initial=initial)
        return render(request, "campaigns/campaign_form.html", {**page, "form": form})
    form = CampaignForm(request.POST, kinds=[], correcting=True)
    if form.is_valid():
        data = form.cleaned_data
        try:
            changed = services.campaign_correct(
                actor=request.user,
                campaign=campaign,
                name=data["name"],
                theme=data["theme"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                reason=data["reason"],
            )
        except PermissionDenied:
            return deny(request, Action.CAMPAIGN_MANAGE)
        except FieldErrors as exc:
            apply_field_errors(form, exc)
        else:
            if changed:
                messages.success(request, _("The campaign is corrected."))
            else:
                messages.info(request, _("Nothing changed: the campaign is as it was."))
            return HttpResponseRedirect(reverse("campaigns:campaign", args=[campaign.pk]))
    return render(request, "campaigns/campaign_form.html", {**page, "form": form}, status=400)


# --- totals -------------------------------------------------------------------------------------------------------


def _area(request: HttpRequest) -> Region:
    """The region of ``?region=``: an officer's own or one inside it; anyone else's own only. 404 otherwise."""
    org = request.user.organisation  # type: ignore[union-attr]
    if org is None:
        raise Http404
    home = org.region
    code = request.GET.get("region", "")
    if not code or code == home.code:
        return home
    if not selectors.is_officer(request.user):
        raise Http404
    region = Region.objects.filter(code=code, code__startswith=home.prefix).first()
    if region is None:
        raise Http404
    return region


def _scope_label(request: HttpRequest) -> str:
    if selectors.is_officer(request.user):
        return _("every event held or organised in the region")
    return _("the events %(organisation)s organises or co-organises") % {
        "organisation": request.user.organisation.name  # type: ignore[union-attr]
    }


def _report(request: HttpRequest) -> exports.Report:
    area = _area(request)
    period = _period(request)
    versions = selectors.current_versions(user=request.user)
    found = selectors.totals(versions=versions, area=area, period=period)
    events = [
        v
        for v in selectors.event_list(
            user=request.user, filters=selectors.Filters(period=period, within=area.prefix), limit=100_000
        )
        if not v.withdrawn
    ]
    media, materials = selectors.parts_counts(events)
    return exports.Report(
        area_code=area.code,
        area_name=area.name,
        period=period,
        totals=found,
        events=events,
        media=media,
        materials=materials,
        scope=_scope_label(request),
    )


def _crumbs(request: HttpRequest, area: Region) -> list[Region]:
    """From the user's own region down to the area."""
    home = request.user.organisation.region  # type: ignore[union-attr]
    chain = []
    region: Region | None = area
    while region is not None and region.code.startswith(home.prefix):
        chain.append(region)
        if region.code == home.code:
            break
        region = region.parent
    return list(reversed(chain))


def _chart(found: rules.Totals) -> dict[str, Any]:
    return {
        "labels": [s.setting.name for s in found.settings],
        "series": [
            {"name": str(_("Events")), "data": [s.figures.events for s in found.settings]},
            {"name": str(_("Participants")), "data": [s.figures.participants for s in found.settings]},
        ],
        "counties": {
            "labels": [c.county.name for c in found.counties],
            "data": [c.figures.events for c in found.counties],
        },
    }


@guard(Action.CAMPAIGN_VIEW)
@require_GET
def totals(request: HttpRequest) -> HttpResponse:
    area = _area(request)
    period = _period(request)
    found = selectors.totals(versions=selectors.current_versions(user=request.user), area=area, period=period)
    query = f"region={area.code}&period={period.param}"
    context = {
        "area": area,
        "period": period,
        "totals": found,
        "choices": rules.period_choices(clock.local_today()),
        "crumbs": _crumbs(request, area),
        "officer": selectors.is_officer(request.user),
        "scope": _scope_label(request),
        "query": query,
        "chart": _chart(found),
        "drill": area.level != "county" and selectors.is_officer(request.user),
    }
    return render(request, "campaigns/totals.html", context)


def _filename(report: exports.Report, extension: str) -> str:
    return f"education-events-{report.area_code}-{report.period.param}.{extension}"


def _audit_export(request: HttpRequest, report: exports.Report, fmt: str) -> None:
    with transaction.atomic():
        audit.record(
            "campaigns.export",
            actor=request.user,
            detail={"format": fmt, "area": report.area_code, "period": report.period.param},
        )


@guard(Action.CAMPAIGN_VIEW)
@require_GET
def totals_workbook(request: HttpRequest) -> HttpResponse:
    report = _report(request)
    content = exports.workbook(report)
    _audit_export(request, report, "xlsx")
    return xlsx_response(content, filename=_filename(report, "xlsx"))


@guard(Action.CAMPAIGN_VIEW)
@require_GET
def totals_csv(request: HttpRequest) -> HttpResponse:
    report = _report(request)
    rows = exports.csv_rows(report)
    _audit_export(request, report, "csv")
    return csv_response(filename=_filename(report, "csv"), header=exports.CSV_HEADER, rows=rows)
