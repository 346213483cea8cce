"""Keeping a unit's registers (who may, validation, append-only history, files) and assessing it: the scores per
dimension and the gaps from built registers, an adjustment kept with its reason, confirmation; audit rows."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest

from jiedu.capability import selectors, services
from jiedu.capability.files import DocumentError, read_document
from jiedu.capability.models import (
    Assessment,
    AssessmentStep,
    Collaboration,
    CriterionResult,
    Department,
    DimensionScore,
    Equipment,
    EquipmentCheck,
    RuleDocument,
    RuleVersion,
)
from jiedu.capability.tests.data import CENTRE_OVERALL, CENTRE_SCORES, pdf
from jiedu.core.errors import DomainError, FieldErrors, PermissionDenied
from jiedu.core.models import AppendOnlyError, AuditEntry
from jiedu.registry.models import Organisation, OrganisationType

pytestmark = pytest.mark.django_db
D = dt.date


def written():
    return tuple(
        m.objects.count()
        for m in (Department, Equipment, EquipmentCheck, RuleDocument, RuleVersion, Collaboration, Assessment,
                  CriterionResult, AssessmentStep, AuditEntry)
    )  # fmt: skip


def refused(call, exc_type=DomainError):
    before = written()
    with pytest.raises(exc_type) as caught:
        call()
    assert written() == before
    return caught.value


# --- the registers ---------------------------------------------------------------------------------------------------


def test_only_the_units_head_keeps_its_registers(world, today):
    made = services.department_register(
        actor=world.director_a, unit=world.clinic_a, kind="pharmacy", name="发药室", opened_on=D(2006, 9, 1)
    )
    assert (made.organisation, made.registered_by) == (world.clinic_a, world.director_a)
    entry = AuditEntry.objects.get(action="capability.department")
    assert entry.detail == {"unit": world.clinic_a.pk, "kind": "pharmacy", "name": "发药室"}
    for actor, unit in (
        (world.director_a, world.clinic_b),
        (world.officer, world.clinic_a),
        (world.inspector, world.clinic_a),
        (world.nurse_a, world.clinic_a),
    ):
        error = refused(
            lambda actor=actor, unit=unit: services.department_register(
                actor=actor, unit=unit, kind="pharmacy", name="发药室", opened_on=D(2006, 9, 1)
            ),
            PermissionDenied,
        )
    assert error.message == "Only the head of 南安市美沙酮维持治疗门诊 keeps its registers."
    error = refused(
        lambda: services.department_register(
            actor=world.director_a,
            unit=world.dosing_point_a,
            kind="pharmacy",
            name="x",
            opened_on=D(2020, 1, 1),
        ),
        PermissionDenied,
    )
    assert error.message == "Only compulsory-centre medical units and MMT clinics keep these registers."


def test_register_errors_name_the_fields_and_write_nothing(world, today):
    error = refused(
        lambda: services.equipment_register(
            actor=world.director_a, unit=world.clinic_a, kind="scanner", name="", acquired_on=D(2026, 5, 21),
            checked_on=D(2026, 5, 20), check_kind="maintenance", condition="",
        ),
        FieldErrors,
    )  # fmt: skip
    assert error.fields == {
        "kind": ["Choose one of the listed values."],
        "name": ["Enter the equipment's name."],
        "acquired_on": ["The day cannot be in the future."],
        "checked_on": ["A check cannot be before the equipment was acquired."],
        "condition": ["Choose one of the listed values."],
    }
    error = refused(
        lambda: services.collaboration_register(
            actor=world.director_a, unit=world.clinic_a, kind="medical_consortium", partner=" ",
            agreement_on=None, valid_from=D(2026, 1, 1), valid_to=D(2025, 12, 31),
        ),
        FieldErrors,
    )  # fmt: skip
    assert error.fields == {
        "partner": ["Name the partner."],
        "agreement_on": ["Enter the day the agreement was signed."],
        "valid_to": ["The agreement cannot end before it starts."],
    }


def test_a_check_and_a_closure_are_new_rows_and_history_is_never_edited(world, today):
    item = services.equipment_register(
        actor=world.director_a, unit=world.clinic_a, kind="urine_analyser", name="尿液分析仪", acquired_on=D(2024, 1, 1),
        checked_on=D(2025, 12, 1), check_kind="maintenance", condition="working",
    )  # fmt: skip
    error = refused(
        lambda: services.equipment_check(
            actor=world.director_a,
            equipment=item,
            checked_on=D(2026, 5, 2),
            check_kind="condition",
            condition="out_of_service",
        ),
        FieldErrors,
    )
    assert error.fields == {"note": ["Say what is wrong."]}
    services.equipment_check(
        actor=world.director_a,
        equipment=item,
        checked_on=D(2026, 5, 2),
        check_kind="condition",
        condition="out_of_service",
        note="主板损坏",
    )
    assert list(item.checks.order_by("checked_on").values_list("checked_on", "kind", "condition")) == [
        (D(2025, 12, 1), "maintenance", "working"),
        (D(2026, 5, 2), "condition", "out_of_service"),
    ]
    with pytest.raises(AppendOnlyError):
        item.checks.update(condition="working")
    department = services.department_register(
        actor=world.director_a, unit=world.clinic_a, kind="laboratory", name="检验室", opened_on=D(2010, 1, 1)
    )
    services.department_close(
        actor=world.director_a, department=department, closed_on=D(2026, 5, 1), reason="并入南安市医院检验科"
    )
    error = refused(
        lambda: services.department_close(
            actor=world.director_a, department=department, closed_on=D(2026, 5, 2), reason="x"
        )
    )
    assert error.message == "The department is closed already."


def test_rule_documents_take_checked_files_and_new_versions_supersede(world, today, settings):
    first = services.rule_add(
        actor=world.director_a, unit=world.clinic_a, title="美沙酮口服溶液管理制度", category="drug_management",
        version="2023版", effective_on=D(2023, 1, 1), document=pdf("v2023"), note="五专管理",
    )  # fmt: skip
    assert (first.number, first.content_type, first.file_extension, first.file_name) == (
        1,
        "application/pdf",
        ".pdf",
        "v2023.pdf",
    )
    assert first.file.name == f"capability/rules/{first.file_token}.pdf"
    assert (settings.MEDIA_ROOT / first.file.name).read_bytes().startswith(b"%PDF-")
    error = refused(
        lambda: services.rule_revise(
            actor=world.director_a,
            document=first.document,
            version="2023版",
            effective_on=D(2022, 12, 31),
            upload=None,
        ),
        FieldErrors,
    )
    assert error.fields == {
        "file": ["Attach the document (PDF, Word, or a scan as PNG or JPEG)."],
        "effective_on": ["A new version takes effect on or after the current one (2023-01-01)."],
        "version": ["This version is in the library already."],
    }
    second = services.rule_revise(
        actor=world.director_a,
        document=first.document,
        version="2026版",
        effective_on=D(2026, 7, 1),
        upload=pdf("v2026"),
    )
    assert second.number == 2
    assert list(
        AuditEntry.objects.filter(action__startswith="capability.rule").values_list("action", "detail")
    ) == [
        ("capability.rule_version", {"unit": world.clinic_a.pk, "version": "2026版", "number": 2}),
        (
            "capability.rule",
            {
                "unit": world.clinic_a.pk,
                "title": "美沙酮口服溶液管理制度",
                "category": "drug_management",
                "version": "2023版",
            },
        ),
    ]
    error = refused(
        lambda: services.rule_add(
            actor=world.director_a,
            unit=world.clinic_a,
            title="美沙酮口服溶液管理制度",
            category="drug_management",
            version="x",
            effective_on=D(2023, 1, 1),
            document=pdf(),
        ),
        FieldErrors,
    )
    assert error.fields == {"title": ["The library holds a document of this title: add a new version to it."]}


def test_only_documents_of_known_types_and_size_are_accepted():
    assert (
        read_document(io.BytesIO(b"\x89PNG\r\n\x1a\n...."), size=12, name="C:\\scans\\rule.png").name
        == "rule.png"
    )
    docx = b"PK\x03\x04" + b"\x00" * 26 + b"word/document.xml"
    assert read_document(io.BytesIO(docx), size=len(docx), name="r.docx").extension == ".docx"
    with pytest.raises(DocumentError, match="The file is not a PDF, a Word document or a PNG or JPEG image."):
        read_document(io.BytesIO(b"<html>rules</html>"), size=18, name="rules.pdf")
    with pytest.raises(DocumentError, match="The file is 10241 KB; the limit is 10240 KB."):
        read_document(io.BytesIO(b"%PDF-"), size=10 * 1024 * 1024 + 1024, name="big.pdf")
    with pytest.raises(DocumentError, match="The file is empty."):
        read_document(io.BytesIO(b""), size=0, name="empty.pdf")


# --- assessing -------------------------------------------------------------------------------------------------------


def test_assessing_the_centre_computes_each_dimension_from_its_registers(world, centre):
    unit, head = centre
    made = services.assessment_create(actor=world.officer, unit=unit, on=D(2026, 5, 20))
    assert (made.framework.code, made.status, made.score, made.computed_score) == (
        "compulsory-centre-2022",
        "draft",
        CENTRE_OVERALL,
        CENTRE_OVERALL,
    )
    # departments 6/11 (internal medicine 2, psychiatry 3, pharmacy 1; not infectious 2, laboratory 2 (closed),
    # imaging 1); equipment 5/11 (X-ray 2, biochemistry 2, defibrillator 1); staff 4/10 (GP 2, nurses 2);
    # rules 3/6; collaboration 5/11; qualifications 4/9; overall 279.9 ÷ 6 = 46.65 → 46.7.
    assert (
        dict(DimensionScore.objects.filter(assessment=made).values_list("dimension", "computed"))
        == CENTRE_SCORES
    )
    assert selectors.final_scores(made) == CENTRE_SCORES
    found = {r.criterion.code: (r.found, r.required, r.met) for r in made.results.select_related("criterion")}
    assert found["staff_nurses"] == (3, 3, True)
    assert found["staff_total"] == (6, 8, False)
    assert found["eq_ultrasound"] == (0, 1, False)
    assert found["rules_quality"] == (1, 1, True)
    entry = AuditEntry.objects.get(action="capability.assess")
    assert entry.detail == {
        "unit": unit.pk,
        "on": "2026-05-20",
        "framework": "compulsory-centre-2022",
        "scores": {d: str(s) for d, s in CENTRE_SCORES.items()},
        "score": "46.7",
    }


def test_the_gap_list_names_every_criterion_not_met_with_what_is_missing(world, centre):
    unit, head = centre
    made = services.assessment_create(actor=world.inspector, unit=unit, on=D(2026, 5, 20))
    gaps = [(g.dimension, g.criterion, g.missing) for g in selectors.assessment_view(made).gaps]
    within = "(checked working and maintained or calibrated within 365 days) of 1 registered; 1 required."
    assert gaps == [
        ("Institution and departments", "Has an infectious diseases department", "Infectious diseases: no department in service."),
        ("Institution and departments", "Has a laboratory", "Laboratory: no department in service."),
        ("Institution and departments", "Has an imaging department", "Imaging: no department in service."),
        ("Facilities and equipment", "B-mode ultrasound in working order", f"B-mode ultrasound: 0 in working order {within}"),
        ("Facilities and equipment", "Blood analyser in working order", f"Blood analyser: 0 in working order {within}"),
        ("Facilities and equipment", "Electrocardiograph in working order", "Electrocardiograph: none registered; 1 required in working order."),
        ("Facilities and equipment", "Emergency trolley in working order", f"Emergency trolley: 0 in working order {within}"),
        ("Staff structure", "At least 1 psychiatrist with a valid practising certificate", "Psychiatrist: 0 with a practising certificate valid on the day; 1 required."),
        ("Staff structure", "At least 1 pharmacist with a valid registration", "Pharmacist: 0 with a practising certificate valid on the day; 1 required."),
        ("Staff structure", "At least 8 medical staff in post", "Medical staff in post: 6; 8 required."),
        ("Rules and regulations", "Drug and controlled-substance rules in force", "Drug and controlled-substance management: 0 rules in force; 1 required."),
        ("Rules and regulations", "Infection-control rules in force", "Infection control: 0 rules in force; 1 required."),
        ("Social collaboration", "In a local medical consortium", "Medical consortium: no agreement in force on the day."),
        ("Social collaboration", "Telemedicine link in place", "Telemedicine link: no agreement in force on the day."),
        ("Social collaboration", "Dedicated ward at a local hospital", "Dedicated ward at a local hospital: no agreement in force on the day."),
        ("Qualifications", "Drug-treatment medical qualification valid", "Drug-treatment medical qualification: none valid on the day."),
        ("Qualifications", "Purchase seal card valid", "Narcotic and psychotropic drug purchase seal card: none valid on the day."),
    ]  # fmt: skip


def test_an_earlier_day_reads_the_registers_as_they_stood(world, centre):
    unit, head = centre
    made = services.assessment_create(actor=world.officer, unit=unit, on=D(2026, 2, 1))
    scores = selectors.final_scores(made)
    # On 1 February the laboratory was open, the blood analyser working, the psychiatrist's certificate valid,
    # the biochemistry analyser not yet acquired, the telemedicine link in force, the seal card valid.
    assert scores["departments"] == Decimal("72.7")  # 8/11
    assert scores["equipment"] == Decimal(
        "63.6"
    )  # X-ray, B-ultrasound (258 days), blood analyser, defibrillator: 7/11
    assert scores["staff"] == Decimal("70.0")  # GP, psychiatrist, nurses (the fourth was still in post): 7/10
    assert scores["collaboration"] == Decimal("63.6")  # alliance, telemedicine, paired support: 7/11
    assert scores["qualifications"] == Decimal("66.7")  # 6/9


def test_an_adjustment_is_kept_with_its_reason_and_confirmation_locks(world, centre):
    unit, head = centre
    made = services.assessment_create(actor=world.officer, unit=unit, on=D(2026, 5, 20))
    error = refused(
        lambda: services.assessment_adjust(
            actor=world.officer, assessment=made, dimension="morale", score="101", reason=""
        ),
        FieldErrors,
    )
    assert error.fields == {
        "dimension": ["Choose a dimension of this assessment."],
        "score": ["Enter a score from 0 to 100, at most one decimal place."],
        "reason": ["Say why the score is adjusted."],
    }
    services.assessment_adjust(
        actor=world.officer,
        assessment=made,
        dimension="staff",
        score="60",
        reason="外聘精神科医师已到岗，证书换发中",
    )
    made.refresh_from_db()
    assert (made.score, made.computed_score) == (Decimal("50.0"), CENTRE_OVERALL)  # 299.9 ÷ 6 = 49.98 → 50.0
    assert selectors.final_scores(made)["staff"] == Decimal("60.0")
    assert DimensionScore.objects.get(assessment=made, dimension="staff").computed == Decimal("40.0")
    step = AssessmentStep.objects.get(assessment=made, kind="adjusted")
    assert (step.dimension, step.score, step.reason, step.by) == (
        "staff",
        Decimal("60.0"),
        "外聘精神科医师已到岗，证书换发中",
        world.officer,
    )
    assert AuditEntry.objects.get(action="capability.adjust").detail == {
        "unit": unit.pk,
        "dimension": "staff",
        "computed": "40.0",
        "score": "60",
        "reason": "外聘精神科医师已到岗，证书换发中",
        "overall": "50.0",
    }
    error = refused(lambda: services.assessment_confirm(actor=head, assessment=made), PermissionDenied)
    assert (
        error.message
        == "Only inspectors and health officers of the unit's region assess 南安市强制隔离戒毒所."
    )
    services.assessment_confirm(actor=world.inspector, assessment=made)
    made.refresh_from_db()
    assert made.status == "confirmed"
    assert list(made.steps.order_by("pk").values_list("kind", flat=True)) == [
        "computed",
        "adjusted",
        "confirmed",
    ]
    error = refused(
        lambda: services.assessment_adjust(
            actor=world.officer, assessment=made, dimension="rules", score="80", reason="x"
        )
    )
    assert error.message == "The assessment is confirmed and locked."
    refused(lambda: services.assessment_confirm(actor=world.officer, assessment=made))


def test_who_assesses(world, today):
    jinjiang = Organisation.objects.create(
        name="晋江市卫生健康局", type=OrganisationType.HEALTH_COMMISSION, region=world.other_county
    )
    from jiedu.accounts.models import Role
    from jiedu.workforce.tests.data import user

    outsider = user("jinjiang_officer", jinjiang, Role.HEALTH_OFFICER)
    for actor in (world.director_a, world.nurse_a, world.auditor, outsider):
        refused(
            lambda actor=actor: services.assessment_create(
                actor=actor, unit=world.clinic_a, on=D(2026, 5, 20)
            ),
            PermissionDenied,
        )
    error = refused(
        lambda: services.assessment_create(actor=world.officer, unit=world.clinic_a, on=D(2026, 5, 21)),
        FieldErrors,
    )
    assert error.fields == {"on": ["A unit is assessed on a day that has come."]}
    empty = services.assessment_create(actor=world.inspector, unit=world.clinic_a, on=D(2026, 5, 20))
    assert (empty.framework.code, empty.score) == ("mmt-clinic-2022", Decimal("0.0"))
    assert selectors.final_scores(empty) == {
        d: Decimal("0.0")
        for d in ("departments", "equipment", "staff", "rules", "collaboration", "qualifications")
    }
