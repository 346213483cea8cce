from __future__ import annotations

import datetime as dt

from django import forms
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from jiedu.core import audit
from jiedu.core.clock import SHANGHAI
from jiedu.core.exports import csv_response
from jiedu.core.forms import DateInput
from jiedu.core.models import AuditEntry, Outcome
from jiedu.policy import Action, audit_entries_in_scope, can
from jiedu.policy.views import guard


class AuditFilterForm(forms.Form):
    since = forms.DateField(label=_("From"), required=False, widget=DateInput)
    until = forms.DateField(label=_("To"), required=False, widget=DateInput)
    user = forms.CharField(label=_("Username"), required=False, max_length=150)
    organisation = forms.IntegerField(label=_("Organisation ID"), required=False, min_value=1)
    action = forms.CharField(label=_("Action"), required=False, max_length=64)
    outcome = forms.ChoiceField(label=_("Outcome"), required=False, choices=[("", "—"), *Outcome.choices])
    object_type = forms.CharField(label=_("Object type"), required=False, max_length=64)
    object_id = forms.CharField(label=_("Object ID"), required=False, max_length=64)


def _filtered(request: HttpRequest) -> tuple[AuditFilterForm, QuerySet[AuditEntry]]:
    form = AuditFilterForm(request.GET or None)
    qs = audit_entries_in_scope(request.user).select_related("organisation").order_by("-seq")
    if form.is_valid():
        d = form.cleaned_data
        if d["since"]:
            qs = qs.filter(at__gte=dt.datetime.combine(d["since"], dt.time.min, tzinfo=SHANGHAI))
        if d["until"]:
            qs = qs.filter(
                at__lt=dt.datetime.combine(d["until"] + dt.timedelta(days=1), dt.time.min, tzinfo=SHANGHAI)
            )
        if d["user"]:
            qs = qs.filter(actor_username=d["user"])
        if d["organisation"]:
            qs = qs.filter(organisation_id=d["organisation"])
        if d["action"]:
            qs = qs.filter(action__startswith=d["action"])
        if d["outcome"]:
            qs = qs.filter(outcome=d["outcome"])
        if d["object_type"]:
            qs = qs.filter(object_type=d["object_type"])
        if d["object_id"]:
            qs = qs.filter(object_id=d["object_id"])
    else:
        qs = qs.none() if request.GET else qs
    return form, qs


@guard(Action.AUDIT_VIEW)
def audit_list(request: HttpRequest) -> HttpResponse:
    form, qs = _filtered(request)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "core/audit_list.html",
        {
            "form": form,
            "page": page,
            "params": params.urlencode(),
            "can_export": can(request.user, Action.AUDIT_EXPORT),
        },
        status=400 if form.errors else 200,
    )


@guard(Action.AUDIT_EXPORT)
def audit_export(request: HttpRequest) -> HttpResponse:
    form, qs = _filtered(request)
    with transaction.atomic():
        audit.record(
            "audit.export", actor=request.user, detail={"filters": request.GET.dict(), "rows": qs.count()}
        )
    header = [
        "seq",
        "at",
        "user",
        "organisation",
        "action",
        "object_type",
        "object_id",
        "outcome",
        "client_ip",
        "channel",
        "detail",
        "hash",
    ]  # column names are the audit schema's, kept untranslated for analysts
    rows = (
        [
            e.seq,
            e.at.astimezone(SHANGHAI).isoformat(),
            e.actor_username,
            e.organisation_id or "",
            e.action,
            e.object_type,
            e.object_id,
            e.outcome,
            e.client_ip or "",
            e.channel,
            e.detail,
            e.hash,
        ]
        for e in qs.order_by("seq").iterator(chunk_size=2000)
    )
    return csv_response(filename="audit.csv", header=header, rows=rows)
