"""Special prescriptions (专用处方): who may write them, how much one may give, dispensing against the ledger,
and their keeping and destruction.

Only a prescriber holding the right for the drug's class writes one; one prescription may supply no more days
than the rules allow for the drug's form (policy values ``pharmacy.rx_*``, national defaults from the
prescription rules: a narcotic or class-I injection one usual dose, a controlled-release form 7 days, any other
form 3 days; class II 7 days). The pharmacy dispenses it once, the same day by default, by a keeper of the
dispensing store with a second person checking, as dispensing entries of the ledger. Prescriptions are kept 3
years (麻、精一) or 2 years (精二) and destroyed on the head's approval with a record.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from jiedu.accounts.models import Role
from jiedu.core import audit, clock
from jiedu.core.errors import FieldErrors
from jiedu.core.selectors import rule_value
from jiedu.pharmacy.models import (
    RIGHT_FOR_CLASS,
    ControlClass,
    Drug,
    EntryKind,
    LedgerEntry,
    PrescribingRight,
    Prescription,
    PrescriptionDestruction,
    PrescriptionStatus,
    RightScope,
    Store,
)
from jiedu.pharmacy.services import (
    InsufficientStock,
    _clinic_family,
    _kept_by,
    _locked_balance,
    _post,
    fefo,
)
from jiedu.policy.scope import persons_in_scope


def _institution(user: Any) -> Any:
    org = user.organisation
    return org.parent_clinic if org.parent_clinic_id else org


def _is_head(user: Any, organisation: Any) -> bool:
    return (
        user.organisation_id == organisation.pk
        and user.role_assignments.filter(role=Role.CLINIC_DIRECTOR).exists()
    )


def form_kind(drug: Drug) -> str:
    """ "injection", "controlled_release" or "other", from the drug's form (注射液, 缓释片, 透皮贴剂, …)."""
    if "注射" in drug.form:
        return "injection"
    if any(word in drug.form for word in ("缓释", "控释", "透皮")):
        return "controlled_release"
    return "other"


def max_days(drug: Drug, region_code: str | None) -> int:
    if drug.control_class == ControlClass.PSYCHOTROPIC_2:
        return rule_value("pharmacy.rx_max_days_psychotropic_2", region_code=region_code)
    return rule_value(f"pharmacy.rx_max_days_{form_kind(drug)}", region_code=region_code)


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def holds_right(user: Any, scope: str, on: dt.date | None = None) -> bool:
    on = on or clock.local_today()
    return (
        PrescribingRight.objects.filter(user=user, scope=scope, granted_on__lte=on)
        .exclude(ended_on__lt=on)
        .exists()
    )


def right_grant(
    *, actor: Any, user: Any, scope: str, training: str, on: dt.date | None = None
) -> PrescribingRight:
    """The head of the institution grants a doctor of the institution the right to prescribe a class."""
    if scope not in RightScope.values:
        raise FieldErrors({"scope": [_("Choose the right to grant.")]})
    institution = _institution(actor)
    if not _is_head(actor, institution):
        raise FieldErrors({"user": [_("Only the head of the institution grants prescribing rights.")]})
    if user.organisation_id != institution.pk or not user.role_assignments.filter(role=Role.DOCTOR).exists():
        raise FieldErrors(
            {
                "user": [
                    _("%(user)s is not a doctor of %(org)s.")
                    % {"user": user.display_name, "org": institution.name}
                ]
            }
        )
    if not training.strip():
        raise FieldErrors({"training": [_("Record the training the prescriber passed.")]})
    with transaction.atomic():
        if PrescribingRight.objects.filter(user=user, scope=scope, ended_on__isnull=True).exists():
            raise FieldErrors(
                {"scope": [_("%(user)s already holds this right.") % {"user": user.display_name}]}
            )
        right = PrescribingRight.objects.create(
            user=user,
            scope=scope,
            granted_by=actor,
            granted_on=on or clock.local_today(),
            training=training.strip(),
        )
        audit.record("rx.right.grant", actor=actor, obj=right, detail={"user": user.pk, "scope": scope})
    return right


def right_withdraw(*, actor: Any, right: PrescribingRight, on: dt.date | None = None) -> PrescribingRight:
    if not _is_head(actor, _institution(actor)) or right.user.organisation_id != actor.organisation_id:
        raise FieldErrors({"right": [_("Only the head of the institution withdraws prescribing rights.")]})
    with transaction.atomic():
        right = PrescribingRight.objects.select_for_update().get(pk=right.pk)
        if right.ended_on is not None:
            raise FieldErrors({"right": [_("This right has already been withdrawn.")]})
        right.ended_on = on or clock.local_today()
        right.save(update_fields=["ended_on"])
        audit.record("rx.right.withdraw", actor=actor, obj=right, detail={"on": str(right.ended_on)})
    return right


def _next_number(organisation: Any, control_class: str, day: dt.date) -> str:
    prefix = "J2" if control_class == ControlClass.PSYCHOTROPIC_2 else "MJ"
    stem = f"{prefix}{day:%Y%m%d}-"
    taken = Prescription.objects.filter(organisation=organisation, number__startswith=stem).count()
    return f"{stem}{taken + 1:04d}"


def prescription_write(
    *,
    actor: Any,
    person: Any,
    drug: Drug,
    daily_quantity: Decimal,
    days: int,
    diagnosis: str,
    directions: str,
) -> Prescription:
    """Write a special prescription at the prescriber's institution for a patient in its care."""
    errors: dict[str, list[str]] = {}
    scope = RIGHT_FOR_CLASS.get(drug.control_class)
    today = clock.local_today()
    institution = _institution(actor)
    if scope is None:
        errors["drug"] = [_("%(drug)s is not prescribed on a special prescription.") % {"drug": drug}]
    elif not holds_right(actor, scope, today):
        errors["drug"] = [
            _("You do not hold the right to prescribe %(scope)s.") % {"scope": RightScope(scope).label}
        ]
    if not persons_in_scope(actor).filter(pk=person.pk).exists():
        errors["person"] = [_("This patient is not in the care of your institution.")]
    if daily_quantity is None or daily_quantity <= 0:
        errors["daily_quantity"] = [_("Enter a quantity per day greater than zero.")]
    limit = max_days(drug, institution.region_id) if scope else 0
    if days is None or days < 1:
        errors["days"] = [_("Prescribe for one day or more.")]
    elif scope and days > limit:
        errors["days"] = [
            _("One prescription of %(drug)s may supply at most %(limit)s day(s); this one asks for %(days)s.")
            % {"drug": drug, "limit": limit, "days": days}
        ]
    for field, value in (("diagnosis", diagnosis), ("directions", directions)):
        if not value.strip():
            errors[field] = [_("This field is required.")]
    if errors:
        raise FieldErrors(errors)
    red = drug.control_class != ControlClass.PSYCHOTROPIC_2
    years = rule_value(
        f"pharmacy.rx_keep_years_{'red' if red else 'white'}", region_code=institution.region_id
    )
    daily = daily_quantity.quantize(Decimal("0.01"))
    for _attempt in range(5):
        try:
            with transaction.atomic():
                rx = Prescription.objects.create(
                    organisation=institution,
                    number=_next_number(institution, drug.control_class, today),
                    prescriber=actor,
                    person=person,
                    diagnosis=diagnosis.strip(),
                    drug=drug,
                    control_class=drug.control_class,
                    daily_quantity=daily,
                    days=days,
                    quantity=daily * days,
                    directions=directions.strip(),
                    written_on=today,
                    written_at=clock.now(),
                    keep_until=_add_years(today, years),
                )
                audit.record(
                    "rx.write",
                    actor=actor,
                    obj=rx,
                    detail={"number": rx.number, "drug": drug.code, "quantity": str(rx.quantity)},
                )
                return rx
        except IntegrityError:
            continue  # another prescription took the number; take the next
    raise FieldErrors({"drug": [_("The prescription could not be numbered; try again.")]})


def prescription_dispense(
    *, actor: Any, witness: Any, prescription: Prescription, store: Store
) -> list[LedgerEntry]:
    """Dispense a prescription once from a store of its institution: a keeper dispenses, a second person checks;
    first expiry first out, as dispensing entries that name the prescription."""
    _kept_by(store, actor, witness)
    if _clinic_family(store.organisation) != prescription.organisation_id:
        raise FieldErrors({"store": [_("Dispense from a store of the prescribing institution.")]})
    today = clock.local_today()
    with transaction.atomic():
        rx = Prescription.objects.select_for_update().select_related("drug").get(pk=prescription.pk)
        if rx.status != PrescriptionStatus.WRITTEN:
            raise FieldErrors(
                {
                    "prescription": [
                        _("This prescription is %(status)s.") % {"status": rx.get_status_display()}
                    ]
                }
            )
        valid = rule_value("pharmacy.rx_valid_days", region_code=store.organisation.region_id)
        if today > rx.written_on + dt.timedelta(days=valid - 1):
            raise FieldErrors(
                {
                    "prescription": [
                        _("This prescription was valid until %(day)s.")
                        % {"day": rx.written_on + dt.timedelta(days=valid - 1)}
                    ]
                }
            )
        left = rx.quantity
        entries = []
        for balance in fefo(store=store, drug=rx.drug, today=today):
            locked = _locked_balance(store, balance.batch)
            moved = min(left, locked.quantity)
            if moved <= 0:
                continue
            entries.append(
                _post(
                    balance=locked,
                    kind=EntryKind.DISPENSING,
                    quantity=-moved,
                    actor=actor,
                    witness=witness,
                    voucher=rx.number,
                    detail={"prescription": rx.number, "patient": rx.person.name},
                )
            )
            left -= moved
            if left <= 0:
                break
        if left > 0:
            raise InsufficientStock(
                _("Not enough %(drug)s in %(store)s for this prescription: %(need)s %(unit)s needed.")
                % {"drug": rx.drug, "store": store.name, "need": rx.quantity, "unit": rx.drug.unit}
            )
        now = clock.now()
        Prescription.objects.filter(pk=rx.pk).update(
            status=PrescriptionStatus.DISPENSED, dispensed_by=actor, checked_by=witness, dispensed_at=now
        )
        audit.record(
            "rx.dispense", actor=actor, obj=rx, detail={"entries": [e.pk for e in entries], "store": store.pk}
        )
    prescription.refresh_from_db()
    return entries


def prescription_cancel(*, actor: Any, prescription: Prescription, reason: str) -> Prescription:
    """The prescriber (or the head) cancels a prescription not yet dispensed; it is kept like the others."""
    if not reason.strip():
        raise FieldErrors({"reason": [_("Give the reason.")]})
    if actor.pk != prescription.prescriber_id and not _is_head(actor, prescription.organisation):
        raise FieldErrors({"prescription": [_("Only the prescriber or the head cancels a prescription.")]})
    with transaction.atomic():
        claimed = Prescription.objects.filter(pk=prescription.pk, status=PrescriptionStatus.WRITTEN).update(
            status=PrescriptionStatus.CANCELLED
        )
        if not claimed:
            raise FieldErrors(
                {"prescription": [_("Only a prescription not yet dispensed can be cancelled.")]}
            )
        audit.record("rx.cancel", actor=actor, obj=prescription, detail={"reason": reason.strip()})
    prescription.refresh_from_db()
    return prescription


def due_for_destruction(*, organisation: Any, today: dt.date | None = None) -> QuerySet[Prescription]:
    """Prescriptions of the institution past their keeping period and not yet destroyed."""
    today = today or clock.local_today()
    return Prescription.objects.filter(
        organisation=organisation, keep_until__lt=today, destruction__isnull=True
    ).order_by("written_on", "number")


def prescriptions_destroy(
    *, actor: Any, approver: Any, organisation: Any, numbers: list[str], method: str
) -> PrescriptionDestruction:
    """Destroy prescriptions past their keeping period, approved by the head of the institution (who signs),
    recorded with what was destroyed, when and how. A prescription still to be kept is refused by number."""
    if not method.strip():
        raise FieldErrors({"method": [_("Say how they are destroyed (e.g. shredded, incinerated).")]})
    if approver is None or not _is_head(approver, organisation):
        raise FieldErrors({"approver": [_("The head of the institution approves the destruction.")]})
    if approver.pk == actor.pk:
        raise FieldErrors({"approver": [_("The approver is another person than the one recording.")]})
    if actor.organisation_id != organisation.pk:
        raise FieldErrors({"numbers": [_("These are not your institution's prescriptions.")]})
    if not numbers:
        raise FieldErrors({"numbers": [_("Choose the prescriptions to destroy.")]})
    today = clock.local_today()
    with transaction.atomic():
        chosen = list(
            Prescription.objects.select_for_update().filter(organisation=organisation, number__in=numbers)
        )
        found = {rx.number for rx in chosen}
        unknown = sorted(set(numbers) - found)
        kept = sorted(rx.number for rx in chosen if rx.keep_until >= today or rx.destruction_id)
        if unknown or kept:
            raise FieldErrors(
                {
                    "numbers": [
                        _("Not to be destroyed: %(n)s.") % {"n": "、".join(unknown + kept)},
                    ]
                }
            )
        record = PrescriptionDestruction.objects.create(
            organisation=organisation,
            destroyed_on=today,
            method=method.strip(),
            recorded_by=actor,
            approved_by=approver,
            at=clock.now(),
        )
        Prescription.objects.filter(pk__in=[rx.pk for rx in chosen]).update(destruction=record)
        audit.record(
            "rx.destroy",
            actor=actor,
            obj=record,
            organisation=organisation,
            detail={"numbers": sorted(found)},
        )
    return record
