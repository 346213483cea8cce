"""The bulletin pages: the inbox (unread first), the bulletin on screen (read once) and as PDF, what the police
see of it, and the issue form of the narcotics office."""

import datetime as dt
import shutil

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jiedu.bulletins.models import Bulletin, BulletinDelivery
from jiedu.bulletins.services import bulletin_issue
from jiedu.bulletins.tests.conftest import OCTOBER
from jiedu.core.models import AuditEntry
from jiedu.labs.models import LabTest
from jiedu.referrals.models import Referral
from jiedu.testing import poppler

pytestmark = pytest.mark.django_db

needs_poppler = pytest.mark.skipif(
    not shutil.which("pdftotext"), reason="poppler-utils is installed by .ci/run"
)

#: Words that would tell the reader something about HIV (in English and in Chinese).
HIV_WORDS = ("HIV", "艾滋", "antiretroviral", "抗病毒", "ART")


def login(client, user, language="en"):
    client.force_login(user)
    client.cookies["django_language"] = language


def pdf_text(client, bulletin, tmp_path):
    response = client.get(reverse("bulletins:pdf", args=[bulletin.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "bulletin.pdf"
    pdf.write_bytes(response.content)
    return " ".join(poppler("pdftotext", "-layout", str(pdf), "-").split())


@needs_poppler
def test_the_pdf_shows_the_county_the_month_and_the_figures(world, county, october, client, tmp_path):
    bulletin = bulletin_issue(county=world.county, month=OCTOBER).bulletin
    login(client, world.director_a)
    response = client.get(reverse("bulletins:pdf", args=[bulletin.pk]))
    assert response["Content-Disposition"] == 'attachment; filename="bulletin-350583-2026-10-v1.pdf"'
    text = pdf_text(client, bulletin, tmp_path)
    for expected in (
        "南安市 2026/10 work bulletin on drug rehabilitation medical services",
        "Version 1, issued 2026-11-02 09:00",
        # clinic, enrolments, first-ever, re-enrolments, in treatment, dropouts, exits, urine tests, positive
        "南安市美沙酮维持治疗门诊 3 2 1 3 1 3 2 1",
        "南安市第二美沙酮门诊 1 1 0 2 0 0 1 1",
        "Total 4 3 1 4 1 3 3 2",
        "Voluntary withdrawal 1 0 1",
        "Community rehab → MMT 1 2",
        "MMT → voluntary rehab 1 0",
        "MMT enrolment filing 4",
        "溪美街道社区戒毒社区康复工作站 11",
        "南安市公安局溪美派出所 2",
    ):
        assert expected in text, expected
    assert AuditEntry.objects.filter(action="bulletin.print", object_id=str(bulletin.pk)).count() == 2
    # Printing is not reading: only the page on screen marks the organisation's copy read.
    assert BulletinDelivery.objects.get(bulletin=bulletin, recipient=world.clinic_a).read_at is None


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_police_see_the_figures_and_nothing_about_hiv(world, county, october, client, tmp_path, language):
    # In the month: 李四's HIV-positive test and the referral to free ART it set off.
    assert LabTest.objects.get(kind="hiv").result == "positive"
    assert Referral.objects.get(kind="art").made_at.date() == dt.date(2026, 10, 10)
    bulletin = bulletin_issue(county=world.county, month=OCTOBER).bulletin
    login(client, world.users["police"], language)
    page = client.get(reverse("bulletins:detail", args=[bulletin.pk])).content.decode()
    assert "南安市美沙酮维持治疗门诊" in page and "溪美街道社区戒毒社区康复工作站" in page
    texts = {"page": page}
    if shutil.which("pdftotext"):
        texts["pdf"] = pdf_text(client, bulletin, tmp_path)
        assert "南安市第二美沙酮门诊" in texts["pdf"]
    for where, text in texts.items():
        for word in HIV_WORDS:
            assert word not in text, (where, word)
    # The referral rows are the five kinds other than ART, and their total leaves ART's referral out.
    assert client.get(reverse("bulletins:detail", args=[bulletin.pk])).context["tables"].referrals_total == (
        2,
        2,
    )


def test_the_page_marks_the_organisations_copy_read_once(world, county, october, client, at):
    bulletin = bulletin_issue(county=world.county, month=OCTOBER).bulletin
    login(client, world.doctor_a)
    page = client.get(reverse("bulletins:detail", args=[bulletin.pk]))
    assert page.status_code == 200
    assert "南安市 2026/10 work bulletin on drug rehabilitation medical services" in page.content.decode()
    at(dt.date(2026, 11, 3))
    login(client, world.director_a)
    client.get(reverse("bulletins:detail", args=[bulletin.pk]))
    delivery = BulletinDelivery.objects.get(bulletin=bulletin, recipient=world.clinic_a)
    assert (delivery.read_by, delivery.read_at) == (
        world.doctor_a,
        dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.UTC),
    )
    assert list(
        BulletinDelivery.objects.filter(read_at__isnull=False).values_list("recipient", flat=True)
    ) == [world.clinic_a.pk]
    assert AuditEntry.objects.filter(action="bulletin.read").count() == 1


def test_the_inbox_lists_the_organisations_bulletins_unread_first(world, county, october, client, at):
    september = bulletin_issue(county=world.county, month=dt.date(2026, 9, 1)).bulletin
    first = bulletin_issue(county=world.county, month=OCTOBER).bulletin
    elsewhere = bulletin_issue(county=world.other_county, month=OCTOBER).bulletin
    login(client, world.users["community"])
    client.get(reverse("bulletins:detail", args=[first.pk]))
    second = bulletin_issue(
        county=world.county, month=OCTOBER, actor=county.narcotics, reason="更正"
    ).bulletin
    page = client.get(reverse("bulletins:list"))
    rows = [(d.bulletin, d.read_at is not None, d.latest_version) for d in page.context["deliveries"]]
    assert rows == [(second, False, 2), (september, False, 1), (first, True, 2)]
    assert "Replaced by version 2" in page.content.decode()
    assert page.context["form"] is None  # community workers do not issue
    # Another county's bulletin was not delivered here: not found, and nothing marked read.
    for name in ("bulletins:detail", "bulletins:pdf"):
        assert client.get(reverse(name, args=[elsewhere.pk])).status_code == 404
    assert BulletinDelivery.objects.filter(bulletin=elsewhere, read_at__isnull=False).count() == 0


def test_the_inbox_takes_a_fixed_number_of_queries(world, county, client, at):
    at(dt.date(2026, 11, 2))
    login(client, world.users["police"])

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("bulletins:list")).status_code == 200
        return len(ctx.captured_queries)

    bulletin_issue(county=world.county, month=OCTOBER)
    few = queries()
    for month in range(1, 9):
        bulletin_issue(county=world.county, month=dt.date(2026, month, 1))
    bulletin_issue(county=world.county, month=OCTOBER, reason="更正")
    assert len(client.get(reverse("bulletins:list")).context["deliveries"]) == 10
    assert queries() == few


def test_the_narcotics_office_issues_and_reissues_from_the_page(world, county, october, client):
    login(client, county.narcotics)
    page = client.get(reverse("bulletins:list"))
    form = page.context["form"]
    assert (form.initial["month"], list(form.fields["county"].choices)) == ("2026-10", [("350583", "南安市")])
    url = reverse("bulletins:issue")
    response = client.post(url, {"county": "350583", "month": "2026-10", "reason": ""})
    assert response.status_code == 302 and response["Location"] == reverse("bulletins:list")
    bulletin = Bulletin.objects.get()
    assert (bulletin.version, bulletin.made_by) == (1, county.narcotics)
    refused = client.post(url, {"county": "350583", "month": "2026-10", "reason": ""})
    assert refused.status_code == 400
    assert refused.context["form"].errors == {
        "reason": [
            "This month's bulletin was issued already (version 1). To issue a new version, give the reason."
        ]
    }
    for data, errors in (
        ({"county": "350583", "month": "2026-11"}, {"month": ["A bulletin covers a month that is over."]}),
        ({"county": "350583", "month": "10/2026"}, {"month": ["Give the month as YYYY-MM."]}),
        (
            {"county": "350582", "month": "2026-10"},
            {"county": ["Select a valid choice. 350582 is not one of the available choices."]},
        ),
    ):
        response = client.post(url, data)
        assert (response.status_code, response.context["form"].errors) == (400, errors)
    assert Bulletin.objects.count() == 1
    client.post(url, {"county": "350583", "month": "2026-10", "reason": "补录尿检"})
    assert list(Bulletin.objects.values_list("version", "reason")) == [(2, "补录尿检"), (1, "")]
    # The office is a participant: it receives what it issued.
    assert [d.bulletin.version for d in client.get(reverse("bulletins:list")).context["deliveries"]] == [2, 1]
