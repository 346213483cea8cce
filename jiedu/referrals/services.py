"""Making, answering and closing referrals; the ART referral an HIV-positive result sets off; partner VCT.

Each step is one transaction with its event, its audit entry and, where details leave the organisation, its
line in the disclosure register. A step is claimed by compare-and-set on the status, so two people answering the
same referral at once get one answer and a clear message.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from jiedu.core import audit, clock
from jiedu.core.errors import DomainError, FieldErrors
from jiedu.core.selectors import add_working_days, rule_value
from jiedu.core.translations import stored
from jiedu.patients.models import Affiliation, Person
from jiedu.policy import Action, can
from jiedu.policy.scope import persons_in_scope
from jiedu.referrals.models import (
    OPEN,
    ROUTES,
    Outcome,
    PartnerVct,
    Referral,
    ReferralEvent,
    ReferralKind,
    ReferralStatus,
    VctOffer,
)
from jiedu.registry.models import Organisation, OrganisationType
from jiedu.reports.models import Basis, Disclosed, Disclosure

K = ReferralKind

#: The bases each kind may rest on; the first is the usual one.
BASES: dict[str, tuple[str, ...]] = {
    K.COMMUNITY_TO_MMT: (Basis.WRITTEN_CONSENT, Basis.ORAL_CONSENT),
    K.RELEASE_TO_COMMUNITY: (Basis.ANTI_DRUG_LAW, Basis.WRITTEN_CONSENT),
    K.RELEASE_TO_MMT: (Basis.WRITTEN_CONSENT, Basis.ORAL_CONSENT, Basis.ANTI_DRUG_LAW),
    K.ART: (Basis.INFECTIOUS_DISEASE_LAW, Basis.WRITTEN_CONSENT, Basis.ORAL_CONSENT),
    K.TO_VOLUNTARY_REHAB: (Basis.WRITTEN_CONSENT, Basis.ORAL_CONSENT),
    K.TO_PSYCHIATRY: (Basis.WRITTEN_CONSENT, Basis.ORAL_CONSENT),
}
CONSENTS = (Basis.WRITTEN_CONSENT, Basis.ORAL_CONSENT)

#: The outcome that completes each kind.
OUTCOMES: dict[str, tuple[str, ...]] = {
    K.COMMUNITY_TO_MMT: (Outcome.ENROLLED,),
    K.RELEASE_TO_MMT: (Outcome.ENROLLED,),
    K.RELEASE_TO_COMMUNITY: (Outcome.REPORTED,),
    K.ART: (Outcome.ART_STARTED,),
    K.TO_VOLUNTARY_REHAB: (Outcome.ADMITTED,),
    K.TO_PSYCHIATRY: (Outcome.SEEN, Outcome.ADMITTED),
}
RELEASES = (K.RELEASE_TO_COMMUNITY, K.RELEASE_TO_MMT)
TO_MMT = (K.COMMUNITY_TO_MMT, K.RELEASE_TO_MMT)

#: What the receiver is told when the referral is made (before it accepts).
REQUEST_FIELDS = [Disclosed.NAME, Disclosed.ID_MASKED, Disclosed.SEX_AGE, Disclosed.PHONE, Disclosed.REASON]


class AlreadyAnswered(DomainError):
    code = "already_answered"


def referring_organisation(actor: Any) -> Organisation | None:
    """A dosing point's staff refer on behalf of its clinic."""
    org = actor.organisation
    if org is not None and org.type == OrganisationType.DOSING_POINT:
        return org.parent_clinic
    return org


def receivers(*, kind: str, source: Organisation) -> list[Organisation]:
    """Organisations that can receive ``kind`` from ``source``: in the source's province, nearest first."""
    types = ROUTES[kind][1]
    found = Organisation.objects.filter(
        type__in=types, is_active=True, region__code__startswith=source.region_id[:2]
    ).exclude(pk=source.pk)

    def distance(org: Organisation) -> tuple[int, str, str]:
        same_county, same_prefecture = (
            org.region_id == source.region_id,
            org.region_id[:4] == source.region_id[:4],
        )
        return (0 if same_county else 1 if same_prefecture else 2, org.region_id, org.name)

    return sorted(found, key=distance)


def _event(referral: Referral, what: str, *, by: Any = None, note: str = "") -> None:
    ReferralEvent.objects.create(
        referral=referral, status=referral.status, what=what, at=clock.now(), by=by, note=note
    )


def _disclose(referral: Referral, fields: list[str]) -> None:
    Disclosure.objects.create(
        person=referral.person,
        source=referral.from_org,
        recipient=referral.to_org,
        at=clock.now(),
        fields=[str(f) for f in fields],
        basis=referral.basis,
        via=f"referral:{referral.pk}",
        infection=referral.kind == K.ART,
    )


def _check_new(
    *,
    kind: str,
    source: Organisation | None,
    to_org: Organisation | None,
    reason: str,
    basis: str,
    consent_on: dt.date | None,
    release_on: dt.date | None,
) -> None:
    errors: dict[str, list[str]] = {}
    if kind not in ReferralKind.values:
        raise FieldErrors({"kind": [_("Choose the kind of referral.")]})
    senders, takers = ROUTES[kind]
    if source is None or source.type not in senders:
        errors["kind"] = [_("Your organisation does not make this kind of referral.")]
    if to_org is None or to_org.type not in takers or not to_org.is_active:
        errors["to_org"] = [_("Choose an organisation that receives this kind of referral.")]
    if not reason.strip():
        errors["reason"] = [_("Say why the person is referred.")]
    if basis not in BASES[kind]:
        errors["basis"] = [_("This referral cannot rest on that basis.")]
    today = clock.local_today()
    if basis in CONSENTS:
        if consent_on is None:
            errors["consent_on"] = [_("Give the date the person consented.")]
        elif consent_on > today:
            errors["consent_on"] = [_("Consent is recorded after it is given.")]
    if kind in RELEASES:
        if release_on is None:
            errors["release_on"] = [_("Give the day of release.")]
        elif release_on > today + dt.timedelta(days=30):
            errors["release_on"] = [_("A hand-over is made within 30 days of the release.")]
    if errors:
        raise FieldErrors(errors)


def _make(
    *,
    actor: Any,
    source: Organisation,
    person: Person,
    kind: str,
    to_org: Organisation,
    reason: str,
    basis: str,
    consent_on: dt.date | None = None,
    release_on: dt.date | None = None,
    lab_test: Any = None,
) -> Referral:
    """Inside the caller's transaction."""
    today = clock.local_today()
    days = rule_value("referrals.respond_working_days", region_code=source.region_id)
    try:
        with transaction.atomic():
            referral = Referral.objects.create(
                kind=kind,
                person=person,
                from_org=source,
                to_org=to_org,
                status=ReferralStatus.REQUESTED,
                reason=reason.strip(),
                basis=basis,
                consent_on=consent_on if basis in CONSENTS else None,
                release_on=release_on if kind in RELEASES else None,
                lab_test=lab_test,
                made_by=actor,
                made_at=clock.now(),
                respond_by=add_working_days(today, days),
            )
    except IntegrityError:
        raise FieldErrors(
            {"to_org": [_("A referral of this kind to this organisation is already open.")]}
        ) from None
    _event(referral, "requested", by=actor)
    _disclose(referral, [*REQUEST_FIELDS, *([Disclosed.HIV_POSITIVE] if kind == K.ART else [])])
    audit.record(
        "referral.make",
        actor=actor,
        organisation=source,
        obj=referral,
        detail={"kind": kind, "to": to_org.pk, "basis": basis},
    )
    return referral


def referral_make(
    *,
    actor: Any,
    person: Person,
    kind: str,
    to_org: Organisation | None,
    reason: str,
    basis: str,
    consent_on: dt.date | None = None,
    release_on: dt.date | None = None,
) -> Referral:
    if not can(actor, Action.REFERRAL_HANDLE):
        raise DomainError(_("You may not make referrals."), code="forbidden")
    source = referring_organisation(actor)
    if not persons_in_scope(actor).filter(pk=person.pk).exists():
        raise FieldErrors({"person": [_("This person is not in the care of your organisation.")]})
    _check_new(
        kind=kind,
        source=source,
        to_org=to_org,
        reason=reason,
        basis=basis,
        consent_on=consent_on,
        release_on=release_on,
    )
    assert source is not None and to_org is not None  # checked above
    with transaction.atomic(durable=True):
        return _make(
            actor=actor,
            source=source,
            person=person,
            kind=kind,
            to_org=to_org,
            reason=reason,
            basis=basis,
            consent_on=consent_on,
            release_on=release_on,
        )


def art_referral_for(*, test: Any, source: Organisation, actor: Any) -> Referral | None:
    """An HIV-positive result refers the person to the CDC for free ART (inside the result's transaction). The
    CDC nearest the clinic receives it; without one in the province nothing is made and the clinic's referral
    page lists the person as positive without a referral."""
    cdc = next(iter(receivers(kind=K.ART, source=source)), None)
    if cdc is None:
        audit.record("referral.art_no_cdc", actor=actor, organisation=source, obj=test)
        return None
    reason = stored(
        gettext_noop("HIV antibody positive, sample taken %(day)s."), day=test.collected_on.isoformat()
    )
    existing = Referral.objects.filter(person=test.person, kind=K.ART, status__in=OPEN).first()
    if existing is not None:
        return existing
    return _make(
        actor=actor,
        source=source,
        person=test.person,
        kind=K.ART,
        to_org=cdc,
        reason=reason,
        basis=Basis.INFECTIOUS_DISEASE_LAW,
        lab_test=test,
    )


def _receiving(actor: Any, referral: Referral) -> None:
    if not can(actor, Action.REFERRAL_HANDLE) or actor.organisation_id != referral.to_org_id:
        raise DomainError(
            _("Only %(org)s answers this referral.") % {"org": referral.to_org.name}, code="forbidden"
        )


def referral_accept(*, actor: Any, referral: Referral) -> Referral:
    _receiving(actor, referral)
    today = clock.local_today()
    days = rule_value("referrals.complete_days", region_code=referral.to_org.region_id)
    with transaction.atomic(durable=True):
        claimed = Referral.objects.filter(pk=referral.pk, status=ReferralStatus.REQUESTED).update(
            status=ReferralStatus.ACCEPTED,
            decided_by=actor,
            decided_at=clock.now(),
            complete_by=today + dt.timedelta(days=days),
        )
        if not claimed:
            raise AlreadyAnswered(_("This referral is no longer awaiting an answer."))
        referral.refresh_from_db()
        Affiliation.objects.get_or_create(
            person=referral.person,
            organisation=referral.to_org,
            defaults={"created_by": actor, "kind": Affiliation.Kind.REFERRED},
        )
        _event(referral, "accepted", by=actor)
        _disclose(referral, [Disclosed.RECORD])
        audit.record("referral.accept", actor=actor, obj=referral)
    return referral


def referral_decline(*, actor: Any, referral: Referral, reason: str) -> Referral:
    _receiving(actor, referral)
    if not reason.strip():
        raise FieldErrors({"decline_reason": [_("Say why the referral is declined.")]})
    with transaction.atomic(durable=True):
        claimed = Referral.objects.filter(pk=referral.pk, status=ReferralStatus.REQUESTED).update(
            status=ReferralStatus.DECLINED,
            decided_by=actor,
            decided_at=clock.now(),
            decline_reason=reason.strip(),
            closed_on=clock.local_today(),
            closed_by=actor,
        )
        if not claimed:
            raise AlreadyAnswered(_("This referral is no longer awaiting an answer."))
        referral.refresh_from_db()
        _event(referral, "declined", by=actor, note=reason.strip())
        audit.record("referral.decline", actor=actor, obj=referral)
    return referral


def referral_withdraw(*, actor: Any, referral: Referral, reason: str) -> Referral:
    if not can(actor, Action.REFERRAL_HANDLE) or referring_organisation(actor) != referral.from_org:
        raise DomainError(
            _("Only %(org)s withdraws this referral.") % {"org": referral.from_org.name}, code="forbidden"
        )
    if not reason.strip():
        raise FieldErrors({"reason": [_("Say why the referral is withdrawn.")]})
    with transaction.atomic(durable=True):
        claimed = Referral.objects.filter(pk=referral.pk, status=ReferralStatus.REQUESTED).update(
            status=ReferralStatus.WITHDRAWN, closed_on=clock.local_today(), closed_by=actor
        )
        if not claimed:
            raise AlreadyAnswered(_("Only a referral still awaiting an answer can be withdrawn."))
        referral.refresh_from_db()
        _event(referral, "withdrawn", by=actor, note=reason.strip())
        audit.record("referral.withdraw", actor=actor, obj=referral)
    return referral


def _close(
    referral: Referral,
    *,
    status: str,
    by: Any,
    on: dt.date,
    outcome: str = "",
    note: str = "",
    episode: Any = None,
    allowed_from: tuple[str, ...] = (ReferralStatus.ACCEPTED,),
) -> bool:
    claimed = Referral.objects.filter(pk=referral.pk, status__in=allowed_from).update(
        status=status, closed_on=on, closed_by=by, outcome=outcome, outcome_note=note, episode=episode
    )
    if claimed:
        referral.refresh_from_db()
        _event(referral, status, by=by, note=note)
    return bool(claimed)


def referral_complete(
    *, actor: Any, referral: Referral, outcome: str, on: dt.date | None = None, note: str = ""
) -> Referral:
    """The receiver records the outcome that completes the referral (ART started, reported to the office …)."""
    _receiving(actor, referral)
    on = on or clock.local_today()
    errors: dict[str, list[str]] = {}
    if outcome not in OUTCOMES[referral.kind]:
        errors["outcome"] = [_("Choose an outcome that completes this referral.")]
    if on > clock.local_today():
        errors["on"] = [_("An outcome is recorded after it happens.")]
    elif on < referral.made_at.astimezone(clock.SHANGHAI).date():
        errors["on"] = [_("The outcome cannot come before the referral.")]
    if errors:
        raise FieldErrors(errors)
    with transaction.atomic(durable=True):
        if not _close(referral, status=ReferralStatus.COMPLETED, by=actor, on=on, outcome=outcome, note=note):
            raise AlreadyAnswered(_("Only an accepted referral can be completed."))
        audit.record("referral.complete", actor=actor, obj=referral, detail={"outcome": outcome})
    return referral


def referral_lost(*, actor: Any, referral: Referral, note: str) -> Referral:
    """The receiver closes an accepted referral the person never followed."""
    _receiving(actor, referral)
    if not note.strip():
        raise FieldErrors({"note": [_("Say what was tried.")]})
    with transaction.atomic(durable=True):
        if not _close(
            referral, status=ReferralStatus.LOST, by=actor, on=clock.local_today(), note=note.strip()
        ):
            raise AlreadyAnswered(_("Only an accepted referral can be closed as lost to follow-up."))
        audit.record("referral.lost", actor=actor, obj=referral)
    return referral


def _complete_on_arrival(
    referrals: Any, *, actor: Any, on: dt.date, outcome: str, episode: Any = None
) -> list:
    """The person arrived where they were referred: their open referrals there are completed (one answered
    without the receiver's answer is accepted by the arrival itself)."""
    done = []
    for referral in referrals.filter(status__in=OPEN).order_by("pk"):
        Referral.objects.filter(pk=referral.pk, status=ReferralStatus.REQUESTED).update(
            status=ReferralStatus.ACCEPTED, decided_by=actor, decided_at=clock.now()
        )
        if _close(
            referral, status=ReferralStatus.COMPLETED, by=actor, on=on, outcome=outcome, episode=episode
        ):
            audit.record("referral.complete", actor=actor, obj=referral, detail={"outcome": outcome})
            done.append(referral)
    return done


def referrals_on_enrolment(*, episode: Any, actor: Any) -> list[Referral]:
    """Treatment started at a clinic completes the open referrals to MMT of the person to that clinic (inside
    the enrolment's transaction): the linkage is tracked to its outcome without anyone closing it by hand."""
    return _complete_on_arrival(
        Referral.objects.filter(person_id=episode.person_id, to_org_id=episode.clinic_id, kind__in=TO_MMT),
        actor=actor,
        on=episode.started_on,
        outcome=Outcome.ENROLLED,
        episode=episode,
    )


def referrals_on_admission(
    *, person: Person, institution: Organisation, on: dt.date, actor: Any
) -> list[Referral]:
    """An admission to a voluntary rehab institution or hospital completes the open referrals of the person to
    it (inside the admission's transaction)."""
    return _complete_on_arrival(
        Referral.objects.filter(
            person=person, to_org=institution, kind__in=(K.TO_VOLUNTARY_REHAB, K.TO_PSYCHIATRY)
        ),
        actor=actor,
        on=on,
        outcome=Outcome.ADMITTED,
    )


def referrals_scan(*, today: dt.date | None = None, dry_run: bool = False) -> list[int]:
    """Accepted referrals past their completion date are lost to follow-up. Idempotent; for the daily timer."""
    today = today or clock.local_today()
    due = list(
        Referral.objects.filter(status=ReferralStatus.ACCEPTED, complete_by__lt=today)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if dry_run:
        return due
    lost = []
    for pk in due:
        with transaction.atomic():
            referral = Referral.objects.get(pk=pk)
            note = stored(gettext_noop("No outcome by %(day)s."), day=referral.complete_by.isoformat())
            if _close(referral, status=ReferralStatus.LOST, by=None, on=today, note=note):
                audit.record(
                    "referral.lost", organisation=referral.to_org, obj=referral, detail={"scan": True}
                )
                lost.append(pk)
    return lost


def vct_record(
    *, actor: Any, referral: Referral, answer: str, offered_on: dt.date | None = None, note: str = ""
) -> PartnerVct:
    """The offer of counselling and testing to the partner of a person referred for ART (either side records
    it: the clinic that found the result, or the CDC)."""
    if referral.kind != K.ART:
        raise FieldErrors({"answer": [_("A partner offer belongs to an ART referral.")]})
    side = referring_organisation(actor)
    if (
        not can(actor, Action.REFERRAL_HANDLE)
        or side is None
        or side.pk
        not in (
            referral.from_org_id,
            referral.to_org_id,
        )
    ):
        raise DomainError(_("Only the two organisations of the referral record this."), code="forbidden")
    offered_on = offered_on or clock.local_today()
    errors: dict[str, list[str]] = {}
    if answer not in VctOffer.values:
        errors["answer"] = [_("Choose the answer.")]
    if offered_on > clock.local_today():
        errors["offered_on"] = [_("An offer is recorded after it is made.")]
    if errors:
        raise FieldErrors(errors)
    with transaction.atomic(durable=True):
        offer = PartnerVct.objects.create(
            referral=referral,
            offered_on=offered_on,
            answer=answer,
            note=note.strip(),
            by=actor,
            at=clock.now(),
        )
        audit.record("referral.vct", actor=actor, obj=referral, detail={"answer": answer})
    return offer
