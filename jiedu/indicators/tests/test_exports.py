"""The indicator report as files: the workbook (cells, formats, suppression), the CSV (BOM, long rows), the
quarterly notification (text, fonts, rendered page) and who may download them. The history is small and its
figures are worked out in the fixture's docstring."""

import csv
import datetime as dt
import io
import shutil
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from jiedu.core import clock
from jiedu.core.models import AuditEntry
from jiedu.indicators import exports, reports, services
from jiedu.indicators.dictionary import BY_CODE, INDICATORS
from jiedu.pharmacy import services as pharmacy
from jiedu.pharmacy.models import StockBalance
from jiedu.registry.models import Region
from jiedu.testing import build_clinic_stock, poppler

pytestmark = pytest.mark.django_db
D = dt.date
AS_OF = D(2025, 6, 30)
Q2 = D(2025, 4, 1)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
A_NAME, B_NAME = "南安市美沙酮维持治疗门诊", "南安市第二美沙酮门诊"

needs_poppler = pytest.mark.skipif(
    not shutil.which("pdftoppm"), reason="poppler-utils is installed by .ci/run"
)


@pytest.fixture
def history(world, records, monkeypatch):
    """Second quarter of 2025, figures as of 30 June.

    Clinic A (南安): six persons enrolled on 2 January, dosed every day to 30 June at 60 mg, each with a negative
    urine test on 15 May. Clinic B (南安): five persons enrolled on 1 April at 40 mg, never urine-tested; the
    fifth leaves voluntarily on 20 June. 晋江: three persons enrolled on 1 April at 60 mg.

    南安 in Q2: 11 in treatment, 5 new; 6 of 11 on ≥ 60 mg (54.5 %); urine coverage 6 of 11 (54.5 %, target
    100: not met); one exit (below 5: suppressed). League (the clinics of 南安): A ranks 1 on all five
    indicators with a figure (dropout and HIV testing tied with B): mean 1.00; B ranks 2 on ≥ 60 mg (0.0) and
    urine coverage (0.0, below the target), 1 on dropout and HIV testing, has no tests to rate: mean 1.50. In
    Q1 A was alone and first: no change; B had no figures. By name B would come first (第 sorts before 美).

    Stock: clinic A's dispensing store is counted 2 mL short on 30 June, clinic B's without a variance."""
    r = records

    def at(day, hour=9):
        moment = dt.datetime(day.year, day.month, day.day, hour, tzinfo=clock.SHANGHAI)
        monkeypatch.setattr(clock, "now", lambda: moment)

    for _n in range(6):
        person = r.person()
        episode = r.episode(person, start=D(2025, 1, 2))
        r.doses(episode, D(2025, 1, 2), AS_OF)
        r.test(person, D(2025, 5, 15), "urine", "negative", episode=episode)
    for n in range(5):
        person = r.person()
        leaves = n == 4
        last = D(2025, 6, 20) if leaves else AS_OF
        episode = r.episode(
            person,
            clinic=world.clinic_b,
            start=Q2,
            end=last if leaves else None,
            reason="voluntary" if leaves else "",
        )
        r.doses(episode, Q2, last, mg="40")
    for _n in range(3):
        episode = r.episode(r.person(), clinic=world.clinic_elsewhere, start=Q2)
        r.doses(episode, Q2, AS_OF)
    at(D(2025, 6, 1))
    stores = build_clinic_stock(world)
    at(AS_OF, hour=20)
    for clinic, keeper, witness, short in (
        (world.clinic_a, "keeper_a", "nurse_a", "2"),
        (world.clinic_b, "keeper_b", "nurse_b", "0"),
    ):
        store = stores[clinic.pk]
        pharmacy.day_close(
            actor=world.users[keeper],
            witness=world.users[witness],
            store=store,
            day=AS_OF,
            counts={
                b.batch_id: b.quantity - Decimal(short) for b in StockBalance.objects.filter(store=store)
            },
        )
    services.rollup_rebuild(as_of=AS_OF)


def county_report(world):
    return reports.build(area=reports.Area(region=world.county), kind="Q", start=Q2)


def login(client, user, language="en"):
    client.force_login(user)
    client.cookies["django_language"] = language


def rows(sheet, first=1):
    return [list(r) for r in sheet.iter_rows(min_row=first, values_only=True)]


def exports_audited():
    return list(
        AuditEntry.objects.filter(action="indicators.export").order_by("seq").values_list("detail", flat=True)
    )


# --- the workbook ---------------------------------------------------------------------------------------------


def test_the_workbook_has_a_formatted_sheet_per_table(world, history):
    book = load_workbook(io.BytesIO(exports.workbook(county_report(world))))
    assert book.sheetnames == [
        "Key indicators",
        "League table",
        "Trend",
        "Exits",
        "Stock variance",
        "Dictionary",
    ]
    title = "南安市 · 2025 Q2 · figures as of 2025-06-30 · counts below 5 are shown as “<5”"
    for sheet in book.worksheets:
        assert sheet["A1"].value == title
        assert sheet["A1"].font.bold is True
        assert all(cell.font.bold and cell.fill.fgColor.rgb == "00D9E1F2" for cell in sheet[2])

    key = book["Key indicators"]
    assert key.freeze_panes == "B3"
    assert (key.page_setup.orientation, key.column_dimensions["A"].width) == ("landscape", 26)
    assert rows(key, 2)[0] == [
        "Indicator", "Unit", "2025 Q2", "Numerator", "Denominator", "2025 Q1", "Target", "Status",
    ]  # fmt: skip
    by_code = {line.indicator.code: n for n, line in enumerate(county_report(world).lines, start=3)}
    assert len(by_code) == 18  # the yearly annual retention and coverage are not in a quarter
    assert rows(key, 3)[0] == ["Persons in treatment", "persons", 11, 11, None, 6, None, None]
    dose = by_code["dose_ge60"]
    assert rows(key, dose)[0] == ["Share on 60 mg or more", "%", 54.5, 6, 11, 100, None, None]
    assert [key.cell(dose, c).number_format for c in (3, 4, 5, 6)] == ["0.0", "0", "0", "0.0"]
    assert key.cell(3, 3).number_format == "0"
    urine = by_code["urine_coverage"]
    assert rows(key, urine)[0] == ["Urine test coverage", "%", 54.5, 6, 11, 0, 100, "not met"]
    assert key.cell(urine, 7).number_format == '"≥ "0.0'
    assert key.cell(urine, 8).fill.fgColor.rgb == "00FFC7CE"
    # One exit in the county: below the threshold, written "<5" without its count.
    assert rows(key, by_code["exits"])[0] == ["Exits by reason", "count", "<5", None, None, 0, None, None]
    assert rows(key, by_code["art_linkage"])[0] == ["ART linkage", "%", None, 0, 0, None, 95, None]

    league = book["League table"]
    assert league.freeze_panes == "D3"
    assert rows(league, 2) == [
        ["Rank", "Change", "Unit", "Cohort retention at 3 months", "Dropout rate", "Share on 60 mg or more",
         "Urine test coverage", "Urine test positive rate", "HIV testing coverage", "Mean rank"],
        [1, 0, A_NAME, None, 0, 100, 100, 0, 0, 1],
        [2, None, B_NAME, None, 0, 0, 0, None, 0, 1.5],
    ]  # fmt: skip
    assert [league.cell(3, c).number_format for c in (1, 5, 6, 10)] == ["0", "0.0", "0.0", "0.00"]

    trend = book["Trend"]
    assert rows(trend, 2)[0] == [
        "Period", "Persons in treatment", "Dropout rate", "Mean daily dose", "Urine test positive rate",
        "Cohort retention at 3 months",
    ]  # fmt: skip
    assert rows(trend, 3) == [
        *[[label, None, None, None, None, None] for label in
          ("2023 Q3", "2023 Q4", "2024 Q1", "2024 Q2", "2024 Q3", "2024 Q4")],
        ["2025 Q1", 6, 0, 60, None, 100],
        ["2025 Q2", 11, 0, 51, 0, None],
    ]  # fmt: skip
    assert [trend.cell(10, c).number_format for c in (2, 3, 4)] == ["0", "0.0", "0.0"]

    assert rows(book["Exits"], 2) == [["Exit reason", "Episodes"], ["Voluntary withdrawal", "<5"]]

    variance = book["Stock variance"]
    assert rows(variance, 2) == [
        ["Organisation", "Store", "Drug", "Unit", "Counts", "With a variance", "Book − counted", "Shortfall"],
        [B_NAME, "发药柜", "盐酸美沙酮口服溶液", "mL", 1, 0, 0, 0],
        [A_NAME, "发药柜", "盐酸美沙酮口服溶液", "mL", 1, 1, 2, 2],
    ]
    assert [variance.cell(4, c).number_format for c in (5, 7)] == ["0", "0.00"]

    dictionary = rows(book["Dictionary"], 2)
    assert dictionary[0] == [
        "Code", "Indicator", "Definition", "Numerator", "Denominator", "Unit", "Periods", "Breakdowns",
        "Better when", "Source", "WHO SMART",
    ]  # fmt: skip
    assert [r[0] for r in dictionary[1:]] == [i.code for i in INDICATORS]
    retention = BY_CODE["annual_retention"]
    assert dictionary[4] == [
        "annual_retention",
        "Annual retention",
        retention.definition_en,
        "persons dosed in December of the year",
        "persons dosed in the year",
        "%",
        "Y",
        "region, organisation, sex, age band, period",
        "higher",
        "DOMAIN §5; target seed 002 (≥ 90 %)",
        "Differs: WHO retention is a cohort measure (see the 6- and 12-month cohort retention).",
    ]


def test_the_workbook_speaks_the_active_language(world, history):
    with translation.override("zh-hans"):
        book = load_workbook(io.BytesIO(exports.workbook(county_report(world))))
    key = book.worksheets[0]
    assert [key["C2"].value, key["F2"].value] == ["2025年第2季度", "2025年第1季度"]
    assert [key["A3"].value, key["A4"].value] == ["在治人数", "新入组人数"]
    assert book.worksheets[1]["D2"].value == "3个月队列保持率"


# --- the CSV --------------------------------------------------------------------------------------------------


def test_the_csv_is_long_with_a_bom_and_suppressed_cells_empty(world, history, client):
    login(client, world.users["officer"])
    response = client.get(reverse("indicators:csv"), {"region": "350583", "period": "2025-Q2"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="indicators-350583-2025-Q2.csv"'
    raw = b"".join(response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert table[0] == [
        "area_code", "area_name", "period", "indicator", "value", "numerator", "denominator", "suppressed",
    ]  # fmt: skip
    assert len(table) == 1 + 18 + 2 * 6  # headline lines, then two clinics × six league indicators
    by_key = {(r[0], r[3]): r for r in table[1:]}
    assert by_key[("350583", "urine_coverage")] == [
        "350583", "南安市", "2025-Q2", "urine_coverage", "54.5", "6", "11", "0",
    ]  # fmt: skip
    assert by_key[("350583", "exits")] == ["350583", "南安市", "2025-Q2", "exits", "", "", "", "1"]
    b = f"clinic:{world.clinic_b.pk}"
    assert by_key[(b, "urine_coverage")] == [b, B_NAME, "2025-Q2", "urine_coverage", "0.0", "0", "5", "0"]
    a = f"clinic:{world.clinic_a.pk}"
    assert by_key[(a, "retention_3m")] == [a, A_NAME, "2025-Q2", "retention_3m", "", "0", "0", "0"]
    assert exports_audited() == [{"format": "csv", "area": "350583", "period": "2025-Q2"}]


def test_the_csv_of_a_prefecture_suppresses_a_small_county(world, history):
    prefecture = Region.objects.get(code="350500")
    report = reports.build(area=reports.Area(region=prefecture), kind="Q", start=Q2)
    by_key = {(r[0], r[3]): r for r in exports.csv_rows(report)}
    assert by_key[("350500", "in_treatment")] == [
        "350500",
        "泉州市",
        "2025-Q2",
        "in_treatment",
        "14",
        "14",
        "",
        "0",
    ]
    # 晋江: three persons — every rate built on them is hidden.
    assert by_key[("350582", "dose_ge60")] == ["350582", "晋江市", "2025-Q2", "dose_ge60", "", "", "", "1"]
    assert by_key[("350583", "dose_ge60")] == [
        "350583",
        "南安市",
        "2025-Q2",
        "dose_ge60",
        "54.5",
        "6",
        "11",
        "0",
    ]


# --- the notification -----------------------------------------------------------------------------------------


def test_the_notification_says_only_what_the_report_holds(world, history):
    context = exports.notification_context(county_report(world), issuer="南安市卫生健康局")
    assert context["title"] == (
        "Notification on the key indicators of methadone maintenance treatment in 南安市, 2025 Q2"
    )
    assert context["opening"] == (
        "This notification covers 2 clinics of 南安市 for 2025 Q2 (2 of them ranked). The figures describe the "
        "records up to June 30, 2025; counts below 5 are not shown."
    )
    assert [(r["rank"], r["change"], r["name"], r["values"], r["mean_rank"]) for r in context["rows"]] == [
        (1, 0, A_NAME, ["—", "0.0 %", "100.0 %", "100.0 %", "0.0 %", "0.0 %"], Decimal("1.00")),
        (2, None, B_NAME, ["—", "0.0 %", "0.0 %", "0.0 %", "—", "0.0 %"], Decimal("1.50")),
    ]
    assert context["targets"] == [
        "Urine test coverage: 54.5 %, target ≥ 100 % — not met.",
        "ART linkage: no figure for the period; target ≥ 95 %.",
    ]
    assert context["missed"] == [
        {
            "indicator": "Urine test coverage",
            "target": "≥ 100 %",
            "units": [{"name": B_NAME, "value": "0.0 %"}],
        }
    ]
    assert (context["issuer"], context["issued_on"]) == ("南安市卫生健康局", "June 30, 2025")


@needs_poppler
def test_the_notification_pdf_in_chinese(world, history, client, tmp_path):
    from PIL import Image

    login(client, world.users["officer"], "zh-hans")
    response = client.get(reverse("indicators:notification"), {"region": "350583", "period": "2025-Q2"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="indicators-350583-2025-Q2.pdf"'
    pdf = tmp_path / "notification.pdf"
    pdf.write_bytes(response.content)
    text = "".join(poppler("pdftotext", "-layout", str(pdf), "-").split())
    with translation.override("zh-hans"):
        heading = exports.notification_title(county_report(world))
    assert "南安市" in heading and "2025年第2季度" in heading
    assert "".join(heading.split()) in text
    # The units in rank order; the clinic in 晋江 is not one of 南安's units.
    assert text.index(A_NAME) < text.index(B_NAME)
    assert "晋江市美沙酮门诊" not in text
    assert "南安市卫生健康局" in text and "2025年6月30日" in text
    fonts = poppler("pdffonts", str(pdf))
    cjk = [line for line in fonts.splitlines() if "CJK" in line]
    assert cjk and all(" yes yes yes " in line for line in cjk), fonts  # embedded, subset, ToUnicode
    assert "Type 3" not in fonts
    poppler(
        "pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(tmp_path / "page")
    )
    page = Image.open(tmp_path / "page.png").convert("L")
    assert page.width > page.height  # landscape
    heading_band = page.crop((0, 0, page.width, page.height // 6))
    dark = sum(heading_band.histogram()[:128])  # pixels darker than mid-grey
    assert dark > 100, dark
    assert exports_audited() == [{"format": "pdf", "area": "350583", "period": "2025-Q2"}]


# --- who may download what ------------------------------------------------------------------------------------


def test_the_officer_downloads_their_county_and_nothing_outside(world, history, client):
    login(client, world.users["officer"])
    response = client.get(reverse("indicators:workbook"))  # the default: the last complete quarter, at home
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"] == 'attachment; filename="indicators-350583-2025-Q2.xlsx"'
    assert response["Cache-Control"] == "private, no-store"
    assert load_workbook(io.BytesIO(response.content))["League table"]["C3"].value == A_NAME
    for name in ("indicators:workbook", "indicators:csv", "indicators:notification"):
        assert client.get(reverse(name), {"region": "350582", "period": "2025-Q2"}).status_code == 404
        assert client.get(reverse(name), {"region": "350583", "period": "2025-Q5"}).status_code == 404
        assert client.get(reverse(name), {"clinic": world.clinic_elsewhere.pk}).status_code == 404
    assert client.post(reverse("indicators:workbook")).status_code == 405
    assert exports_audited() == [{"format": "xlsx", "area": "350583", "period": "2025-Q2"}]


def test_a_clinic_director_gets_the_clinic_workbook_and_no_notification(world, history, client):
    login(client, world.users["director_a"])
    response = client.get(reverse("indicators:workbook"), {"period": "2025-Q2"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="indicators-clinic-{world.clinic_a.pk}-2025-Q2.xlsx"'
    )
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Key indicators", "Trend", "Exits", "Stock variance", "Dictionary"]
    assert book["Key indicators"]["A1"].value == (
        f"{A_NAME} · 2025 Q2 · figures as of 2025-06-30 · counts below 5 are shown as “<5”"
    )
    assert rows(book["Stock variance"], 3) == [[A_NAME, "发药柜", "盐酸美沙酮口服溶液", "mL", 1, 1, 2, 2]]
    assert client.get(reverse("indicators:notification"), {"period": "2025-Q2"}).status_code == 404
    assert client.get(reverse("indicators:workbook"), {"clinic": world.clinic_b.pk}).status_code == 404
    csv_response = client.get(reverse("indicators:csv"), {"period": "2025-Q2"})
    table = list(csv.reader(io.StringIO(b"".join(csv_response.streaming_content).decode("utf-8-sig"))))
    a = f"clinic:{world.clinic_a.pk}"
    assert table[1] == [a, A_NAME, "2025-Q2", "in_treatment", "6", "6", "", "0"]
    assert exports_audited() == [
        {"format": "xlsx", "area": world.clinic_a.pk, "period": "2025-Q2"},
        {"format": "csv", "area": world.clinic_a.pk, "period": "2025-Q2"},
    ]


def test_before_the_first_rollup_the_files_say_so(world, client):
    login(client, world.users["officer"])
    book = load_workbook(io.BytesIO(client.get(reverse("indicators:workbook")).content))
    assert "· figures as of not yet computed ·" in book["Key indicators"]["A1"].value
    # No figures yet: nobody is ranked, and the units are listed by name.
    assert [r[:3] for r in rows(book["League table"], 3)] == [[None, None, B_NAME], [None, None, A_NAME]]
    assert client.get(reverse("indicators:notification")).status_code == 200


def test_a_nurse_is_denied_every_download(world, client):
    login(client, world.users["nurse_a"])
    for name in ("indicators:workbook", "indicators:csv", "indicators:notification"):
        assert client.get(reverse(name)).status_code == 403
    assert exports_audited() == []
    assert AuditEntry.objects.filter(action="access.denied").count() == 3
