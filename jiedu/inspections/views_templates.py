"""Checklist templates: the list, a template's versions, a version's sections and items (edited while a draft),
drafting a new version from the last one, and publishing it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jiedu.core.errors import DomainError, FieldErrors, PermissionDenied
from jiedu.core.forms import apply_field_errors
from jiedu.inspections import rules, selectors, services
from jiedu.inspections.forms import ItemForm, PublishForm, SectionForm, TemplateForm
from jiedu.inspections.models import Item, Section, Template, TemplateVersion
from jiedu.policy import Action
from jiedu.policy.views import deny, guard


def _template_or_404(code: str) -> Template:
    found = Template.objects.filter(code=code).first()
    if found is None:
        raise Http404
    return found


def _version_or_404(pk: int) -> TemplateVersion:
    found = (
        TemplateVersion.objects.select_related("template", "created_by", "published_by").filter(pk=pk).first()
    )
    if found is None:
        raise Http404
    return found


@guard(Action.INSPECTION_TEMPLATES)
@require_GET
def templates(request: HttpRequest) -> HttpResponse:
    return render(request, "inspections/templates.html", {"rows": selectors.template_list()})


@guard(Action.INSPECTION_TEMPLATES)
@require_http_methods(["GET", "POST"])
def template_new(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, "inspections/template_new.html", {"form": TemplateForm()})
    form = TemplateForm(request.POST)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    try:
        version = services.template_create(
            actor=request.user,
            code=data.get("code", ""),
            title_zh=data.get("title_zh", ""),
            title_en=data.get("title_en", ""),
            target_type=data.get("target_type", ""),
        )
    except PermissionDenied:
        return deny(request, Action.INSPECTION_TEMPLATES)
    except FieldErrors as exc:
        apply_field_errors(form, exc)
        return render(request, "inspections/template_new.html", {"form": form}, status=400)
    messages.success(request, _("The checklist is created: add its sections and items, then publish it."))
    return HttpResponseRedirect(reverse("inspections:version", args=[version.pk]))


@guard(Action.INSPECTION_TEMPLATES)
@require_GET
def template(request: HttpRequest, code: str) -> HttpResponse:
    found = _template_or_404(code)
    return render(
        request,
        "inspections/template.html",
        {"template": found, "versions": selectors.template_versions(found), "error": ""},
    )


@guard(Action.INSPECTION_TEMPLATES)
@require_POST
def version_draft(request: HttpRequest, code: str) -> HttpResponse:
    found = _template_or_404(code)
    try:
        version = services.version_draft(actor=request.user, template=found)
    except PermissionDenied:
        return deny(request, Action.INSPECTION_TEMPLATES)
    except DomainError as exc:
        context = {"template": found, "versions": selectors.template_versions(found), "error": exc.message}
        return render(request, "inspections/template.html", context, status=400)
    messages.success(
        request,
        _("Version %(n)d is drafted from the last version: change it, then publish it.")
        % {"n": version.number},
    )
    return HttpResponseRedirect(reverse("inspections:version", args=[version.pk]))


def _version_page(
    request: HttpRequest,
    version: TemplateVersion,
    *,
    bound: dict[str, Any] | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    version.refresh_from_db()
    outline = selectors.version_outline(version)
    total = sum((s.maximum for s in outline), start=Decimal(0))
    context = {
        "version": version,
        "template": version.template,
        "outline": outline,
        "total": total,
        "forms": {
            "section": SectionForm(prefix="section"),
            "publish": PublishForm(prefix="publish"),
            **(bound or {}),
        },
        "item_form": ItemForm(prefix="item", initial={"rule": "graded"}),
        "error": error,
        "bound_section": (bound or {}).get("item_section"),
        "inspections": version.inspections.count(),
    }
    return render(request, "inspections/version.html", context, status=status)


@guard(Action.INSPECTION_TEMPLATES)
@require_GET
def version(request: HttpRequest, pk: int) -> HttpResponse:
    return _version_page(request, _version_or_404(pk))


def _edit(
    request: HttpRequest, version: TemplateVersion, call: Any, form: Any, key: str, done: str, **extra: Any
) -> HttpResponse:
    try:
        call()
    except PermissionDenied:
        return deny(request, Action.INSPECTION_TEMPLATES)
    except FieldErrors as exc:
        apply_field_errors(form, exc)
        return _version_page(request, version, bound={key: form, **extra}, status=400)
    except DomainError as exc:
        return _version_page(request, version, error=exc.message, status=400)
    messages.success(request, done)
    return HttpResponseRedirect(reverse("inspections:version", args=[version.pk]))


@guard(Action.INSPECTION_TEMPLATES)
@require_POST
def section_add(request: HttpRequest, pk: int) -> HttpResponse:
    found = _version_or_404(pk)
    form = SectionForm(request.POST, prefix="section")
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    return _edit(
        request,
        found,
        lambda: services.section_add(
            actor=request.user,
            version=found,
            title_zh=data.get("title_zh", ""),
            title_en=data.get("title_en", ""),
        ),
        form,
        "section",
        _("The section is added."),
    )


@guard(Action.INSPECTION_TEMPLATES)
@require_POST
def section_edit(request: HttpRequest, pk: int) -> HttpResponse:
    section = Section.objects.select_related("version__template").filter(pk=pk).first()
    if section is None:
        raise Http404
    form = SectionForm(request.POST, prefix=f"section-{pk}")
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    if request.POST.get("action") == "delete":
        return _edit(
            request,
            section.version,
            lambda: services.section_delete(actor=request.user, section=section),
            form,
            f"section-{pk}",
            _("The section and its items are removed."),
        )
    return _edit(
        request,
        section.version,
        lambda: services.section_update(
            actor=request.user,
            section=section,
            title_zh=data.get("title_zh", ""),
            title_en=data.get("title_en", ""),
        ),
        form,
        f"section-{pk}",
        _("The section is saved."),
    )


def _spec(form: ItemForm) -> services.ItemSpec:
    data = getattr(form, "cleaned_data", {})
    return services.ItemSpec(
        text=data.get("text", ""),
        max_score=data.get("max_score", ""),
        rule=data.get("rule", ""),
        deduction=data.get("deduction", ""),
        guidance=data.get("guidance", ""),
        evidence_required=bool(data.get("evidence_required")),
        fact_key=data.get("fact_key", ""),
    )


@guard(Action.INSPECTION_TEMPLATES)
@require_POST
def item_add(request: HttpRequest, pk: int) -> HttpResponse:
    section = Section.objects.select_related("version__template").filter(pk=pk).first()
    if section is None:
        raise Http404
    form = ItemForm(request.POST, prefix="item")
    form.is_valid()
    return _edit(
        request,
        section.version,
        lambda: services.item_add(actor=request.user, section=section, spec=_spec(form)),
        form,
        "item",
        _("The item is added."),
        item_section=section.pk,
    )


@guard(Action.INSPECTION_TEMPLATES)
@require_http_methods(["GET", "POST"])
def item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = Item.objects.select_related("version__template", "section").filter(pk=pk).first()
    if item is None:
        raise Http404
    version = item.version
    if request.method == "GET":
        initial = {
            "text": item.text,
            "guidance": item.guidance,
            "max_score": rules.plain(item.max_score),
            "rule": item.rule,
            "deduction": rules.plain(item.deduction),
            "evidence_required": item.evidence_required,
            "fact_key": item.fact_key,
        }
        context = {
            "item": item,
            "version": version,
            "form": ItemForm(initial=initial, prefix="item"),
            "error": "",
        }
        return render(request, "inspections/item_edit.html", context)
    form = ItemForm(request.POST, prefix="item")
    form.is_valid()
    try:
        if request.POST.get("action") == "delete":
            services.item_delete(actor=request.user, item=item)
            done = _("The item is removed.")
        else:
            services.item_update(actor=request.user, item=item, spec=_spec(form))
            done = _("The item is saved.")
    except PermissionDenied:
        return deny(request, Action.INSPECTION_TEMPLATES)
    except FieldErrors as exc:
        apply_field_errors(form, exc)
        context = {"item": item, "version": version, "form": form, "error": ""}
        return render(request, "inspections/item_edit.html", context, status=400)
    except DomainError as exc:
        context = {"item": item, "version": version, "form": form, "error": exc.message}
        return render(request, "inspections/item_edit.html", context, status=400)
    messages.success(request, done)
    return HttpResponseRedirect(reverse("inspections:version", args=[version.pk]))


@guard(Action.INSPECTION_TEMPLATES)
@require_POST
def version_publish(request: HttpRequest, pk: int) -> HttpResponse:
    found = _version_or_404(pk)
    form = PublishForm(request.POST, prefix="publish")
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    return _edit(
        request,
        found,
        lambda: services.version_publish(actor=request.user, version=found, note=data.get("note", "")),
        form,
        "publish",
        _("The version is published: new inspections use it; earlier inspections keep their version."),
    )
