"""Voluntary rehab use cases: admit with the signed agreement (and file the admission with the police in the
same transaction), write progress notes, discharge once.

Only staff of a voluntary rehab institution or hospital act here (``selectors.institution_of``); a doctor or the
director admits and discharges, nurses also write notes. Nothing but the admission filing leaves the institution:
past drug use is not punished (禁毒法 Art. 62), and the filing carries the minimal identity fields only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from jiedu.core import audit, clock, rows
from jiedu.core.errors import FieldErrors, PermissionDenied
from jiedu.core.selectors import rule_value
from jiedu.core.translations import stored
from jiedu.mmt.rules import age_on
from jiedu.patients.models import Affiliation, Person
from jiedu.policy.scope import persons_in_scope
from jiedu.referrals.services import referrals_on_admission
from jiedu.registry.models import Organisation
from jiedu.rehab.models import Admission, Outcome, ProgressNote, Setting, Substance
from jiedu.rehab.selectors import decides, institution_of
from jiedu.reports.models import ReportKind
from jiedu.reports.services import report_file

MAX_PLANNED_DAYS = 365
MAX_TEXT = 5000


@dataclass(frozen=True)
class AgreementTerms:
    """The sections of the written voluntary agreement (戒毒条例 Art. 10; 《戒毒治疗管理办法》)."""

    method: str
    planned_days: int
    confidentiality: str
    rules: str
    termination: str
    risks: str


_DEFAULT_METHOD = gettext_noop(
    "Medically supervised withdrawal: medicines as the doctor prescribes for withdrawal symptoms and "
    "complications, psychological counselling, and guidance on rehabilitation and on preventing relapse."
)
_DEFAULT_CONFIDENTIALITY = gettext_noop(
    "The institution keeps the patient's identity, history and treatment confidential and discloses them only "
    "where the law requires. As the law requires, the admission is filed with the public security organ with the "
    "patient's name and identity number only. A person who seeks treatment voluntarily is not punished for past "
    "drug use."
)
_DEFAULT_RULES = gettext_noop(
    "The patient follows the institution's rules: brings in no drugs, alcohol or other prohibited items, accepts "
    "drug tests and safety checks, keeps to the arrangements for visits and leave, and respects staff and other "
    "patients."
)
_DEFAULT_TERMINATION = gettext_noop(
    "The patient may end treatment at any time by telling the doctor. The institution may end treatment if the "
    "patient uses drugs during treatment, brings in prohibited items, seriously breaks the rules or endangers "
    "others. When treatment ends the doctor gives a discharge summary and advice on further care."
)
_DEFAULT_RISKS = gettext_noop(
    "Withdrawal may cause discomfort, poor sleep, anxiety, low mood and craving; medicines may have side effects. "
    "After withdrawal the body no longer tolerates former doses: using again at such a dose can cause a fatal "
    "overdose. The doctor has explained these risks and how they are managed."
)
DEFAULT_PLANNED_DAYS = 30


def adult_age(institution: Organisation) -> int:
    """Full civil capacity (民法典 Art. 17), the region's policy value: a younger patient's agreement is also
    signed by a guardian (the same rule as for MMT)."""
    return rule_value("mmt.adult_age", region_code=institution.region_id)


def agreement_defaults() -> AgreementTerms:
    """The agreement's default wording, in the deployment's language: the doctor edits it with the patient and
    what is signed is stored as it stands."""
    return AgreementTerms(
        method=stored(_DEFAULT_METHOD),
        planned_days=DEFAULT_PLANNED_DAYS,
        confidentiality=stored(_DEFAULT_CONFIDENTIALITY),
        rules=stored(_DEFAULT_RULES),
        termination=stored(_DEFAULT_TERMINATION),
        risks=stored(_DEFAULT_RISKS),
    )


def _institution(actor: Any, *, decision: bool) -> Organisation:
    institution = institution_of(actor)
    if institution is None:
        raise PermissionDenied(_("Only staff of a voluntary rehab institution or a hospital may do this."))
    if decision and not decides(actor):
        raise PermissionDenied(_("Admissions and discharges are decided by a doctor or the director."))
    return institution


def _at_institution(admission: Admission, institution: Organisation) -> None:
    if admission.institution_id != institution.pk:
        raise PermissionDenied(_("This admission is at another institution."))


def _text(value: str | None, field: str, errors: dict[str, list[str]], message: str) -> str:
    value = (value or "").strip()
    if not value:
        errors.setdefault(field, []).append(message)
    elif len(value) > MAX_TEXT:
        errors.setdefault(field, []).append(_("At most %(n)d characters.") % {"n": MAX_TEXT})
    return value


def _check_terms(terms: AgreementTerms, errors: dict[str, list[str]]) -> AgreementTerms:
    planned = terms.planned_days
    if not isinstance(planned, int) or isinstance(planned, bool) or not 1 <= planned <= MAX_PLANNED_DAYS:
        errors.setdefault("planned_days", []).append(
            _("The planned duration is 1 to %(max)d days.") % {"max": MAX_PLANNED_DAYS}
        )
    return AgreementTerms(
        method=_text(terms.method, "method", errors, _("Describe the treatment method.")),
        planned_days=planned,
        confidentiality=_text(
            terms.confidentiality, "confidentiality", errors, _("State the confidentiality terms.")
        ),
        rules=_text(terms.rules, "rules", errors, _("State the institution's rules.")),
        termination=_text(
            terms.termination, "termination", errors, _("State when treatment may be terminated.")
        ),
        risks=_text(terms.risks, "risks", errors, _("State the risks explained to the patient.")),
    )


def _check_substances(
    substances: Iterable[str], other: str, errors: dict[str, list[str]]
) -> tuple[list[str], str]:
    chosen = set(substances)
    if not chosen:
        errors.setdefault("substances", []).append(_("Choose at least one substance."))
    elif not chosen <= set(Substance.values):
        errors.setdefault("substances", []).append(_("Unknown substance."))
    other = (other or "").strip()
    if Substance.OTHER in chosen and not other:
        errors.setdefault("substance_other", []).append(_("Name the other substance."))
    if Substance.OTHER not in chosen and other:
        errors.setdefault("substance_other", []).append(_("Tick “Other” to name another substance."))
    if len(other) > 100:
        errors.setdefault("substance_other", []).append(_("At most %(n)d characters.") % {"n": 100})
    return [s for s in Substance.values if s in chosen], other


def admission_admit(
    *,
    actor: Any,
    person: Person,
    setting: str,
    admitted_on: dt.date | None,
    substances: Iterable[str],
    terms: AgreementTerms,
    patient_signed: bool,
    signed_on: dt.date | None,
    guardian_name: str = "",
    substance_other: str = "",
) -> Admission:
    """Admit a person who asked for treatment, with the agreement they signed, and file the admission with the
    police (备案) in the same transaction. One open admission per person at an institution."""
    institution = _institution(actor, decision=True)
    if not persons_in_scope(actor).filter(pk=person.pk).exists():
        raise FieldErrors({"person": [_("This person is not in the care of your organisation.")]})
    errors: dict[str, list[str]] = {}
    today = clock.local_today()
    if setting not in Setting.values:
        errors.setdefault("setting", []).append(_("Choose inpatient or outpatient."))
    if admitted_on is None:
        errors.setdefault("admitted_on", []).append(_("The admission date is required."))
    elif admitted_on > today:
        errors.setdefault("admitted_on", []).append(
            _("An admission is recorded on or after the day it happens.")
        )
    substances, substance_other = _check_substances(substances, substance_other, errors)
    terms = _check_terms(terms, errors)
    if not patient_signed:
        errors.setdefault("patient_signed", []).append(_("The patient must sign the agreement."))
    if signed_on is None:
        errors.setdefault("signed_on", []).append(_("The date of signing is required."))
    elif admitted_on is not None and signed_on > admitted_on:
        errors.setdefault("signed_on", []).append(
            _("The agreement is signed before or on the day of admission.")
        )
    guardian_name = (guardian_name or "").strip()
    if admitted_on is not None:
        age, adult = age_on(person.birth_date, admitted_on), adult_age(institution)
        if age < adult and not guardian_name:
            errors.setdefault("guardian_name", []).append(
                _("The patient is %(age)d, under %(adult)d: a guardian signs the agreement too.")
                % {"age": age, "adult": adult}
            )
        if age >= adult and guardian_name:
            errors.setdefault("guardian_name", []).append(
                _("A guardian signs only for a patient under %(adult)d.") % {"adult": adult}
            )
    if len(guardian_name) > 50:
        errors.setdefault("guardian_name", []).append(_("At most %(n)d characters.") % {"n": 50})
    if errors:
        raise FieldErrors(errors)
    assert admitted_on is not None and signed_on is not None

    already = FieldErrors({"person": [_("This person is already admitted here; discharge them first.")]})
    with transaction.atomic(durable=True):
        # Admissions of one institution are numbered one after another: hold the institution while numbering.
        rows.locked_values(Organisation, institution.pk, "id")
        if Admission.objects.filter(
            person=person, institution=institution, discharged_on__isnull=True
        ).exists():
            raise already
        number = (Admission.objects.filter(institution=institution).aggregate(n=Max("number"))["n"] or 0) + 1
        try:
            with transaction.atomic():
                admission = Admission.objects.create(
                    person=person,
                    institution=institution,
                    number=number,
                    setting=setting,
                    admitted_on=admitted_on,
                    admitted_by=actor,
                    created_at=clock.now(),
                    substances=substances,
                    substance_other=substance_other,
                    agreement_method=terms.method,
                    planned_days=terms.planned_days,
                    agreement_confidentiality=terms.confidentiality,
                    agreement_rules=terms.rules,
                    agreement_termination=terms.termination,
                    agreement_risks=terms.risks,
                    guardian_name=guardian_name,
                    signed_on=signed_on,
                )
        except IntegrityError:  # admitted at the same moment elsewhere in the building
            raise already from None
        Affiliation.objects.get_or_create(
            person=person, organisation=institution, defaults={"created_by": actor}
        )
        report = report_file(
            kind=ReportKind.VOLUNTARY_ADMISSION,
            person=person,
            source=institution,
            event_on=admitted_on,
            dedupe_key=f"voluntary_admission:{admission.pk}",
            actor=actor,
        )
        referrals_on_admission(person=person, institution=institution, on=admitted_on, actor=actor)
        audit.record(
            "rehab.admission.admit",
            actor=actor,
            obj=admission,
            detail={"number": number, "setting": setting, "report": report.pk if report else None},
        )
    return admission


def progress_note_add(
    *, actor: Any, admission: Admission, text: str, on: dt.date | None = None
) -> ProgressNote:
    """A note of the treatment summary by a doctor, nurse or the director, while the patient is admitted."""
    institution = _institution(actor, decision=False)
    _at_institution(admission, institution)
    errors: dict[str, list[str]] = {}
    today = clock.local_today()
    on = on or today
    if on > today:
        errors.setdefault("on", []).append(_("A note is written on or after the day it describes."))
    elif on < admission.admitted_on:
        errors.setdefault("on", []).append(_("A note cannot describe a day before the admission."))
    text = _text(text, "text", errors, _("Write the note."))
    if errors:
        raise FieldErrors(errors)
    with transaction.atomic(durable=True):
        if (
            not Admission.objects.select_for_update()
            .filter(pk=admission.pk, discharged_on__isnull=True)
            .exists()
        ):
            raise FieldErrors(
                {"text": [_("The patient has been discharged; the treatment record is closed.")]}
            )
        note = ProgressNote.objects.create(
            admission=admission, on=on, author=actor, text=text, created_at=clock.now()
        )
        audit.record("rehab.note.add", actor=actor, obj=note, detail={"admission": admission.pk, "on": on})
    return note


def admission_discharge(
    *,
    actor: Any,
    admission: Admission,
    discharged_on: dt.date | None,
    outcome: str,
    summary: str,
    transferred_to: str = "",
) -> Admission:
    """Record the discharge, once: the date, how the stay ended and the discharge summary. Nothing is reported:
    leaving voluntary treatment is the patient's right."""
    institution = _institution(actor, decision=True)
    _at_institution(admission, institution)
    errors: dict[str, list[str]] = {}
    if outcome not in Outcome.values:
        errors.setdefault("outcome", []).append(_("Choose how the stay ended."))
    if discharged_on is None:
        errors.setdefault("discharged_on", []).append(_("The discharge date is required."))
    elif discharged_on > clock.local_today():
        errors.setdefault("discharged_on", []).append(
            _("A discharge is recorded on or after the day it happens.")
        )
    elif discharged_on < admission.admitted_on:
        errors.setdefault("discharged_on", []).append(
            _("The discharge cannot be before the admission (%(day)s).")
            % {"day": admission.admitted_on.isoformat()}
        )
    transferred_to = (transferred_to or "").strip()
    if outcome == Outcome.TRANSFERRED and not transferred_to:
        errors.setdefault("transferred_to", []).append(_("Name where the patient was transferred."))
    if outcome != Outcome.TRANSFERRED and transferred_to:
        errors.setdefault("transferred_to", []).append(_("Only a transfer names where the patient went."))
    if len(transferred_to) > 128:
        errors.setdefault("transferred_to", []).append(_("At most %(n)d characters.") % {"n": 128})
    summary = _text(summary, "summary", errors, _("Write the discharge summary."))
    if errors:
        raise FieldErrors(errors)
    with transaction.atomic(durable=True):
        claimed = Admission.objects.filter(pk=admission.pk, discharged_on__isnull=True).update(
            discharged_on=discharged_on,
            outcome=outcome,
            transferred_to=transferred_to,
            discharge_summary=summary,
            discharged_by=actor,
            discharged_at=clock.now(),
        )
        if not claimed:
            raise FieldErrors({"discharged_on": [_("This admission has already been discharged.")]})
        admission.refresh_from_db()
        audit.record(
            "rehab.admission.discharge",
            actor=actor,
            obj=admission,
            detail={"outcome": outcome, "days": admission.days_in(discharged_on)},
        )
    return admission
