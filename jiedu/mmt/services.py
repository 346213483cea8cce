"""MMT use cases. Each owns its transaction, writes its history and audit inside it, and files reports there.

Concurrency (docs/adr/0007): one dose per person per day is a unique constraint, so concurrent clicks and
retries race on the insert, not on a read; the stock balance row is locked for the draw; the open-episode rule
is a partial unique index.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from jiedu.core import audit, clock, rows
from jiedu.core.errors import DomainError, FieldErrors
from jiedu.core.selectors import add_working_days, rule_value
from jiedu.core.translations import stored as _stored
from jiedu.mmt import rules
from jiedu.mmt.models import (
    OPEN_STATUSES,
    DoseDay,
    DoseOrder,
    DosePart,
    DoseRefusal,
    Episode,
    EpisodeEvent,
    EpisodeStatus,
    EventKind,
    ExitReason,
    GuestGrant,
    RefusalReason,
    TaperPlan,
    Transfer,
    TransferStatus,
)
from jiedu.patients.models import Affiliation, Person
from jiedu.pharmacy.services import stock_draw_for_dose
from jiedu.policy.scope import organisations_in_scope
from jiedu.referrals.services import referrals_on_enrolment
from jiedu.registry.models import Organisation, OrganisationType
from jiedu.reports.models import ReportKind
from jiedu.reports.services import report_file

METHADONE = "methadone-oral-solution"


class AlreadyEnrolled(DomainError):
    code = "already_enrolled"


class InvalidTransition(DomainError):
    code = "invalid_transition"


def _event(
    episode: Episode,
    kind: str,
    *,
    by: Any = None,
    on: dt.date | None = None,
    reason: str = "",
    detail: dict | None = None,
) -> EpisodeEvent:
    return EpisodeEvent.objects.create(
        episode=episode, kind=kind, by=by, on=on or clock.local_today(), reason=reason, detail=detail or {}
    )


def _locked(episode: Episode) -> Episode:
    return Episode.objects.select_for_update().select_related("person", "clinic").get(pk=episode.pk)


def _at_clinic(actor: Any, episode: Episode) -> None:
    """Only the clinic holding an episode changes it (pages and the API scope too; this holds for every caller)."""
    if actor.organisation_id != episode.clinic_id:
        raise DomainError(
            _("Only %(clinic)s can change this episode.") % {"clinic": episode.clinic.name}, code="forbidden"
        )


def _require(episode: Episode, *statuses: str) -> None:
    if episode.status not in statuses:
        raise InvalidTransition(
            _("Not possible while the episode is “%(status)s”.") % {"status": episode.get_status_display()}
        )


def _clinic_of(actor: Any) -> Organisation:
    org = actor.organisation
    if org is None or org.type != OrganisationType.MMT_CLINIC:
        raise DomainError(_("Only an MMT clinic enrols patients."), code="not_a_clinic")
    return org


def _already_enrolled_message(actor: Any, existing: Episode) -> str:
    visible = organisations_in_scope(actor).filter(pk=existing.clinic_id).exists()
    where = existing.clinic.name if visible else _("another clinic")
    return _(
        "%(name)s already has an open MMT episode at %(where)s. Ask that clinic to transfer the person here, "
        "or to grant guest dosing."
    ) % {"name": existing.person.name, "where": where}


def episode_apply(*, actor: Any, person: Person, applied_on: dt.date | None = None) -> Episode:
    """Open an application at the actor's clinic. One open episode per person nationwide."""
    clinic = _clinic_of(actor)
    applied_on = applied_on or clock.local_today()
    existing = (
        Episode.objects.select_related("clinic", "person")
        .filter(person=person, status__in=OPEN_STATUSES)
        .first()
    )
    if existing is not None:
        raise AlreadyEnrolled(_already_enrolled_message(actor, existing))
    days = rule_value("mmt.decision_working_days", region_code=clinic.region_id)
    try:
        with transaction.atomic(durable=True):
            number = (Episode.objects.filter(person=person).aggregate(n=Max("number"))["n"] or 0) + 1
            episode = Episode.objects.create(
                person=person,
                clinic=clinic,
                number=number,
                status=EpisodeStatus.APPLIED,
                applied_on=applied_on,
                decision_due=add_working_days(applied_on, days),
            )
            Affiliation.objects.get_or_create(
                person=person, organisation=clinic, defaults={"created_by": actor}
            )
            _event(episode, EventKind.APPLIED, by=actor, on=applied_on)
            audit.record("mmt.episode.apply", actor=actor, obj=episode, detail={"number": number})
    except IntegrityError:  # an application opened concurrently somewhere else
        existing = Episode.objects.select_related("clinic", "person").get(
            person=person, status__in=OPEN_STATUSES
        )
        raise AlreadyEnrolled(_already_enrolled_message(actor, existing)) from None
    return episode


@dataclass(frozen=True)
class Assessment:
    dependence_evidence: str
    documents: list[str]
    agreement_signed: bool
    guardian_consent: bool = False


def episode_assess(*, actor: Any, episode: Episode, assessment: Assessment) -> Episode:
    """Record eligibility. A minor needs a guardian's written consent; dependence evidence, documents and the
    signed voluntary-treatment agreement are required."""
    with transaction.atomic(durable=True):
        episode = _locked(episode)
        _at_clinic(actor, episode)
        _require(episode, EpisodeStatus.APPLIED, EpisodeStatus.ASSESSED)
        adult_age = rule_value("mmt.adult_age", region_code=episode.clinic.region_id)
        age = rules.age_on(episode.person.birth_date, episode.applied_on)
        problems = []
        if age < adult_age and not assessment.guardian_consent:
            problems.append(
                _("Under %(age)d: a guardian's written consent is required.") % {"age": adult_age}
            )
        if not assessment.dependence_evidence.strip():
            problems.append(
                _("Evidence of opioid dependence is required (history and a positive test or record).")
            )
        if not assessment.documents:
            problems.append(
                _("Attach the documents (identity card copy, drug-use history, medical reports).")
            )
        if not assessment.agreement_signed:
            problems.append(_("The voluntary-treatment agreement must be signed."))
        episode.eligibility = {
            "age": age,
            "guardian_consent": assessment.guardian_consent,
            "dependence_evidence": assessment.dependence_evidence.strip(),
            "documents": assessment.documents,
            "agreement_signed": assessment.agreement_signed,
            "eligible": not problems,
            "problems": problems,
        }
        episode.status = EpisodeStatus.ASSESSED
        episode.save(update_fields=["eligibility", "status"])
        _event(episode, EventKind.ASSESSED, by=actor, detail={"eligible": not problems})
        audit.record("mmt.episode.assess", actor=actor, obj=episode, detail={"eligible": not problems})
    return episode


def card_number_for(episode: Episode) -> str:
    """Region code of the clinic + the episode's id, 13 digits: scannable by any barcode symbology."""
    return f"{episode.clinic.region_id}{episode.pk:07d}"


def episode_accept(*, actor: Any, episode: Episode, start_on: dt.date | None = None) -> Episode:
    with transaction.atomic(durable=True):
        episode = _locked(episode)
        _at_clinic(actor, episode)
        _require(episode, EpisodeStatus.ASSESSED)
        if not episode.eligibility.get("eligible"):
            raise FieldErrors({"eligibility": episode.eligibility.get("problems") or [_("Not eligible.")]})
        episode.status = EpisodeStatus.ACTIVE
        episode.started_on = start_on or clock.local_today()
        episode.needs_induction = True
        episode.card_number = card_number_for(episode)
        episode.save(update_fields=["status", "started_on", "needs_induction", "card_number"])
        _event(episode, EventKind.ACCEPTED, by=actor, on=episode.started_on)
        audit.record("mmt.episode.accept", actor=actor, obj=episode)
        report_file(
            kind=ReportKind.ENROLMENT,
            person=episode.person,
            source=episode.clinic,
            event_on=episode.started_on,
            dedupe_key=f"enrolment:{episode.pk}",
            actor=actor,
        )
        referrals_on_enrolment(episode=episode, actor=actor)
    return episode


def episode_refuse(*, actor: Any, episode: Episode, reason: str) -> Episode:
    if not reason.strip():
        raise FieldErrors({"reason": [_("A refusal is given in writing: state the reason.")]})
    with transaction.atomic(durable=True):
        episode = _locked(episode)
        _at_clinic(actor, episode)
        _require(episode, EpisodeStatus.APPLIED, EpisodeStatus.ASSESSED)
        episode.status = EpisodeStatus.REFUSED
        episode.refusal_reason = reason.strip()
        episode.save(update_fields=["status", "refusal_reason"])
        _event(episode, EventKind.REFUSED, by=actor, reason=reason.strip())
        audit.record("mmt.episode.refuse", actor=actor, obj=episode)
    return episode


def episode_suspend(*, actor: Any, episode: Episode, reason: str) -> Episode:
    if not reason.strip():
        raise FieldErrors({"reason": [_("State why treatment is suspended.")]})
    with transaction.atomic(durable=True):
        episode = _locked(episode)
        _at_clinic(actor, episode)
        _require(episode, EpisodeStatus.ACTIVE)
        episode.status = EpisodeStatus.SUSPENDED
        episode.save(update_fields=["status"])
        _event(episode, EventKind.SUSPENDED, by=actor, reason=reason.strip())
        audit.record("mmt.episode.suspend", actor=actor, obj=episode)
    return episode


def episode_resume(*, actor: Any, episode: Episode) -> Episode:
    with transaction.atomic(durable=True):
        episode = _locked(episode)
        _at_clinic(actor, episode)
        _require(episode, EpisodeStatus.SUSPENDED)
        episode.status = EpisodeStatus.ACTIVE
        episode.needs_review = True  # a doctor sees the patient before dosing again
        episode.save(update_fields=["status", "needs_review"])
        _event(episode, EventKind.RESUMED, by=actor)
        audit.record("mmt.episode.resume", actor=actor, obj=episode)
    return episode


def _exit(episode: Episode, *, reason: str, on: dt.date, by: Any, note: str = "") -> None:
    episode.status = EpisodeStatus.EXITED
    episode.exit_reason = reason
    episode.ended_on = max(on, episode.started_on) if episode.started_on else on
    episode.save(update_fields=["status", "exit_reason", "ended_on"])
    _event(episode, EventKind.EXITED, by=by, on=episode.ended_on, reason=note, detail={"exit_reason": reason})


#: The report an exit files, by its reason (the rules name self-termination, termination and detention); any
#: other exit is reported as an exit.
EXIT_REPORTS = {
    ExitReason.VOLUNTARY: ReportKind.SELF_TERMINATION,
    ExitReason.RULE_VIOLATION: ReportKind.TERMINATION,
    ExitReason.RELAPSE: ReportKind.TERMINATION,
    ExitReason.DETAINED: ReportKind.DETENTION,
}


def episode_exit(
    *, actor: Any, episode: Episode, reason: str, on: dt.date | None = None, note: str = ""
) -> Episode:
    if reason not in ExitReason.values or reason == ExitReason.TRANSFERRED:
        raise FieldErrors({"reason": [_("Choose an exit reason (a transfer is done with “transfer”).")]})
    with transaction.atomic(durable=True):
        episode = _locked(episode)
        _at_clinic(actor, episode)
        _require(episode, EpisodeStatus.ACTIVE, EpisodeStatus.SUSPENDED)
        _exit(episode, reason=reason, on=on or clock.local_today(), by=actor, note=note)
        audit.record("mmt.episode.exit", actor=actor, obj=episode, detail={"reason": reason})
        report_file(
            kind=EXIT_REPORTS.get(reason, ReportKind.EXIT),
            person=episode.person,
            source=episode.clinic,
            event_on=episode.ended_on,
            dedupe_key=f"exit:{episode.pk}",
            actor=actor,
        )
    return episode


def transfer_request(*, actor: Any, episode: Episode, to_clinic: Organisation, reason: str = "") -> Transfer:
    if to_clinic.type != OrganisationType.MMT_CLINIC or to_clinic.pk == episode.clinic_id:
        raise FieldErrors({"to_clinic": [_("Choose another MMT clinic.")]})
    with transaction.atomic(durable=True):
        episode = _locked(episode)
        _at_clinic(actor, episode)
        _require(episode, EpisodeStatus.ACTIVE, EpisodeStatus.SUSPENDED)
        try:
            with transaction.atomic():
                transfer = Transfer.objects.create(
                    episode=episode, to_clinic=to_clinic, reason=reason, requested_by=actor
                )
        except IntegrityError:
            raise DomainError(
                _("A transfer of this episode is already awaiting an answer."), code="pending"
            ) from None
        _event(episode, EventKind.TRANSFER_REQUESTED, by=actor, detail={"to_clinic": to_clinic.pk})
        audit.record("mmt.transfer.request", actor=actor, obj=transfer)
    return transfer


def transfer_accept(*, actor: Any, transfer: Transfer) -> Episode:
    """The receiving clinic accepts: the old episode exits as transferred and a new one opens here, in one
    transaction; the order in force continues until the new clinic's doctor writes one."""
    with transaction.atomic(durable=True):
        transfer = Transfer.objects.select_for_update().select_related("to_clinic").get(pk=transfer.pk)
        if transfer.status != TransferStatus.PENDING:
            raise InvalidTransition(_("This transfer has already been answered."))
        if actor.organisation_id != transfer.to_clinic_id:
            raise DomainError(_("Only the receiving clinic accepts a transfer."), code="forbidden")
        old = _locked(transfer.episode)
        _require(old, EpisodeStatus.ACTIVE, EpisodeStatus.SUSPENDED)
        today = clock.local_today()
        _exit(old, reason=ExitReason.TRANSFERRED, on=today, by=actor)
        number = (Episode.objects.filter(person=old.person).aggregate(n=Max("number"))["n"] or 0) + 1
        new = Episode.objects.create(
            person=old.person,
            clinic=transfer.to_clinic,
            number=number,
            status=EpisodeStatus.ACTIVE,
            applied_on=today,
            decision_due=today,
            started_on=today,
            transferred_from=old,
            last_dose_on=old.last_dose_on,
            needs_induction=old.needs_induction,
            needs_review=old.needs_review,
            eligibility=old.eligibility,
        )
        new.card_number = card_number_for(new)
        new.save(update_fields=["card_number"])
        current = order_in_force(old, today)
        if current is not None:
            DoseOrder.objects.create(
                episode=new,
                dose_mg=current.dose_mg,
                split_parts=current.split_parts,
                effective_on=today,
                reason=_stored(gettext_noop("Continued after transfer")),
                prescriber=current.prescriber,
            )
        transfer.status, transfer.decided_by, transfer.decided_at = (
            TransferStatus.ACCEPTED,
            actor,
            clock.now(),
        )
        transfer.new_episode = new
        transfer.save(update_fields=["status", "decided_by", "decided_at", "new_episode"])
        Affiliation.objects.get_or_create(
            person=old.person, organisation=transfer.to_clinic, defaults={"created_by": actor}
        )
        _event(new, EventKind.TRANSFER_ACCEPTED, by=actor, detail={"from_episode": old.pk})
        audit.record("mmt.transfer.accept", actor=actor, obj=transfer, detail={"new_episode": new.pk})
    return new


def transfer_decline(*, actor: Any, transfer: Transfer, reason: str) -> Transfer:
    with transaction.atomic(durable=True):
        claimed = Transfer.objects.filter(
            pk=transfer.pk, status=TransferStatus.PENDING, to_clinic_id=actor.organisation_id
        ).update(status=TransferStatus.DECLINED, decided_by=actor, decided_at=clock.now(), reason=reason)
        if not claimed:
            raise InvalidTransition(_("This transfer is not awaiting your clinic's answer."))
        transfer.refresh_from_db()
        _event(transfer.episode, EventKind.TRANSFER_DECLINED, by=actor, reason=reason)
        audit.record("mmt.transfer.decline", actor=actor, obj=transfer)
    return transfer


def guest_grant(
    *,
    actor: Any,
    episode: Episode,
    host_clinic: Organisation,
    start_on: dt.date,
    end_on: dt.date,
    reason: str = "",
) -> GuestGrant:
    if end_on < start_on:
        raise FieldErrors({"end_on": [_("The last day comes before the first.")]})
    if host_clinic.type != OrganisationType.MMT_CLINIC or host_clinic.pk == episode.clinic_id:
        raise FieldErrors({"host_clinic": [_("Choose another MMT clinic.")]})
    with transaction.atomic(durable=True):
        episode = _locked(episode)
        _require(episode, EpisodeStatus.ACTIVE)
        if actor.organisation_id != episode.clinic_id:
            raise DomainError(_("Only the home clinic grants guest dosing."), code="forbidden")
        grant = GuestGrant.objects.create(
            episode=episode,
            host_clinic=host_clinic,
            start_on=start_on,
            end_on=end_on,
            reason=reason,
            granted_by=actor,
        )
        _event(
            episode,
            EventKind.GUEST_GRANTED,
            by=actor,
            detail={"host_clinic": host_clinic.pk, "from": str(start_on), "to": str(end_on)},
        )
        audit.record("mmt.guest.grant", actor=actor, obj=grant)
    return grant


def orders_applicable_on(day: dt.date) -> QuerySet[DoseOrder]:
    """Orders that may apply on ``day``, newest first: per episode, the first is the order in force. A
    cancelled taper plan's orders stop from its cancellation day. Also used to prefetch lists of patients."""
    return (
        DoseOrder.objects.filter(effective_on__lte=day)
        .exclude(taper_plan__cancelled_on__isnull=False, effective_on__gte=F("taper_plan__cancelled_on"))
        .order_by("-effective_on", "-created_at", "-pk")
    )


def order_in_force(episode: Episode, day: dt.date) -> DoseOrder | None:
    return orders_applicable_on(day).filter(episode=episode).first()


def order_write(
    *,
    actor: Any,
    episode: Episode,
    dose_mg: Decimal,
    effective_on: dt.date | None = None,
    reason: str,
    split_parts: int = 1,
    override_reason: str = "",
) -> DoseOrder:
    """A doctor's order. Induction, step and ceiling limits (regional values) need an override with a reason.
    Writing an order is the doctor's review: it clears the review and re-induction flags."""
    errors: dict[str, list[str]] = {}
    if dose_mg is None or dose_mg <= 0:
        errors["dose_mg"] = [_("Enter a dose in mg greater than zero.")]
    if not reason.strip():
        errors["reason"] = [_("Give the reason for this order.")]
    if not 1 <= split_parts <= 4:
        errors["split_parts"] = [_("A day's dose is given in 1 to 4 parts.")]
    if errors:
        raise FieldErrors(errors)
    with transaction.atomic(durable=True):
        episode = _locked(episode)
        _at_clinic(actor, episode)
        _require(episode, EpisodeStatus.ACTIVE, EpisodeStatus.SUSPENDED)
        effective_on = effective_on or clock.local_today()
        region = episode.clinic.region_id
        limits = rules.OrderLimits(
            induction_max_mg=rule_value("mmt.induction_max_mg", region_code=region),
            step_max_mg=rule_value("mmt.step_max_mg", region_code=region),
            ceiling_mg=rule_value("mmt.ceiling_mg", region_code=region),
        )
        previous = order_in_force(episode, effective_on)
        breaches = rules.order_limit_breaches(
            dose_mg=dose_mg,
            previous_mg=previous.dose_mg if previous and not episode.needs_induction else None,
            induction=episode.needs_induction or previous is None,
            limits=limits,
        )
        if breaches and not override_reason.strip():
            raise FieldErrors(
                {
                    "dose_mg": list(breaches.values()),
                    "override_reason": [_("To exceed a limit, give the clinical reason for the override.")],
                }
            )
        order = DoseOrder.objects.create(
            episode=episode,
            dose_mg=dose_mg,
            split_parts=split_parts,
            effective_on=effective_on,
            reason=reason.strip(),
            overrides=sorted(breaches),
            override_reason=override_reason.strip() if breaches else "",
            prescriber=actor,
        )
        was_flagged = episode.needs_review or episode.needs_induction
        episode.needs_review = False
        episode.needs_induction = False
        episode.save(update_fields=["needs_review", "needs_induction"])
        _event(
            episode,
            EventKind.ORDER,
            by=actor,
            on=effective_on,
            detail={"dose_mg": str(dose_mg), "overrides": sorted(breaches)},
        )
        if was_flagged:
            _event(episode, EventKind.REVIEWED, by=actor, on=effective_on)
        audit.record(
            "mmt.order.write",
            actor=actor,
            obj=order,
            detail={"dose_mg": str(dose_mg), "overrides": sorted(breaches)},
        )
    return order


def taper_plan_create(
    *,
    actor: Any,
    episode: Episode,
    start_on: dt.date,
    to_mg: Decimal,
    step_mg: Decimal,
    every_days: int,
    reason: str,
    override_reason: str = "",
) -> TaperPlan:
    """Write the decreasing orders of a taper ahead: from the dose in force, down by ``step_mg`` every
    ``every_days`` days, the last step landing exactly on ``to_mg``. Steps above the regional step limit need an
    override reason, as for any order."""
    errors: dict[str, list[str]] = {}
    if not reason.strip():
        errors["reason"] = [_("Give the reason for the taper.")]
    if step_mg is None or step_mg <= 0:
        errors["step_mg"] = [_("Enter a step in mg greater than zero.")]
    if every_days is None or every_days < 1:
        errors["every_days"] = [_("Reduce at most once a day.")]
    if to_mg is None or to_mg <= 0:
        errors["to_mg"] = [_("Taper to a dose above zero; ending treatment is an exit.")]
    if errors:
        raise FieldErrors(errors)
    with transaction.atomic(durable=True):
        episode = _locked(episode)
        _at_clinic(actor, episode)
        _require(episode, EpisodeStatus.ACTIVE, EpisodeStatus.SUSPENDED)
        current = order_in_force(episode, start_on)
        if current is None or to_mg >= current.dose_mg:
            raise FieldErrors(
                {"to_mg": [_("The target must be below the dose in force on the first reduction day.")]}
            )
        step_max = rule_value("mmt.step_max_mg", region_code=episode.clinic.region_id)
        if step_mg > step_max and not override_reason.strip():
            raise FieldErrors(
                {
                    "step_mg": [_("Steps of more than %(max)s mg need an override.") % {"max": step_max}],
                    "override_reason": [_("To exceed a limit, give the clinical reason for the override.")],
                }
            )
        plan = TaperPlan.objects.create(
            episode=episode,
            start_on=start_on,
            from_mg=current.dose_mg,
            to_mg=to_mg,
            step_mg=step_mg,
            every_days=every_days,
            reason=reason.strip(),
            created_by=actor,
        )
        dose, day, orders = current.dose_mg, start_on, []
        while dose > to_mg:
            dose = max(to_mg, dose - step_mg)
            orders.append(
                DoseOrder(
                    episode=episode,
                    dose_mg=dose,
                    split_parts=current.split_parts,
                    effective_on=day,
                    reason=reason.strip(),
                    overrides=["step"] if step_mg > step_max else [],
                    override_reason=override_reason.strip() if step_mg > step_max else "",
                    prescriber=actor,
                    taper_plan=plan,
                )
            )
            day += dt.timedelta(days=every_days)
        for order in orders:
            order.save(force_insert=True)
        _event(
            episode,
            EventKind.ORDER,
            by=actor,
            on=start_on,
            detail={"taper_plan": plan.pk, "orders": [str(o.dose_mg) for o in orders]},
        )
        audit.record("mmt.taper.create", actor=actor, obj=plan, detail={"orders": len(orders)})
    return plan


def taper_plan_cancel(*, actor: Any, plan: TaperPlan, on: dt.date | None = None) -> TaperPlan:
    """Orders of the plan effective from ``on`` (default today) no longer apply; the ones given stay history."""
    with transaction.atomic(durable=True):
        plan = TaperPlan.objects.select_for_update().select_related("episode__clinic").get(pk=plan.pk)
        _at_clinic(actor, plan.episode)
        if plan.cancelled_on is not None:
            raise InvalidTransition(_("This taper plan is already cancelled."))
        plan.cancelled_on, plan.cancelled_by = on or clock.local_today(), actor
        plan.save(update_fields=["cancelled_on", "cancelled_by"])
        audit.record("mmt.taper.cancel", actor=actor, obj=plan, detail={"on": str(plan.cancelled_on)})
    return plan


# --- the dosing window ------------------------------------------------------------------------------------


@dataclass
class DoseOutcome:
    status: str  # "dosed" | "already_dosed" | "refused" | "replayed"
    message: str
    part: DosePart | None = None
    dose_day: DoseDay | None = None
    refusal: DoseRefusal | None = None
    flags: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class DosingSubject:
    """Who stands at the window today: the person, the active episode ``site`` may dose (None if it may not)
    and the order in force (None if there is none)."""

    person: Person
    day: dt.date
    episode: Episode | None
    order: DoseOrder | None


def dosing_subject(person_id: int, site: Organisation, day: dt.date) -> DosingSubject | None:
    """One query for the usual case (an active episode with an order in force); ``None`` if no such person.

    The site may dose the episode if it is the home clinic, one of its dosing points, or a clinic (or its dosing
    point) holding a guest grant that covers ``day``.
    """
    order = (
        orders_applicable_on(day)
        .select_related("episode__person")
        .filter(episode__person_id=person_id, episode__status=EpisodeStatus.ACTIVE)
        .first()
    )
    if order is not None:
        episode: Episode | None = order.episode
        person = order.episode.person
    else:
        episode = (
            Episode.objects.select_related("person", "clinic")
            .filter(person_id=person_id, status=EpisodeStatus.ACTIVE)
            .first()
        )
        found = episode.person if episode is not None else Person.objects.filter(pk=person_id).first()
        if found is None:
            return None
        person = found
    if episode is not None:
        clinic_of_site = site.parent_clinic_id or site.pk
        if clinic_of_site != episode.clinic_id and not (
            GuestGrant.objects.filter(
                episode=episode, host_clinic_id=clinic_of_site, start_on__lte=day, end_on__gte=day
            ).exists()
        ):
            episode = order = None
    return DosingSubject(person=person, day=day, episode=episode, order=order)


def dosing_episode(person: Person, site: Organisation, day: dt.date) -> Episode | None:
    """The person's active episode if ``site`` may dose it on ``day``."""
    subject = dosing_subject(person.pk, site, day)
    return subject.episode if subject is not None else None


def already_dosed_message(dose_day: DoseDay) -> str:
    at = timezone.localtime(dose_day.first_at, clock.SHANGHAI)
    return _("Already dosed today at %(time)s at %(site)s.") % {
        "time": at.strftime("%H:%M"),
        "site": dose_day.site.name,
    }


def _refuse(
    *,
    actor: Any,
    person: Person,
    episode: Episode | None,
    site: Organisation,
    day: dt.date,
    reason: str,
    note: str = "",
) -> DoseRefusal:
    refusal = DoseRefusal.objects.create(
        person=person, episode=episode, day=day, site=site, reason=reason, note=note, at=clock.now(), by=actor
    )
    audit.record("mmt.dose.refuse", actor=actor, obj=refusal, detail={"reason": reason})
    return refusal


def dose_refuse(
    *, actor: Any, person: Person, site: Organisation, reason: str, note: str = ""
) -> DoseRefusal:
    """The nurse declines to dose (e.g. the patient is intoxicated); recorded like every refusal."""
    if reason not in RefusalReason.values:
        raise FieldErrors({"reason": [_("Choose a reason.")]})
    day = clock.local_today()
    with transaction.atomic(durable=True):
        return _refuse(
            actor=actor,
            person=person,
            episode=dosing_episode(person, site, day),
            site=site,
            day=day,
            reason=reason,
            note=note,
        )


def _replay(idempotency_key: str | None, person: Person) -> DoseOutcome | None:
    if not idempotency_key:
        return None
    replay = DosePart.objects.select_related("dose_day__site").filter(idempotency_key=idempotency_key).first()
    if replay is None:
        return None
    if replay.dose_day.person_id != person.pk:
        raise FieldErrors({"idempotency_key": [_("This idempotency key was used for another dose.")]})
    return DoseOutcome("replayed", _("Dose recorded."), part=replay, dose_day=replay.dose_day)


def dose_administer(
    *,
    actor: Any,
    person: Person,
    site: Organisation,
    idempotency_key: str | None = None,
    subject: DosingSubject | None = None,
) -> DoseOutcome:
    """Give today's dose (or the next part of a split dose) at ``site``, drawing the stock in the same
    transaction. Exactly one dose day per person per local day across all sites; a retry with the same
    idempotency key returns the dose it made. ``subject`` is the caller's own ``dosing_subject`` lookup for
    today, if it already made one (the window does, to check scope)."""
    if subject is None or subject.day != clock.local_today():
        subject = dosing_subject(person.pk, site, clock.local_today())
    if subject is None or subject.person.pk != person.pk:
        raise ValueError("The dosing subject is not this person.")
    day, episode, order = subject.day, subject.episode, subject.order
    try:
        with transaction.atomic(durable=True):
            refusal_reason = None
            if episode is None:
                refusal_reason = RefusalReason.NOT_ENROLLED_HERE
            elif episode.needs_review:
                refusal_reason = RefusalReason.NEEDS_REVIEW
            elif episode.needs_induction:
                refusal_reason = RefusalReason.NEEDS_INDUCTION
            elif order is None:
                refusal_reason = RefusalReason.NO_VALID_ORDER
            if refusal_reason is not None:
                existing = DoseDay.objects.select_related("site").filter(person=person, day=day).first()
                if existing is not None:
                    replayed = _replay(idempotency_key, person)
                    if replayed is not None:
                        return replayed
                    return DoseOutcome("already_dosed", already_dosed_message(existing), dose_day=existing)
                refusal = _refuse(
                    actor=actor, person=person, episode=episode, site=site, day=day, reason=refusal_reason
                )
                return DoseOutcome("refused", RefusalReason(refusal_reason).label, refusal=refusal)
            assert episode is not None and order is not None
            dose_day = DoseDay(
                person=person,
                day=day,
                episode=episode,
                order=order,
                site=site,
                ordered_mg=order.dose_mg,
                parts_planned=order.split_parts,
                first_at=clock.now(),
            )
            if rows.insert(dose_day, unless_conflict_on=("person", "day")) is not None:
                part_no = 1
            else:
                dose_day = (
                    DoseDay.objects.select_for_update().select_related("site").get(person=person, day=day)
                )
                replayed = _replay(idempotency_key, person)
                if replayed is not None:
                    return replayed
                given = dose_day.parts.count()
                if given >= dose_day.parts_planned:
                    return DoseOutcome("already_dosed", already_dosed_message(dose_day), dose_day=dose_day)
                part_no = given + 1
            mg = rules.split(dose_day.ordered_mg, dose_day.parts_planned)[part_no - 1]
            # Everything not needing the stock lock goes first: the balance row stays locked only to the commit.
            rows.update(Episode, episode.pk, last_dose_on=day, dropout_since=None)
            entry = stock_draw_for_dose(
                actor=actor,
                site=site,
                drug_code=METHADONE,
                dose_mg=mg,
                today=day,
                detail={"person": person.pk, "day": str(day), "part": part_no},
            )
            part = DosePart(
                dose_day=dose_day,
                part_no=part_no,
                mg=mg,
                volume_ml=-entry.quantity,
                at=entry.at,
                site=site,
                given_by=actor,
                ledger_entry=entry,
                idempotency_key=idempotency_key or None,
            )
            rows.insert(part)
            audit.record(
                "mmt.dose.administer",
                actor=actor,
                obj=part,
                detail={"person": person.pk, "mg": str(mg), "ml": str(part.volume_ml), "part": part_no},
            )
    except IntegrityError:
        # The key was used on another day or for another person: rolled back, and said so.
        replayed = _replay(idempotency_key, person)
        if replayed is not None:
            return replayed
        raise
    if part_no < dose_day.parts_planned:
        message = _("Part %(n)d of %(total)d given: %(mg)s mg (%(ml)s mL).") % {
            "n": part_no,
            "total": dose_day.parts_planned,
            "mg": mg,
            "ml": part.volume_ml,
        }
    else:
        message = _("Dosed: %(mg)s mg (%(ml)s mL).") % {"mg": mg, "ml": part.volume_ml}
    return DoseOutcome("dosed", message, part=part, dose_day=dose_day)


# --- the daily missed-dose job ----------------------------------------------------------------------------


@dataclass
class ScanResult:
    as_of: dt.date
    checked: int = 0
    flagged_review: int = 0
    dropped_out: int = 0
    exited: int = 0


def missed_dose_scan(*, as_of: dt.date | None = None, dry_run: bool = False) -> ScanResult:
    """Count consecutive missed days of every active episode and apply the regional thresholds. Idempotent:
    each flag, dropout and exit happens once per gap; running it twice changes nothing more."""
    as_of = as_of or clock.local_today()
    result = ScanResult(as_of=as_of)
    thresholds: dict[str, rules.MissedThresholds] = {}
    candidates = Episode.objects.filter(status=EpisodeStatus.ACTIVE).select_related("clinic", "person")
    for episode in candidates.iterator(chunk_size=1000):
        result.checked += 1
        region = episode.clinic.region_id
        if region not in thresholds:
            thresholds[region] = rules.MissedThresholds(
                review=rule_value("mmt.review_after_missed_days", region_code=region),
                dropout=rule_value("mmt.dropout_after_missed_days", region_code=region),
                exit=rule_value("mmt.exit_after_missed_days", region_code=region),
            )
        t = thresholds[region]
        days = rules.missed_days(
            last_dose_on=episode.last_dose_on, started_on=episode.started_on, as_of=as_of
        )
        state = rules.missed_state(days, t)
        if state == rules.MissedState.OK:
            continue
        gap_start = (
            (episode.last_dose_on + dt.timedelta(days=1)) if episode.last_dose_on else episode.started_on
        )
        if dry_run:
            result.flagged_review += int(not episode.needs_review)
            result.dropped_out += int(
                state in {rules.MissedState.DROPOUT, rules.MissedState.EXIT} and episode.dropout_since is None
            )
            result.exited += int(state == rules.MissedState.EXIT)
            continue
        with transaction.atomic(durable=True):
            ep = _locked(episode)
            if ep.status != EpisodeStatus.ACTIVE:
                continue
            if not ep.needs_review:
                ep.needs_review = True
                ep.save(update_fields=["needs_review"])
                _event(ep, EventKind.REVIEW_NEEDED, on=as_of, detail={"missed_days": days})
                result.flagged_review += 1
            if state in {rules.MissedState.DROPOUT, rules.MissedState.EXIT} and ep.dropout_since is None:
                ep.dropout_since = gap_start
                ep.needs_induction = True
                ep.save(update_fields=["dropout_since", "needs_induction"])
                _event(ep, EventKind.DROPOUT, on=as_of, detail={"missed_days": days, "since": str(gap_start)})
                audit.record(
                    "mmt.episode.dropout", organisation=ep.clinic, obj=ep, detail={"missed_days": days}
                )
                report_file(
                    kind=ReportKind.DROPOUT,
                    person=ep.person,
                    source=ep.clinic,
                    event_on=as_of,
                    dedupe_key=f"dropout:{ep.pk}:{gap_start}",
                )
                result.dropped_out += 1
            if state == rules.MissedState.EXIT:
                _exit(
                    ep,
                    reason=ExitReason.DROPOUT,
                    on=as_of,
                    by=None,
                    note=_stored(gettext_noop("%(n)d days without a dose")) % {"n": days},
                )
                audit.record("mmt.episode.exit", organisation=ep.clinic, obj=ep, detail={"reason": "dropout"})
                report_file(
                    kind=ReportKind.EXIT,
                    person=ep.person,
                    source=ep.clinic,
                    event_on=as_of,
                    dedupe_key=f"exit:{ep.pk}",
                )
                result.exited += 1
    return result
