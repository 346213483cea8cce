"""MMT operations: enrolment episodes, transfers, guest dosing, dose orders and the dosing window.

Every lookup starts from the caller's scope: an episode or person outside it is "not found", exactly like one
that does not exist. The rules live in jiedu.mmt.services; this module parses, looks up and maps outcomes.
No ``from __future__ import annotations``: django-ninja reads the real annotations.
"""

import datetime as dt
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Header, Router, Status

from jiedu.api.auth import requires
from jiedu.api.schemas import ErrorOut
from jiedu.api.schemas_mmt import (
    AcceptIn,
    AssessIn,
    DeclineIn,
    DoseDayOut,
    DoseIn,
    DoseResultOut,
    EpisodeApplyIn,
    EpisodeDetailOut,
    EpisodeOut,
    ExitIn,
    GuestGrantIn,
    GuestGrantOut,
    OrderIn,
    OrderOut,
    PendingOut,
    ReasonIn,
    RefusalIn,
    RefusalOut,
    RefusedOut,
    TaperCancelIn,
    TaperIn,
    TaperOut,
    TransferIn,
    TransferOut,
)
from jiedu.core import audit, clock
from jiedu.core.errors import FieldErrors, PermissionDenied
from jiedu.core.models import Outcome
from jiedu.mmt import selectors, services
from jiedu.mmt.models import (
    DoseDay,
    DoseOrder,
    DosePart,
    DoseRefusal,
    Episode,
    EpisodeEvent,
    GuestGrant,
    TaperPlan,
    Transfer,
)
from jiedu.patients.models import Person
from jiedu.policy import Action
from jiedu.policy.scope import care_organisations, persons_in_scope
from jiedu.registry.models import Organisation

ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}

router = Router(tags=["mmt"])


# --- lookups (scope) --------------------------------------------------------------------------------------


def _episodes(user: Any) -> QuerySet[Episode]:
    return selectors.episodes_in_scope(user=user).select_related("person", "clinic")


def _episode_to_change(user: Any, pk: int) -> Episode:
    """An episode in scope and held by the caller's clinic (a clinic changes only its own episodes)."""
    return _episodes(user).filter(clinic_id__in=care_organisations(user)).get(pk=pk)


def _clinic(pk: int, field: str) -> Organisation:
    clinic = Organisation.objects.filter(pk=pk).first()
    if clinic is None:
        raise FieldErrors({field: [_("Unknown clinic.")]})
    return clinic


def _own_site(request: HttpRequest, site_id: int | None = None) -> Organisation:
    """The window is the caller's own organisation; naming another site is refused (and audited)."""
    user = request.auth  # type: ignore[attr-defined]
    site = user.organisation
    if site is None or (site_id is not None and site_id != site.pk):
        audit.record_standalone(
            "access.denied",
            actor=user,
            outcome=Outcome.DENIED,
            detail={"action": Action.MMT_DOSE, "path": request.path, "site": site_id},
        )
        raise PermissionDenied(_("Doses are given and recorded at your own site only."))
    return site


def _window_person(user: Any, site: Organisation, pk: int) -> Person:
    """A person in the caller's scope, or a guest this site may dose today."""
    guests = selectors.dosable_episodes(site=site, day=clock.local_today()).values("person_id")
    in_scope = persons_in_scope(user).values("pk")
    return Person.objects.filter(Q(pk__in=in_scope) | Q(pk__in=guests)).get(pk=pk)


# --- output ---------------------------------------------------------------------------------------------


def _episode_out(e: Episode) -> dict[str, Any]:
    return {
        "id": e.pk,
        "person_id": e.person_id,
        "person_name": e.person.name,
        "clinic_id": e.clinic_id,
        "clinic_name": e.clinic.name,
        "number": e.number,
        "status": e.status,
        "card_number": e.card_number,
        "applied_on": e.applied_on,
        "decision_due": e.decision_due,
        "started_on": e.started_on,
        "ended_on": e.ended_on,
        "exit_reason": e.exit_reason,
        "refusal_reason": e.refusal_reason,
        "last_dose_on": e.last_dose_on,
        "needs_review": e.needs_review,
        "needs_induction": e.needs_induction,
        "dropout_since": e.dropout_since,
        "transferred_from_id": e.transferred_from_id,
    }


def _order_out(o: DoseOrder) -> dict[str, Any]:
    return {
        "id": o.pk,
        "episode_id": o.episode_id,
        "dose_mg": o.dose_mg,
        "split_parts": o.split_parts,
        "effective_on": o.effective_on,
        "reason": o.reason,
        "overrides": list(o.overrides),
        "override_reason": o.override_reason,
        "prescriber": o.prescriber.username,
        "created_at": o.created_at,
    }


def _grant_out(g: GuestGrant) -> dict[str, Any]:
    return {
        "id": g.pk,
        "episode_id": g.episode_id,
        "host_clinic_id": g.host_clinic_id,
        "host_clinic_name": g.host_clinic.name,
        "start_on": g.start_on,
        "end_on": g.end_on,
        "reason": g.reason,
        "granted_by": g.granted_by.username,
    }


def _transfer_out(t: Transfer) -> dict[str, Any]:
    return {
        "id": t.pk,
        "episode_id": t.episode_id,
        "to_clinic_id": t.to_clinic_id,
        "to_clinic_name": t.to_clinic.name,
        "status": t.status,
        "reason": t.reason,
        "requested_by": t.requested_by.username,
        "requested_at": t.requested_at,
        "decided_at": t.decided_at,
        "new_episode_id": t.new_episode_id,
    }


def _event_out(ev: EpisodeEvent) -> dict[str, Any]:
    return {
        "kind": ev.kind,
        "on": ev.on,
        "at": ev.at,
        "by": ev.by.username if ev.by else None,
        "reason": ev.reason,
        "detail": ev.detail,
    }


def _dose_out(outcome: services.DoseOutcome) -> dict[str, Any]:
    part, day = outcome.part, outcome.dose_day
    assert part is not None and day is not None
    return {
        "status": outcome.status,
        "message": str(outcome.message),
        "dose": {
            "day": day.day,
            "mg": part.mg,
            "ml": part.volume_ml,
            "part": part.part_no,
            "parts_planned": day.parts_planned,
            "site": part.site.name,
            "at": part.at,
        },
    }


def _error(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": str(message), "fields": {}, **extra}}


# --- episodes -------------------------------------------------------------------------------------------


@router.get("/mmt/episodes", response={200: list[EpisodeOut], **ERRORS}, summary="MMT episodes in scope")
@requires(Action.MMT_VIEW)
def episode_list(request: HttpRequest, person_id: int | None = None, status: str = "") -> list[dict]:
    qs = _episodes(request.auth)
    if person_id is not None:
        qs = qs.filter(person_id=person_id)
    if status:
        qs = qs.filter(status=status)
    return [_episode_out(e) for e in qs.order_by("-applied_on", "-pk")[:500]]


@router.get(
    "/mmt/episodes/{episode_id}",
    response={200: EpisodeDetailOut, **ERRORS},
    summary="An episode with its history, orders, guest grants and transfers",
)
@requires(Action.MMT_VIEW)
def episode_detail(request: HttpRequest, episode_id: int) -> dict:
    episode = (
        _episodes(request.auth)
        .prefetch_related(
            Prefetch("events", queryset=EpisodeEvent.objects.select_related("by")),
            Prefetch("orders", queryset=DoseOrder.objects.select_related("prescriber")),
            Prefetch("guest_grants", queryset=GuestGrant.objects.select_related("host_clinic", "granted_by")),
            Prefetch("transfers", queryset=Transfer.objects.select_related("to_clinic", "requested_by")),
        )
        .get(pk=episode_id)
    )
    return {
        **_episode_out(episode),
        "events": [_event_out(ev) for ev in episode.events.all()],
        "orders": [_order_out(o) for o in episode.orders.all()],
        "guest_grants": [_grant_out(g) for g in episode.guest_grants.all()],
        "transfers": [_transfer_out(t) for t in episode.transfers.all()],
    }


@router.post(
    "/mmt/episodes",
    response={201: EpisodeOut, **ERRORS},
    summary="Apply for MMT at the caller's clinic (409 already_enrolled if open elsewhere)",
)
@requires(Action.MMT_ENROL)
def episode_apply(request: HttpRequest, payload: EpisodeApplyIn) -> Status:
    person = persons_in_scope(request.auth).get(pk=payload.person_id)
    episode = services.episode_apply(actor=request.auth, person=person)
    return Status(201, _episode_out(episode))


@router.post("/mmt/episodes/{episode_id}/assess", response={200: EpisodeOut, **ERRORS})
@requires(Action.MMT_ENROL)
def episode_assess(request: HttpRequest, episode_id: int, payload: AssessIn) -> dict:
    episode = services.episode_assess(
        actor=request.auth,
        episode=_episode_to_change(request.auth, episode_id),
        assessment=services.Assessment(
            dependence_evidence=payload.dependence_evidence,
            documents=payload.documents,
            agreement_signed=payload.agreement_signed,
            guardian_consent=payload.guardian_consent,
        ),
    )
    return _episode_out(episode)


@router.post("/mmt/episodes/{episode_id}/accept", response={200: EpisodeOut, **ERRORS})
@requires(Action.MMT_ENROL)
def episode_accept(request: HttpRequest, episode_id: int, payload: AcceptIn) -> dict:
    episode = services.episode_accept(
        actor=request.auth, episode=_episode_to_change(request.auth, episode_id), start_on=payload.start_on
    )
    return _episode_out(episode)


@router.post("/mmt/episodes/{episode_id}/refuse", response={200: EpisodeOut, **ERRORS})
@requires(Action.MMT_ENROL)
def episode_refuse(request: HttpRequest, episode_id: int, payload: ReasonIn) -> dict:
    episode = services.episode_refuse(
        actor=request.auth, episode=_episode_to_change(request.auth, episode_id), reason=payload.reason
    )
    return _episode_out(episode)


@router.post("/mmt/episodes/{episode_id}/suspend", response={200: EpisodeOut, **ERRORS})
@requires(Action.MMT_ENROL)
def episode_suspend(request: HttpRequest, episode_id: int, payload: ReasonIn) -> dict:
    episode = services.episode_suspend(
        actor=request.auth, episode=_episode_to_change(request.auth, episode_id), reason=payload.reason
    )
    return _episode_out(episode)


@router.post("/mmt/episodes/{episode_id}/resume", response={200: EpisodeOut, **ERRORS})
@requires(Action.MMT_ENROL)
def episode_resume(request: HttpRequest, episode_id: int) -> dict:
    episode = services.episode_resume(
        actor=request.auth, episode=_episode_to_change(request.auth, episode_id)
    )
    return _episode_out(episode)


@router.post("/mmt/episodes/{episode_id}/exit", response={200: EpisodeOut, **ERRORS})
@requires(Action.MMT_ENROL)
def episode_exit(request: HttpRequest, episode_id: int, payload: ExitIn) -> dict:
    episode = services.episode_exit(
        actor=request.auth,
        episode=_episode_to_change(request.auth, episode_id),
        reason=payload.reason,
        on=payload.on,
        note=payload.note,
    )
    return _episode_out(episode)


@router.post(
    "/mmt/episodes/{episode_id}/transfers",
    response={201: TransferOut, **ERRORS},
    summary="Ask another clinic to take the patient over",
)
@requires(Action.MMT_ENROL)
def transfer_request(request: HttpRequest, episode_id: int, payload: TransferIn) -> Status:
    transfer = services.transfer_request(
        actor=request.auth,
        episode=_episode_to_change(request.auth, episode_id),
        to_clinic=_clinic(payload.to_clinic_id, "to_clinic_id"),
        reason=payload.reason,
    )
    return Status(201, _transfer_out(transfer))


def _incoming_transfer(user: Any, pk: int) -> Transfer:
    """Transfers are answered by the receiving clinic; to anyone else they do not exist."""
    return Transfer.objects.select_related("to_clinic", "requested_by").get(
        pk=pk, to_clinic_id=user.organisation_id
    )


@router.post(
    "/mmt/transfers/{transfer_id}/accept",
    response={201: EpisodeOut, **ERRORS},
    summary="The receiving clinic accepts: the new episode here",
)
@requires(Action.MMT_ENROL)
def transfer_accept(request: HttpRequest, transfer_id: int) -> Status:
    new = services.transfer_accept(actor=request.auth, transfer=_incoming_transfer(request.auth, transfer_id))
    return Status(201, _episode_out(_episodes(request.auth).get(pk=new.pk)))


@router.post("/mmt/transfers/{transfer_id}/decline", response={200: TransferOut, **ERRORS})
@requires(Action.MMT_ENROL)
def transfer_decline(request: HttpRequest, transfer_id: int, payload: DeclineIn) -> dict:
    transfer = services.transfer_decline(
        actor=request.auth, transfer=_incoming_transfer(request.auth, transfer_id), reason=payload.reason
    )
    return _transfer_out(transfer)


@router.post(
    "/mmt/episodes/{episode_id}/guest-grants",
    response={201: GuestGrantOut, **ERRORS},
    summary="Let another clinic dose the patient for a date range (临时服药)",
)
@requires(Action.MMT_ENROL)
def guest_grant(request: HttpRequest, episode_id: int, payload: GuestGrantIn) -> Status:
    grant = services.guest_grant(
        actor=request.auth,
        episode=_episode_to_change(request.auth, episode_id),
        host_clinic=_clinic(payload.host_clinic_id, "host_clinic_id"),
        start_on=payload.start_on,
        end_on=payload.end_on,
        reason=payload.reason,
    )
    return Status(201, _grant_out(grant))


# --- orders ---------------------------------------------------------------------------------------------


@router.post(
    "/mmt/episodes/{episode_id}/orders",
    response={201: OrderOut, **ERRORS},
    summary="Write a dose order (limits need override_reason)",
)
@requires(Action.MMT_ORDER)
def order_write(request: HttpRequest, episode_id: int, payload: OrderIn) -> Status:
    order = services.order_write(
        actor=request.auth,
        episode=_episode_to_change(request.auth, episode_id),
        dose_mg=payload.dose_mg,
        effective_on=payload.effective_on,
        reason=payload.reason,
        split_parts=payload.split_parts,
        override_reason=payload.override_reason,
    )
    return Status(201, _order_out(DoseOrder.objects.select_related("prescriber").get(pk=order.pk)))


def _taper_out(plan: TaperPlan) -> dict[str, Any]:
    return {
        "id": plan.pk,
        "episode_id": plan.episode_id,
        "start_on": plan.start_on,
        "from_mg": plan.from_mg,
        "to_mg": plan.to_mg,
        "step_mg": plan.step_mg,
        "every_days": plan.every_days,
        "cancelled_on": plan.cancelled_on,
        "orders": [_order_out(o) for o in plan.orders.select_related("prescriber").order_by("effective_on")],
    }


@router.post(
    "/mmt/episodes/{episode_id}/taper-plans",
    response={201: TaperOut, **ERRORS},
    summary="Plan a taper: writes the decreasing orders ahead",
)
@requires(Action.MMT_ORDER)
def taper_plan_create(request: HttpRequest, episode_id: int, payload: TaperIn) -> Status:
    plan = services.taper_plan_create(
        actor=request.auth,
        episode=_episode_to_change(request.auth, episode_id),
        start_on=payload.start_on,
        to_mg=payload.to_mg,
        step_mg=payload.step_mg,
        every_days=payload.every_days,
        reason=payload.reason,
        override_reason=payload.override_reason,
    )
    return Status(201, _taper_out(plan))


@router.post(
    "/mmt/taper-plans/{plan_id}/cancel",
    response={200: TaperOut, **ERRORS},
    summary="Cancel a taper plan: its orders stop applying from the given day (default today)",
)
@requires(Action.MMT_ORDER)
def taper_plan_cancel(request: HttpRequest, plan_id: int, payload: TaperCancelIn) -> dict[str, Any]:
    plan = TaperPlan.objects.select_related("episode").get(
        pk=plan_id, episode__in=_episodes(request.auth).filter(clinic_id__in=care_organisations(request.auth))
    )
    return _taper_out(services.taper_plan_cancel(actor=request.auth, plan=plan, on=payload.on))


# --- the window -----------------------------------------------------------------------------------------


@router.post(
    "/mmt/doses",
    response={200: DoseResultOut, 201: DoseResultOut, **ERRORS, 422: RefusedOut},
    summary="Give today's dose at the caller's site",
    description="201 dosed; 200 the replay of an earlier request with the same Idempotency-Key; "
    "409 already_dosed or insufficient_stock; 422 refused (with the reason) or invalid input.",
)
@requires(Action.MMT_DOSE)
def dose_administer(
    request: HttpRequest,
    payload: DoseIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key", max_length=64),
) -> Status:
    site = _own_site(request, payload.site_id)
    subject = services.dosing_subject(payload.person_id, site, clock.local_today())
    if subject is None or subject.episode is None:
        # Not dosable here: still a person this window may see (to record the refusal), or not found.
        _window_person(request.auth, site, payload.person_id)
    outcome = services.dose_administer(
        actor=request.auth,
        person=subject.person,
        site=site,
        idempotency_key=idempotency_key or None,
        subject=subject,
    )
    if outcome.status == "dosed":
        return Status(201, _dose_out(outcome))
    if outcome.status == "replayed":
        return Status(200, _dose_out(outcome))
    if outcome.status == "already_dosed":
        return Status(409, _error("already_dosed", outcome.message))
    reason = outcome.refusal.reason if outcome.refusal else None
    return Status(422, _error("refused", outcome.message, reason=reason))


@router.post("/mmt/refusals", response={201: RefusalOut, **ERRORS}, summary="Decline to dose, with a reason")
@requires(Action.MMT_DOSE)
def dose_refuse(request: HttpRequest, payload: RefusalIn) -> Status:
    site = _own_site(request)
    person = _window_person(request.auth, site, payload.person_id)
    refusal: DoseRefusal = services.dose_refuse(
        actor=request.auth, person=person, site=site, reason=payload.reason, note=payload.note
    )
    return Status(
        201,
        {
            "id": refusal.pk,
            "person_id": refusal.person_id,
            "episode_id": refusal.episode_id,
            "day": refusal.day,
            "site_id": refusal.site_id,
            "reason": refusal.reason,
            "note": refusal.note,
            "at": refusal.at,
        },
    )


@router.get(
    "/mmt/doses", response={200: list[DoseDayOut], **ERRORS}, summary="Doses given at this site on a day"
)
@requires(Action.MMT_VIEW)
def dose_list(request: HttpRequest, day: dt.date | None = None) -> list[dict]:
    site = request.auth.organisation
    if site is None:
        return []
    days: list[DoseDay] = list(selectors.dosed_today(site=site, day=day or clock.local_today()))
    return [
        {
            "person_id": d.person_id,
            "person_name": d.person.name,
            "episode_id": d.episode_id,
            "day": d.day,
            "ordered_mg": d.ordered_mg,
            "parts_planned": d.parts_planned,
            "first_at": d.first_at,
            "site": d.site.name,
            "parts": [_part_out(p) for p in sorted(d.parts.all(), key=lambda p: p.part_no)],
        }
        for d in days
    ]


def _part_out(p: DosePart) -> dict[str, Any]:
    return {"part": p.part_no, "mg": p.mg, "ml": p.volume_ml, "at": p.at, "site_id": p.site_id}


@router.get(
    "/mmt/window/pending",
    response={200: list[PendingOut], **ERRORS},
    summary="Patients this site may dose today who have not been dosed yet",
)
@requires(Action.MMT_VIEW)
def window_pending(request: HttpRequest) -> list[dict]:
    site = request.auth.organisation
    if site is None:
        return []
    episodes = selectors.still_to_come(site=site, day=clock.local_today())
    home = selectors.clinic_of(site)
    return [
        {
            "episode_id": e.pk,
            "person_id": e.person_id,
            "person_name": e.person.name,
            "card_number": e.card_number,
            "clinic_id": e.clinic_id,
            "clinic_name": e.clinic.name,
            "guest": e.clinic_id != home,
            "needs_review": e.needs_review,
            "needs_induction": e.needs_induction,
            "last_dose_on": e.last_dose_on,
        }
        for e in episodes
    ]
