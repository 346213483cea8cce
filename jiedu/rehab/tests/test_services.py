"""Voluntary rehab: who admits, the signed agreement kept as signed, the police filing within its deadline (and
nothing else reported), progress notes appended, the discharge recorded once, and the database's own rules."""

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction

from jiedu.core.errors import FieldErrors, PermissionDenied
from jiedu.core.models import AppendOnlyError, AuditEntry, RegionalSetting
from jiedu.patients.models import Affiliation
from jiedu.rehab import selectors, services
from jiedu.rehab.models import Admission, ProgressNote
from jiedu.rehab.tests.conftest import NOW, OCT_1, admit, register_at, terms
from jiedu.reports.models import Delivery, Disclosure, Report

pytestmark = pytest.mark.django_db


def counts():
    return {
        "admissions": Admission.objects.count(),
        "notes": ProgressNote.objects.count(),
        "reports": Report.objects.count(),
        "deliveries": Delivery.objects.count(),
        "affiliations": Affiliation.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


# --- admitting ------------------------------------------------------------------------------------------------


def test_a_doctor_admits_with_the_agreement_as_signed_and_files_it_with_the_police(
    world, rehab, person, police_filing
):
    edited = terms(method="门诊脱毒：每周复诊两次", planned_days=60)
    audit_before = AuditEntry.objects.count()
    admission = admit(
        rehab.doctor,
        person,
        setting="outpatient",
        substances=["mdma", "opioids", "other", "ketamine"],
        substance_other="合成大麻素",
        terms=edited,
        signed_on=OCT_1 - dt.timedelta(days=1),
    )
    admission.refresh_from_db()
    assert (admission.institution, admission.number, admission.setting, admission.admitted_on) == (
        rehab.institution,
        1,
        "outpatient",
        OCT_1,
    )
    assert (admission.admitted_by, admission.created_at, admission.signed_on, admission.guardian_name) == (
        rehab.doctor,
        NOW,
        dt.date(2026, 9, 30),
        "",
    )
    assert admission.substances == ["opioids", "ketamine", "mdma", "other"]  # in the order of the choices
    assert admission.substance_labels() == ["Opioids (heroin etc.)", "Ketamine", "MDMA", "合成大麻素"]
    assert (
        admission.agreement_method,
        admission.planned_days,
        admission.agreement_confidentiality,
        admission.agreement_rules,
        admission.agreement_termination,
        admission.agreement_risks,
    ) == (
        "门诊脱毒：每周复诊两次",
        60,
        edited.confidentiality,
        edited.rules,
        edited.termination,
        edited.risks,
    )
    assert admission.is_open and admission.days_in(OCT_1) == 1
    assert Affiliation.objects.filter(person=person, organisation=rehab.institution).count() == 1
    report = Report.objects.get()
    assert (report.kind, report.person, report.source, report.event_on, report.dedupe_key) == (
        "voluntary_admission",
        person,
        rehab.institution,
        OCT_1,
        f"voluntary_admission:{admission.pk}",
    )
    # The minimal identity fields, nothing of the substances or the agreement.
    assert (report.subject_name, report.subject_id_masked, report.summary) == (
        "张三丰",
        person.id_number_masked,
        "",
    )
    delivery = Delivery.objects.get()
    assert (delivery.recipient, delivery.due_at) == (world.police, NOW + dt.timedelta(hours=24))
    assert delivery.due_at - report.created_at == dt.timedelta(hours=24)
    assert list(
        AuditEntry.objects.filter(seq__gt=audit_before).order_by("seq").values_list("action", "object_id")
    ) == [
        ("report.file", str(report.pk)),
        ("rehab.admission.admit", str(admission.pk)),
    ]
    assert AuditEntry.objects.get(action="rehab.admission.admit").detail == {
        "number": 1,
        "setting": "outpatient",
        "report": report.pk,
    }


def test_the_filing_deadline_is_48_hours_where_the_province_says_so(world, rehab, person, police_filing):
    RegionalSetting.objects.create(
        key="reports.voluntary_admission_deadline_hours", region_id="350000", value=48, basis="省禁毒办通知"
    )
    admit(rehab.doctor, person)
    assert Delivery.objects.get().due_at == NOW + dt.timedelta(hours=48)


def test_a_person_out_of_scope_is_refused_and_nothing_is_written(world, rehab, at):
    person = register_at(world.nurse_a)  # known only to MMT clinic A
    before = counts()
    with pytest.raises(FieldErrors) as refused:
        admit(rehab.doctor, person)
    assert refused.value.fields == {"person": ["This person is not in the care of your organisation."]}
    assert counts() == before


def test_a_hospital_doctor_admits_and_links_the_person(world, rehab, at):
    person = register_at(world.nurse_a)
    register_at(
        rehab.hospital_doctor
    )  # the hospital registers the same identity number: linked, not duplicated
    admission = admit(rehab.hospital_doctor, person)
    assert (admission.institution, admission.number) == (rehab.hospital, 1)
    assert set(Affiliation.objects.filter(person=person).values_list("organisation_id", flat=True)) == {
        world.clinic_a.pk,
        rehab.hospital.pk,
    }


@pytest.mark.parametrize("persona", ["nurse_a", "doctor_a", "director_a", "police", "officer"])
def test_mmt_clinic_staff_and_others_are_refused(world, rehab, person, persona):
    """MMT staff hold the rehab action by their roles; their organisation is not a rehab institution."""
    mmt_person = register_at(world.nurse_a, seq=41, name="李四")
    before = counts()
    with pytest.raises(PermissionDenied) as refused:
        admit(world.users[persona], mmt_person)
    assert refused.value.message == "Only staff of a voluntary rehab institution or a hospital may do this."
    assert counts() == before


def test_a_nurse_writes_notes_but_neither_admits_nor_discharges(world, rehab, person):
    with pytest.raises(PermissionDenied) as refused:
        admit(rehab.nurse, person)
    assert refused.value.message == "Admissions and discharges are decided by a doctor or the director."
    admission = admit(rehab.director, person)
    note = services.progress_note_add(actor=rehab.nurse, admission=admission, text="夜间睡眠差，予以心理疏导")
    assert (note.author, note.on, note.text) == (rehab.nurse, OCT_1, "夜间睡眠差，予以心理疏导")
    before = counts()
    with pytest.raises(PermissionDenied):
        services.admission_discharge(
            actor=rehab.nurse, admission=admission, discharged_on=OCT_1, outcome="completed", summary="好转"
        )
    assert counts() == before


def test_admission_numbers_count_per_institution(world, rehab, at):
    first = admit(rehab.doctor, register_at(rehab.doctor, seq=11, name="王五"))
    second = admit(rehab.director, register_at(rehab.doctor, seq=12, name="赵六"))
    elsewhere = admit(rehab.hospital_doctor, register_at(rehab.hospital_doctor, seq=13, name="钱七"))
    assert [first.number, second.number, elsewhere.number] == [1, 2, 1]


def test_one_open_admission_per_person_at_an_institution(world, rehab, person):
    first = admit(rehab.doctor, person)
    before = counts()
    with pytest.raises(FieldErrors) as refused:
        admit(rehab.doctor, person, setting="outpatient")
    assert refused.value.fields == {"person": ["This person is already admitted here; discharge them first."]}
    assert counts() == before
    # The database holds the rule by itself.
    with pytest.raises(IntegrityError), transaction.atomic():
        Admission.objects.create(
            **{
                f.attname: getattr(first, f.attname)
                for f in Admission._meta.concrete_fields
                if f.attname not in {"id", "number"}
            },
            number=2,
        )
    # At another institution, and here again after the discharge.
    register_at(rehab.hospital_doctor)
    assert admit(rehab.hospital_doctor, person).number == 1
    services.admission_discharge(
        actor=rehab.doctor,
        admission=first,
        discharged_on=OCT_1,
        outcome="left_against_advice",
        summary="自行离院",
    )
    again = admit(rehab.doctor, person)
    assert again.number == 2
    assert Report.objects.filter(person=person).count() == 3  # every admission is filed


BAD_INPUT = [
    ({"setting": "day_care"}, {"setting": ["Choose inpatient or outpatient."]}),
    (
        {"admitted_on": OCT_1 + dt.timedelta(days=1), "signed_on": OCT_1},
        {"admitted_on": ["An admission is recorded on or after the day it happens."]},
    ),
    (
        {"admitted_on": None},
        {"admitted_on": ["The admission date is required."]},
    ),
    ({"substances": []}, {"substances": ["Choose at least one substance."]}),
    ({"substances": ["heroin"]}, {"substances": ["Unknown substance."]}),
    ({"substances": ["other"]}, {"substance_other": ["Name the other substance."]}),
    (
        {"substances": ["cannabis"], "substance_other": "笑气"},
        {"substance_other": ["Tick “Other” to name another substance."]},
    ),
    ({"terms": terms(method="  ")}, {"method": ["Describe the treatment method."]}),
    ({"terms": terms(confidentiality="")}, {"confidentiality": ["State the confidentiality terms."]}),
    ({"terms": terms(rules="")}, {"rules": ["State the institution's rules."]}),
    ({"terms": terms(termination="")}, {"termination": ["State when treatment may be terminated."]}),
    ({"terms": terms(risks="")}, {"risks": ["State the risks explained to the patient."]}),
    ({"terms": terms(planned_days=0)}, {"planned_days": ["The planned duration is 1 to 365 days."]}),
    ({"terms": terms(planned_days=366)}, {"planned_days": ["The planned duration is 1 to 365 days."]}),
    ({"terms": terms(risks="险" * 5001)}, {"risks": ["At most 5000 characters."]}),
    ({"patient_signed": False}, {"patient_signed": ["The patient must sign the agreement."]}),
    ({"signed_on": None}, {"signed_on": ["The date of signing is required."]}),
    (
        {"admitted_on": OCT_1 - dt.timedelta(days=3), "signed_on": OCT_1 - dt.timedelta(days=2)},
        {"signed_on": ["The agreement is signed before or on the day of admission."]},
    ),
    ({"guardian_name": "张父"}, {"guardian_name": ["A guardian signs only for a patient under 18."]}),
]


@pytest.mark.parametrize(("changes", "errors"), BAD_INPUT)
def test_bad_input_writes_nothing(world, rehab, person, police_filing, changes, errors):
    before = counts()
    with pytest.raises(FieldErrors) as refused:
        admit(rehab.doctor, person, **changes)
    assert refused.value.fields == errors
    assert counts() == before


def test_several_problems_are_named_together(world, rehab, person):
    with pytest.raises(FieldErrors) as refused:
        admit(rehab.doctor, person, setting="", substances=[], patient_signed=False)
    assert set(refused.value.fields) == {"setting", "substances", "patient_signed"}


def test_a_minor_signs_with_a_guardian_counted_from_the_birth_date(world, rehab, at):
    eighteen_tomorrow = register_at(rehab.doctor, seq=51, name="小明", birth=dt.date(2008, 10, 2))
    eighteen_today = register_at(rehab.doctor, seq=52, name="小红", birth=dt.date(2008, 10, 1))
    before = counts()
    with pytest.raises(FieldErrors) as refused:
        admit(rehab.doctor, eighteen_tomorrow)
    assert refused.value.fields == {
        "guardian_name": ["The patient is 17, under 18: a guardian signs the agreement too."]
    }
    assert counts() == before
    minor = admit(rehab.doctor, eighteen_tomorrow, guardian_name=" 小明父亲 ")
    assert minor.guardian_name == "小明父亲"
    adult = admit(rehab.doctor, eighteen_today)
    assert adult.guardian_name == ""


def test_the_age_of_full_capacity_is_the_regions_policy_value(world, rehab, at):
    from jiedu.core.models import RegionalSetting

    RegionalSetting.objects.create(region_id="350000", key="mmt.adult_age", value="17")
    seventeen = register_at(rehab.doctor, seq=53, name="小刚", birth=dt.date(2009, 9, 30))
    with pytest.raises(FieldErrors) as refused:
        admit(rehab.doctor, seventeen, guardian_name="小刚父亲")
    assert refused.value.fields == {"guardian_name": ["A guardian signs only for a patient under 17."]}
    assert admit(rehab.doctor, seventeen).guardian_name == ""


def test_the_agreement_has_default_wording_a_doctor_can_use(world, rehab, person):
    defaults = services.agreement_defaults()
    assert defaults.planned_days == 30
    # In the deployment's language (Chinese), whoever's session asks for it.
    assert "不因以往吸毒行为受处罚" in defaults.confidentiality
    assert "复吸原剂量可致过量死亡" in defaults.risks
    admission = admit(rehab.doctor, person, terms=defaults)
    assert admission.agreement_termination == defaults.termination


# --- progress notes -------------------------------------------------------------------------------------------


def test_notes_are_appended_and_never_edited(world, rehab, person):
    admission = admit(rehab.doctor, person)
    first = services.progress_note_add(actor=rehab.doctor, admission=admission, text=" 戒断症状轻，睡眠改善 ")
    second = services.progress_note_add(actor=rehab.director, admission=admission, text="查房：情绪稳定")
    assert list(admission.notes.values_list("text", "author__username", "on")) == [
        ("戒断症状轻，睡眠改善", "rehab_doctor", OCT_1),
        ("查房：情绪稳定", "rehab_director", OCT_1),
    ]
    assert first.created_at == NOW
    first.text = "改写"
    with pytest.raises(AppendOnlyError):
        first.save()
    with pytest.raises(AppendOnlyError):
        ProgressNote.objects.filter(pk=second.pk).update(text="改写")
    with pytest.raises(AppendOnlyError):
        second.delete()
    assert list(AuditEntry.objects.filter(action="rehab.note.add").values_list("object_id", flat=True)) == [
        str(second.pk),
        str(first.pk),
    ]


@pytest.mark.parametrize(
    ("on", "text", "errors"),
    [
        (
            OCT_1 + dt.timedelta(days=1),
            "记录",
            {"on": ["A note is written on or after the day it describes."]},
        ),
        (dt.date(2026, 9, 29), "记录", {"on": ["A note cannot describe a day before the admission."]}),
        (OCT_1, "   ", {"text": ["Write the note."]}),
    ],
)
def test_a_note_describes_a_day_of_the_stay(world, rehab, person, on, text, errors):
    admission = admit(rehab.doctor, person, admitted_on=dt.date(2026, 9, 30), signed_on=dt.date(2026, 9, 30))
    before = counts()
    with pytest.raises(FieldErrors) as refused:
        services.progress_note_add(actor=rehab.nurse, admission=admission, text=text, on=on)
    assert refused.value.fields == errors
    assert counts() == before


def test_no_notes_after_the_discharge(world, rehab, person):
    admission = admit(rehab.doctor, person)
    services.admission_discharge(
        actor=rehab.doctor, admission=admission, discharged_on=OCT_1, outcome="completed", summary="完成脱毒"
    )
    before = counts()
    with pytest.raises(FieldErrors) as refused:
        services.progress_note_add(actor=rehab.nurse, admission=admission, text="补记")
    assert refused.value.fields == {
        "text": ["The patient has been discharged; the treatment record is closed."]
    }
    assert counts() == before


# --- discharge ----------------------------------------------------------------------------------------------


def test_the_discharge_is_recorded_once_and_reported_to_nobody(world, rehab, person, police_filing):
    admission = admit(rehab.doctor, person, admitted_on=dt.date(2026, 9, 3), signed_on=dt.date(2026, 9, 3))
    services.progress_note_add(actor=rehab.nurse, admission=admission, text="尿检甲基苯丙胺阴性")
    report = Report.objects.get()
    reports = Report.objects.count()
    done = services.admission_discharge(
        actor=rehab.director,
        admission=admission,
        discharged_on=OCT_1,
        outcome="transferred",
        transferred_to=" 南安市美沙酮维持治疗门诊 ",
        summary="脱毒完成，转介美沙酮维持治疗",
    )
    assert (done.discharged_on, done.outcome, done.transferred_to, done.discharge_summary) == (
        OCT_1,
        "transferred",
        "南安市美沙酮维持治疗门诊",
        "脱毒完成，转介美沙酮维持治疗",
    )
    assert (done.discharged_by, done.discharged_at, done.is_open, done.days_in(dt.date(2026, 12, 1))) == (
        rehab.director,
        NOW,
        False,
        29,
    )
    assert AuditEntry.objects.get(action="rehab.admission.discharge").detail == {
        "outcome": "transferred",
        "days": 29,
    }
    # Nothing but the admission filing leaves the institution.
    assert Report.objects.count() == reports == 1
    ((recipient, fields, via),) = Disclosure.objects.values_list("recipient", "fields", "via")
    assert (recipient, fields, via) == (
        world.police.pk,
        ["name", "id_number", "event"],
        f"report:{report.pk}",
    )
    before = counts()
    with pytest.raises(FieldErrors) as refused:
        services.admission_discharge(
            actor=rehab.doctor,
            admission=admission,
            discharged_on=OCT_1,
            outcome="completed",
            summary="再次出院",
        )
    assert refused.value.fields == {"discharged_on": ["This admission has already been discharged."]}
    assert counts() == before
    admission.refresh_from_db()
    assert admission.outcome == "transferred"


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"outcome": "escaped"}, {"outcome": ["Choose how the stay ended."]}),
        ({"discharged_on": None}, {"discharged_on": ["The discharge date is required."]}),
        (
            {"discharged_on": OCT_1 + dt.timedelta(days=1)},
            {"discharged_on": ["A discharge is recorded on or after the day it happens."]},
        ),
        (
            {"discharged_on": dt.date(2026, 9, 24)},
            {"discharged_on": ["The discharge cannot be before the admission (2026-09-25)."]},
        ),
        ({"outcome": "transferred"}, {"transferred_to": ["Name where the patient was transferred."]}),
        ({"transferred_to": "某医院"}, {"transferred_to": ["Only a transfer names where the patient went."]}),
        ({"summary": " "}, {"summary": ["Write the discharge summary."]}),
    ],
)
def test_bad_discharges_write_nothing(world, rehab, person, changes, errors):
    admission = admit(rehab.doctor, person, admitted_on=dt.date(2026, 9, 25), signed_on=dt.date(2026, 9, 25))
    data = {"discharged_on": OCT_1, "outcome": "terminated", "summary": "治疗期间吸毒，依协议终止治疗"}
    before = counts()
    with pytest.raises(FieldErrors) as refused:
        services.admission_discharge(actor=rehab.doctor, admission=admission, **{**data, **changes})
    assert refused.value.fields == errors
    assert counts() == before
    admission.refresh_from_db()
    assert admission.is_open


def test_staff_of_another_institution_cannot_touch_the_admission(world, rehab, person):
    admission = admit(rehab.doctor, person)
    before = counts()
    with pytest.raises(PermissionDenied) as refused:
        services.progress_note_add(actor=rehab.hospital_doctor, admission=admission, text="会诊")
    assert refused.value.message == "This admission is at another institution."
    with pytest.raises(PermissionDenied):
        services.admission_discharge(
            actor=rehab.hospital_doctor,
            admission=admission,
            discharged_on=OCT_1,
            outcome="other",
            summary="x",
        )
    with pytest.raises(PermissionDenied):
        services.progress_note_add(actor=world.doctor_a, admission=admission, text="会诊")
    assert counts() == before


# --- reads and the database's rules ---------------------------------------------------------------------------


def test_the_persons_record_shows_admissions_to_their_institutions_staff_only(world, rehab, at):
    person = register_at(world.nurse_a)
    register_at(rehab.doctor)
    register_at(rehab.hospital_doctor)
    here = admit(rehab.doctor, person)
    there = admit(rehab.hospital_doctor, person, setting="outpatient")
    assert list(selectors.admissions_for(user=rehab.nurse, person=person)) == [here]
    assert list(selectors.admissions_for(user=rehab.hospital_doctor, person=person)) == [there]
    # MMT clinic A has the person in its care but not the voluntary treatment.
    assert list(selectors.admissions_for(user=world.doctor_a, person=person)) == []
    assert list(selectors.admissions_for(user=world.police, person=person)) == []


def test_the_database_refuses_what_the_services_refuse(world, rehab, person):
    admission = admit(rehab.doctor, person)
    wrong = [
        {"discharged_on": dt.date(2026, 9, 1), "outcome": "completed", "discharge_summary": "x",
         "discharged_by": rehab.doctor, "discharged_at": NOW},  # before the admission
        {"discharged_on": OCT_1},  # no outcome, summary or author
        {"discharged_on": OCT_1, "outcome": "transferred", "discharge_summary": "x", "discharged_by": rehab.doctor,
         "discharged_at": NOW},  # transferred to nowhere
        {"signed_on": dt.date(2026, 10, 2)},  # signed after the admission
        {"planned_days": 0},
        {"agreement_risks": ""},
        {"setting": "day_care"},
        {"number": 0},
    ]  # fmt: skip
    for values in wrong:
        with pytest.raises(IntegrityError), transaction.atomic():
            Admission.objects.filter(pk=admission.pk).update(**values)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgressNote.objects.create(
            admission=admission, on=OCT_1, author=rehab.nurse, text="", created_at=NOW
        )


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_the_database_refuses_to_change_a_note(world, rehab, person):
    admission = admit(rehab.doctor, person)
    note = services.progress_note_add(actor=rehab.nurse, admission=admission, text="入院宣教")
    for sql in (
        "UPDATE rehab_progressnote SET text = 'x' WHERE id = %s",
        "DELETE FROM rehab_progressnote WHERE id = %s",
    ):
        with (
            pytest.raises(Exception, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [note.pk])
    assert ProgressNote.objects.get().text == "入院宣教"
