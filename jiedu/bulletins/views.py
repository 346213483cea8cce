"""The bulletin pages: an organisation's bulletin inbox (with the issue form for the narcotics office), a
bulletin on screen and as PDF. Only bulletins delivered to the user's organisation are shown."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from jiedu.bulletins import selectors, services
from jiedu.bulletins.forms import IssueForm
from jiedu.bulletins.models import BulletinDelivery
from jiedu.core import audit, clock, months
from jiedu.core.errors import DomainError, FieldErrors
from jiedu.core.forms import apply_field_errors
from jiedu.core.pdf import PdfUnavailable, pdf_response, render_pdf
from jiedu.policy import Action, can
from jiedu.policy.views import guard


def _delivery_or_404(request: HttpRequest, pk: int) -> BulletinDelivery:
    try:
        return selectors.delivery_get(user=request.user, bulletin_pk=pk)
    except BulletinDelivery.DoesNotExist:
        raise Http404 from None


def _issue_form(request: HttpRequest, data: Any = None) -> IssueForm:
    month = months.previous_month(clock.local_today())
    return IssueForm(
        data,
        counties=selectors.issuing_counties(user=request.user),
        initial={"month": f"{month:%Y-%m}"},
    )


def _render_inbox(request: HttpRequest, form: IssueForm | None, status: int = 200) -> HttpResponse:
    deliveries = list(selectors.inbox(user=request.user)[:300])
    return render(request, "bulletins/inbox.html", {"deliveries": deliveries, "form": form}, status=status)


@guard(Action.BULLETIN_VIEW)
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    form = _issue_form(request) if can(request.user, Action.BULLETIN_MAKE) else None
    return _render_inbox(request, form)


@guard(Action.BULLETIN_MAKE)
@require_POST
def issue(request: HttpRequest) -> HttpResponse:
    form = _issue_form(request, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            result = services.bulletin_issue(
                county=data["county"], month=data["month"], actor=request.user, reason=data["reason"]
            )
        except FieldErrors as exc:
            apply_field_errors(form, exc)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            bulletin = result.bulletin
            if result.created:
                messages.success(
                    request,
                    _("Issued: %(title)s, version %(version)d.")
                    % {"title": selectors.bulletin_title(bulletin), "version": bulletin.version},
                )
                return HttpResponseRedirect(reverse("bulletins:list"))
            form.add_error(
                "reason",
                _(
                    "This month's bulletin was issued already (version %(version)d). To issue a new version, "
                    "give the reason."
                )
                % {"version": bulletin.version},
            )
    return _render_inbox(request, form, status=400)


def _document(delivery: BulletinDelivery) -> dict[str, Any]:
    bulletin = delivery.bulletin
    return {
        "delivery": delivery,
        "bulletin": bulletin,
        "title": selectors.bulletin_title(bulletin),
        "tables": selectors.bulletin_tables(bulletin.figures),
    }


@guard(Action.BULLETIN_VIEW)
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = _delivery_or_404(request, pk)
    services.bulletin_read(actor=request.user, delivery=delivery)
    return render(request, "bulletins/detail.html", _document(delivery))


@guard(Action.BULLETIN_VIEW)
@require_GET
def pdf(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = _delivery_or_404(request, pk)
    bulletin = delivery.bulletin
    audit.record_standalone(
        "bulletin.print", actor=request.user, obj=bulletin, detail={"version": bulletin.version}
    )
    try:
        content = render_pdf("bulletins/print/bulletin.html", _document(delivery))
    except PdfUnavailable as exc:
        return HttpResponse(exc.args[0], status=503, content_type="text/plain; charset=utf-8")
    return pdf_response(
        content, filename=f"bulletin-{bulletin.county_id}-{bulletin.month:%Y-%m}-v{bulletin.version}.pdf"
    )
