"""The voluntary rehab pages: the institution's list, admitting through the form, notes and discharge on the
admission's page, the agreement printed as PDF, who is refused, and what the police see of the filing."""

import datetime as dt
import shutil

import pytest
from django.urls import reverse

from jiedu.core.models import AuditEntry
from jiedu.patients.models import Affiliation
from jiedu.rehab import services
from jiedu.rehab.models import Admission, ProgressNote
from jiedu.rehab.tests.conftest import OCT_1, admit, register_at
from jiedu.reports.models import Delivery, Report
from jiedu.testing import make_id_number, poppler

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    client.cookies["django_language"] = "en"


def counts():
    return (
        Admission.objects.count(),
        ProgressNote.objects.count(),
        Report.objects.count(),
        Affiliation.objects.count(),
    )


def admit_form(**changes):
    defaults = services.agreement_defaults()
    data = {
        "setting": "inpatient",
        "admitted_on": "2026-10-01",
        "substances": ["methamphetamine", "ketamine"],
        "substance_other": "",
        "method": defaults.method,
        "planned_days": "21",
        "confidentiality": defaults.confidentiality,
        "rules": defaults.rules,
        "termination": defaults.termination,
        "risks": "戒断反应及复吸过量风险已告知",
        "patient_signed": "on",
        "guardian_name": "",
        "signed_on": "2026-10-01",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_a_doctor_admits_through_the_form_with_the_default_agreement(
    world, rehab, person, police_filing, client
):
    login(client, rehab.doctor)
    url = reverse("rehab:admit") + f"?person={person.pk}"
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["form"]
    assert form["method"].initial == services.agreement_defaults().method
    assert form["planned_days"].initial == 30
    assert form["admitted_on"].initial == OCT_1
    response = client.post(url, admit_form(), follow=True)
    admission = Admission.objects.get()
    assert response.redirect_chain == [(reverse("rehab:detail", args=[admission.pk]), 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "Admitted as number 1. The admission has been filed with the police."
    ]
    assert (admission.substances, admission.planned_days, admission.agreement_risks) == (
        ["methamphetamine", "ketamine"],
        21,
        "戒断反应及复吸过量风险已告知",
    )
    assert Delivery.objects.get().recipient == world.police
    body = response.content.decode()
    assert "Methamphetamine, Ketamine" in body and "戒断反应及复吸过量风险已告知" in body


def test_bad_input_on_the_form_writes_nothing(world, rehab, person, client):
    login(client, rehab.doctor)
    url = reverse("rehab:admit") + f"?person={person.pk}"
    before = counts()
    refused = client.post(url, admit_form(patient_signed=None, substances=[], planned_days="400"))
    assert refused.status_code == 400
    assert refused.context["form"].errors == {
        "substances": ["Choose at least one substance."],
        "planned_days": ["The planned duration is 1 to 365 days."],
        "patient_signed": ["The patient must sign the agreement."],
    }
    assert counts() == before


def test_a_minor_is_flagged_and_needs_the_guardian(world, rehab, at, client):
    minor = register_at(rehab.doctor, seq=61, name="小军", birth=dt.date(2010, 5, 1))
    login(client, rehab.doctor)
    url = reverse("rehab:admit") + f"?person={minor.pk}"
    assert (
        "The patient is 16, under 18: a guardian signs the agreement too." in client.get(url).content.decode()
    )
    refused = client.post(url, admit_form())
    assert refused.status_code == 400
    assert refused.context["form"].errors == {
        "guardian_name": ["The patient is 16, under 18: a guardian signs the agreement too."]
    }
    assert client.post(url, admit_form(guardian_name="小军母亲")).status_code == 302
    assert Admission.objects.get().guardian_name == "小军母亲"


def test_the_admit_page_needs_a_person_in_scope(world, rehab, at, client):
    mmt_only = register_at(world.nurse_a, seq=71, name="周八")
    login(client, rehab.doctor)
    assert client.get(reverse("rehab:admit") + f"?person={mmt_only.pk}").status_code == 404
    assert client.get(reverse("rehab:admit") + "?person=abc").status_code == 404
    assert client.get(reverse("rehab:admit")).status_code == 404
    assert client.post(reverse("rehab:admit") + f"?person={mmt_only.pk}", admit_form()).status_code == 404
    assert not Admission.objects.exists()


def test_the_list_shows_who_is_in_and_who_left_recently(world, rehab, at, client, django_assert_num_queries):
    inpatient = admit(rehab.doctor, register_at(rehab.doctor, seq=11, name="王五"),
                      admitted_on=dt.date(2026, 9, 22), signed_on=dt.date(2026, 9, 22))  # fmt: skip
    outpatient = admit(rehab.doctor, register_at(rehab.doctor, seq=12, name="赵六"), setting="outpatient")
    left = admit(rehab.doctor, register_at(rehab.doctor, seq=13, name="钱七"),
                 admitted_on=dt.date(2026, 9, 1), signed_on=dt.date(2026, 9, 1))  # fmt: skip
    services.admission_discharge(
        actor=rehab.doctor,
        admission=left,
        discharged_on=dt.date(2026, 9, 20),
        outcome="completed",
        summary="好转",
    )
    long_ago = admit(rehab.doctor, register_at(rehab.doctor, seq=14, name="孙九"),
                     admitted_on=dt.date(2026, 8, 1), signed_on=dt.date(2026, 8, 1))  # fmt: skip
    services.admission_discharge(
        actor=rehab.doctor,
        admission=long_ago,
        discharged_on=dt.date(2026, 8, 31),
        outcome="other",
        summary="搬迁",
    )
    services.progress_note_add(actor=rehab.nurse, admission=inpatient, text="入院宣教")
    elsewhere = admit(rehab.hospital_doctor, register_at(rehab.hospital_doctor, seq=15, name="李十"))
    login(client, rehab.nurse)
    with django_assert_num_queries(9):
        page = client.get(reverse("rehab:list"))
    assert page.status_code == 200
    assert [
        (a.person.name, a.get_setting_display(), days, a.note_count) for a, days in page.context["current"]
    ] == [
        ("王五", "Inpatient", 10, 1),
        ("赵六", "Outpatient", 1, 0),
    ]
    assert [(a.person.name, days, a.outcome) for a, days in page.context["discharged"]] == [
        ("钱七", 20, "completed")
    ]
    body = page.content.decode()
    assert (
        "李十" not in body
        and "孙九" not in body
        and elsewhere.pk not in [a.pk for a, _ in page.context["current"]]
    )
    assert f'data-admission="{outpatient.pk}"' in body


def test_notes_and_discharge_on_the_admissions_page(world, rehab, person, client):
    admission = admit(rehab.doctor, person)
    url = reverse("rehab:detail", args=[admission.pk])
    login(client, rehab.nurse)
    page = client.get(url)
    assert page.context["note_form"] is not None and page.context["discharge_form"] is None
    assert (
        AuditEntry.objects.filter(
            action="person.view", detail={"part": f"rehab_admission:{admission.pk}"}
        ).count()
        == 1
    )
    response = client.post(reverse("rehab:note", args=[admission.pk]), {"on": "2026-10-01", "text": "生命体征平稳"},
                           follow=True)  # fmt: skip
    assert [str(m) for m in response.context["messages"]] == ["The note is added."]
    assert "生命体征平稳" in response.content.decode()
    refused = client.post(
        reverse("rehab:note", args=[admission.pk]), {"on": "2026-10-02", "text": "明日记录"}
    )
    assert refused.status_code == 400
    assert refused.context["note_form"].errors == {
        "on": ["A note is written on or after the day it describes."]
    }
    # A nurse does not discharge.
    data = {
        "discharged_on": "2026-10-01",
        "outcome": "left_against_advice",
        "summary": "患者要求出院",
        "transferred_to": "",
    }
    assert client.post(reverse("rehab:discharge", args=[admission.pk]), data).status_code == 403
    assert Admission.objects.get().is_open
    login(client, rehab.director)
    assert client.get(url).context["discharge_form"] is not None
    bad = client.post(reverse("rehab:discharge", args=[admission.pk]), {**data, "outcome": "transferred"})
    assert bad.status_code == 400
    assert bad.context["discharge_form"].errors == {
        "transferred_to": ["Name where the patient was transferred."]
    }
    assert Admission.objects.get().is_open
    done = client.post(reverse("rehab:discharge", args=[admission.pk]), data, follow=True)
    assert [str(m) for m in done.context["messages"]] == ["The discharge is recorded."]
    assert done.context["note_form"] is None and done.context["discharge_form"] is None
    assert "Left against medical advice" in done.content.decode()
    assert ProgressNote.objects.count() == 1 and Report.objects.count() == 1


def test_mmt_staff_and_other_institutions_are_refused(world, rehab, person, client):
    admission = admit(rehab.doctor, person)
    for user in (world.nurse_a, world.doctor_a, world.director_a):
        login(client, user)
        for url in (reverse("rehab:list"), reverse("rehab:detail", args=[admission.pk]),
                    reverse("rehab:agreement", args=[admission.pk])):  # fmt: skip
            response = client.get(url)
            assert response.status_code == 403, (user, url)
            assert "张三丰" not in response.content.decode()
        before = counts()
        assert (
            client.post(
                reverse("rehab:note", args=[admission.pk]), {"on": "2026-10-01", "text": "x"}
            ).status_code
            == 403
        )
        assert counts() == before
    # Another rehab institution's doctor: the page exists for them, the admission does not.
    login(client, rehab.hospital_doctor)
    assert client.get(reverse("rehab:list")).status_code == 200
    assert client.get(reverse("rehab:detail", args=[admission.pk])).status_code == 404
    assert client.get(reverse("rehab:agreement", args=[admission.pk])).status_code == 404
    assert (
        client.post(reverse("rehab:note", args=[admission.pk]), {"on": "2026-10-01", "text": "x"}).status_code
        == 404
    )


def test_the_police_receive_the_filing_and_nothing_clinical(world, rehab, person, police_filing, client):
    admit(rehab.doctor, person, substances=["methamphetamine", "cannabis"],
          terms=services.AgreementTerms(method="住院脱毒治疗", planned_days=14, confidentiality="保密",
                                        rules="院规", termination="终止条件", risks="风险告知"))  # fmt: skip
    login(client, world.users["police"])
    body = client.get(reverse("reports:inbox")).content.decode()
    assert "张三丰" in body and "Voluntary-rehab admission filing" in body
    for clinical in ("Methamphetamine", "Cannabis", "住院脱毒治疗", "风险告知", "Inpatient"):
        assert clinical not in body
    # The community office received nothing (the recipient rule names only the police).
    assert list(Delivery.objects.values_list("recipient", flat=True)) == [world.police.pk]


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils is installed by .ci/run")
def test_the_agreement_prints_with_every_section_and_the_signature_lines(world, rehab, at, client, tmp_path):
    minor = register_at(rehab.doctor, seq=81, name="林小虎", birth=dt.date(2010, 5, 1))
    admission = admit(rehab.doctor, minor, guardian_name="林大山", substances=["ketamine"])
    login(client, rehab.nurse)
    response = client.get(reverse("rehab:agreement", args=[admission.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="voluntary-agreement-{rehab.institution.pk}-1.pdf"'
    )
    pdf = tmp_path / "agreement.pdf"
    pdf.write_bytes(response.content)
    text = " ".join(poppler("pdftotext", str(pdf), "-").split())
    for expected in (
        "Voluntary drug treatment agreement",
        "林小虎",
        minor.id_number_masked,
        "南安市医院戒毒治疗科",
        "Admission number 1",
        "Ketamine",
        "1. Treatment method",
        "住院脱毒：对症药物治疗，心理咨询，防复吸指导",
        "2. Planned duration",
        "28 days",
        "3. Confidentiality",
        "本院对患者身份及治疗信息保密",
        "4. Rules of the institution",
        "不得携带毒品、酒类及违禁物品入院",
        "5. Termination of treatment",
        "患者可随时告知医生终止治疗",
        "6. Risks explained",
        "戒断后耐受性下降",
        "Patient:",
        "Guardian (林大山):",
        "Doctor:",
        "(rehab_doctor)",
        "Date: 2026-10-01",
    ):
        assert expected in text, expected
    assert make_id_number(birth=minor.birth_date, seq=81) not in text  # the full number is not printed
    assert AuditEntry.objects.filter(action="rehab.agreement.print", object_id=str(admission.pk)).count() == 1


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils is installed by .ci/run")
def test_an_adults_agreement_has_no_guardian_line(world, rehab, person, client, tmp_path):
    admission = admit(rehab.doctor, person)
    login(client, rehab.doctor)
    pdf = tmp_path / "adult.pdf"
    pdf.write_bytes(client.get(reverse("rehab:agreement", args=[admission.pk])).content)
    text = poppler("pdftotext", str(pdf), "-")
    assert "张三丰" in text and "Guardian" not in text
