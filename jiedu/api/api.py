"""The JSON API at /api/v1 (django-ninja). Each operation names its policy action with ``@requires``.

No ``from __future__ import annotations`` here: django-ninja reads the real annotations of the operations.
"""

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest
from ninja import NinjaAPI, Query, Router, Status

from jiedu.api import datasets as datasets_api
from jiedu.api import errors
from jiedu.api import evaluation as evaluation_api
from jiedu.api import indicators as indicators_api
from jiedu.api import inspections as inspections_api
from jiedu.api import mmt as mmt_api
from jiedu.api import reports as reports_api
from jiedu.api import stock as stock_api
from jiedu.api.auth import BrowserSessionAuth, TokenAuth, requires
from jiedu.api.schemas import (
    AuditEntryOut,
    ErrorOut,
    IdNumberOut,
    MeOut,
    OrganisationDetailOut,
    OrganisationOut,
    PersonIn,
    PersonOut,
    PersonPatch,
    RegionOut,
    RegistrationOut,
)
from jiedu.core import audit
from jiedu.core.models import AuditEntry
from jiedu.patients import selectors as person_selectors
from jiedu.patients import services as person_services
from jiedu.patients.models import Person
from jiedu.policy import Action, audit_entries_in_scope, can, effective_roles
from jiedu.registry import selectors as org_selectors
from jiedu.registry.models import Region

api = NinjaAPI(
    title="Jiedu API",
    version="1",
    description="Drug-rehabilitation medical services. Every call is scoped by the caller's role and organisation "
    'and audited. Errors share one envelope: {"error": {"code", "message", "fields"}}.',
    urls_namespace="api",
    auth=[TokenAuth(), BrowserSessionAuth()],
    parser=errors.StrictJSONParser(),
    docs_decorator=login_required,
)
errors.install(api)

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}

me_router = Router(tags=["me"])
persons = Router(tags=["persons"])
registry = Router(tags=["registry"])
audit_router = Router(tags=["audit"])


def _person_out(p: Person) -> dict:
    return {
        "id": p.pk,
        "name": p.name,
        "name_pinyin": p.name_pinyin,
        "sex": p.sex,
        "birth_date": p.birth_date,
        "id_number_masked": p.id_number_masked,
        "phone": p.phone,
        "household_region_id": p.household_region_id,
        "current_address": p.current_address,
        "has_photo": bool(p.photo),
        "created_at": p.created_at,
    }


@me_router.get("/me", response={200: MeOut, **ERRORS}, summary="Who am I, and what may I do")
@requires(Action.HOME_VIEW)
def me(request: HttpRequest) -> dict[str, object]:
    user = request.auth
    return {
        "username": user.username,
        "full_name": user.full_name,
        "organisation_id": user.organisation_id,
        "organisation_name": user.organisation.name if user.organisation else None,
        "roles": sorted(r.value for r in effective_roles(user)),
        "actions": sorted(a.value for a in Action if can(user, a)),
    }


@persons.get("/persons", response={200: list[PersonOut], **ERRORS}, summary="Search persons")
@requires(Action.PERSON_SEARCH)
def person_search(request: HttpRequest, q: str = Query("", max_length=64)) -> list[dict]:
    results = person_selectors.person_search(user=request.auth, query=q)
    if q:
        with transaction.atomic():
            audit.record(
                "person.search",
                actor=request.auth,
                detail={
                    "query": person_selectors.masked_query(q),
                    "kind": person_selectors.search_kind(q),
                    "results": len(results),
                },
            )
    return [_person_out(p) for p in results]


@persons.post(
    "/persons",
    response={200: RegistrationOut, 201: RegistrationOut, **ERRORS},
    summary="Register a person (or find the one with this identity number)",
)
@requires(Action.PERSON_REGISTER)
def person_register(request: HttpRequest, payload: PersonIn) -> Status:
    result = person_services.person_register(
        actor=request.auth,
        name=payload.name,
        sex=payload.sex,
        birth_date=payload.birth_date,
        id_number=payload.id_number,
        household_region_code=payload.household_region_code,
        phone=payload.phone,
        current_address=payload.current_address,
    )
    body = {
        "created": result.created,
        "differences": result.differences,
        "person": _person_out(result.person),
    }
    return Status(201 if result.created else 200, body)


@persons.get("/persons/{person_id}", response={200: PersonOut, **ERRORS}, summary="A person's record")
@requires(Action.PERSON_VIEW)
def person_detail(request: HttpRequest, person_id: int) -> dict:
    person = person_selectors.person_get(user=request.auth, pk=person_id)
    person_services.person_record_view(actor=request.auth, person=person)
    return _person_out(person)


@persons.patch(
    "/persons/{person_id}", response={200: PersonOut, **ERRORS}, summary="Correct a person's details"
)
@requires(Action.PERSON_UPDATE)
def person_update(request: HttpRequest, person_id: int, payload: PersonPatch) -> dict:
    person = person_selectors.person_get(user=request.auth, pk=person_id)
    changes = payload.model_dump(exclude_unset=True)
    updated = person_services.person_update(actor=request.auth, person=person, **changes)
    return _person_out(updated)


@persons.post(
    "/persons/{person_id}/unmask",
    response={200: IdNumberOut, **ERRORS},
    summary="The full identity number (audited)",
)
@requires(Action.PERSON_UNMASK_ID)
def person_unmask(request: HttpRequest, person_id: int) -> dict:
    person = person_selectors.person_get(user=request.auth, pk=person_id)
    return {"id_number": person_services.person_unmask_id(actor=request.auth, person=person)}


@registry.get(
    "/organisations", response={200: list[OrganisationOut], **ERRORS}, summary="Organisations in scope"
)
@requires(Action.ORGANISATION_VIEW)
def organisation_list(
    request: HttpRequest,
    type: str = "",
    region: str = Query("", max_length=6),
    q: str = Query("", max_length=64),
) -> list:
    return list(org_selectors.organisation_list(user=request.auth, type=type, region=region, query=q)[:500])


@registry.get("/organisations/{org_id}", response={200: OrganisationDetailOut, **ERRORS})
@requires(Action.ORGANISATION_VIEW)
def organisation_detail(request: HttpRequest, org_id: int) -> dict:
    org = org_selectors.organisation_get(user=request.auth, pk=org_id)
    data = OrganisationOut.from_orm(org).model_dump()
    data["region_id"] = org.region_id
    data["licences"] = list(org.licences.all())
    return data


@registry.get("/regions", response={200: list[RegionOut], **ERRORS}, summary="GB/T 2260 regions")
@requires(Action.ORGANISATION_VIEW)
def region_list(
    request: HttpRequest, parent: str = Query("", max_length=6), level: str = "", current: bool = True
) -> list:
    qs = Region.objects.all()
    qs = qs.filter(parent_id=parent) if parent else qs.filter(level="province")
    if level:
        qs = qs.filter(level=level)
    if current:
        qs = qs.filter(valid_to__isnull=True)
    return list(qs.order_by("code")[:1000])


@audit_router.get("/audit", response={200: list[AuditEntryOut], **ERRORS}, summary="Audit entries in scope")
@requires(Action.AUDIT_VIEW)
def audit_list(
    request: HttpRequest,
    action: str = Query("", max_length=64),
    user: str = Query("", max_length=150),
    before_seq: int | None = None,
    limit: int = Query(100, ge=1, le=1000),
) -> list[AuditEntry]:
    qs = audit_entries_in_scope(request.auth).order_by("-seq")
    if action:
        qs = qs.filter(action__startswith=action)
    if user:
        qs = qs.filter(actor_username=user)
    if before_seq:
        qs = qs.filter(seq__lt=before_seq)
    return list(qs[:limit])


api.add_router("", me_router)
api.add_router("", persons)
api.add_router("", registry)
api.add_router("", audit_router)
api.add_router("", mmt_api.router)
api.add_router("", stock_api.router)
api.add_router("", reports_api.router)
api.add_router("", indicators_api.router)
api.add_router("", datasets_api.router)
api.add_router("", evaluation_api.router)
api.add_router("", inspections_api.router)
