"""The pages: the list, recording and correcting through the forms (errors beside each field, nothing written),
the history, evidence files, campaigns, and the totals page with its workbook and CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from jiedu.campaigns import services
from jiedu.campaigns.models import Campaign, CampaignChange, Event, EventVersion, Evidence
from jiedu.campaigns.selectors import snapshot, version_with_parts
from jiedu.campaigns.tests.data import kind, photo_upload, setting
from jiedu.core.models import AuditEntry, RegionalSetting
from jiedu.testing import jpeg_bytes

pytestmark = pytest.mark.django_db

NEW = reverse("campaigns:event_new")
TOTALS = reverse("campaigns:totals")


def login(client, user, language="en"):
    client.force_login(user)
    if language:
        client.cookies["django_language"] = language


def text(response) -> str:
    """The page's text without tags, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def form_data(world, organiser, **changes):
    """What the event form posts: a school lecture of 南安市 on 20 June 2026, two materials, one media item."""
    data = {
        "event-organiser": str(organiser.pk),
        "event-campaign": "",
        "event-title": "禁毒知识进校园专题讲座",
        "event-held_on": "2026-06-20",
        "event-county": "350583",
        "event-place": "南安市第一中学",
        "event-setting": str(setting("school").pk),
        "event-format": "lecture",
        "event-participants": "400",
        "event-summary": "",
        "groups-students": "380",
        "groups-officials": "20",
        "materials-TOTAL_FORMS": "3",
        "materials-INITIAL_FORMS": "0",
        "materials-0-kind": "booklet",
        "materials-0-description": "青少年毒品预防教育读本",
        "materials-0-quantity": "400",
        "materials-1-kind": "poster",
        "materials-1-quantity": "10",
        "media-TOTAL_FORMS": "2",
        "media-INITIAL_FORMS": "0",
        "media-0-outlet": "南安发布",
        "media-0-kind": "wechat",
        "media-0-published_on": "2026-06-21",
        "media-0-title": "禁毒教育进校园",
        "media-0-link": "https://mp.weixin.qq.com/s/abc",
        "control-key": "form-key-1",
    }
    data.update(changes)
    return data


# --- the list -----------------------------------------------------------------------------------------------------


def test_the_list_is_in_chinese_by_default_and_shows_the_events_in_scope(client, world, people, scene):
    login(client, world.officer, language=None)
    response = client.get(reverse("campaigns:list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="zh-hans">' in page
    assert "学校" in page and "Schools" not in page
    assert f'id="event-{scene.school.pk}"' in page and f'id="event-{scene.jinjiang.pk}"' not in page
    assert f'id="event-{scene.last_year.pk}"' not in page  # 2025: another period


def test_the_list_filters_by_period_setting_and_campaign(client, world, people, scene):
    login(client, world.officer)
    page = client.get(
        reverse("campaigns:list"), {"period": "2026", "setting": setting("venue").pk}
    ).content.decode()
    assert re.findall(r'id="event-(\d+)"', page) == [str(scene.venue.pk)]
    page = client.get(
        reverse("campaigns:list"), {"period": "2026", "campaign": scene.campaign_626.pk}
    ).content.decode()
    assert re.findall(r'id="event-(\d+)"', page) == [str(scene.family.pk), str(scene.school.pk)]
    page = text(client.get(reverse("campaigns:list"), {"period": "2025-Q4"}))
    assert "防艾宣传进校园" in page and "禁毒家庭教育讲座" not in page
    page = text(client.get(reverse("campaigns:list"), {"period": "2026-06"}))
    assert "重复登记的宣传活动 withdrawn" in page
    login(client, world.users["police"])
    page = client.get(reverse("campaigns:list")).content.decode()
    assert re.findall(r'id="event-(\d+)"', page) == [str(scene.venue.pk)]
    assert 'id="record-event"' not in page


# --- recording and correcting -------------------------------------------------------------------------------------


def test_recording_an_event_through_the_form(client, world, people):
    login(client, world.users["cdc"])
    page = client.get(NEW).content.decode()
    assert 'name="event-organiser"' in page and 'type="hidden" name="event-organiser"' in page
    assert 'name="control-key"' in page
    response = client.post(NEW, form_data(world, world.cdc))
    event = Event.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("campaigns:event", args=[event.pk])
    version = version_with_parts(event.current_id)
    shot = snapshot(version)
    assert (event.organiser, version.participants, shot["groups"]) == (
        world.cdc,
        400,
        (("officials", 20), ("students", 380)),
    )
    assert shot["materials"] == (("booklet", "青少年毒品预防教育读本", 400), ("poster", "", 10))
    assert shot["media"] == (
        ("南安发布", "wechat", dt.date(2026, 6, 21), "禁毒教育进校园", "https://mp.weixin.qq.com/s/abc"),
    )
    assert "The event is recorded." in text(client.get(response["Location"]))
    # The same form sent again (the same key) records nothing more.
    again = client.post(NEW, form_data(world, world.cdc))
    assert again["Location"] == reverse("campaigns:event", args=[event.pk])
    assert Event.objects.count() == 1
    assert "This event was recorded already: the form was sent twice." in text(client.get(again["Location"]))


def test_errors_are_shown_beside_each_field_and_nothing_is_written(client, world, people, scene):
    login(client, world.users["cdc"])
    before = (
        EventVersion.objects.count(),
        AuditEntry.objects.filter(action__startswith="campaign_event").count(),
    )
    response = client.post(
        NEW,
        form_data(
            world,
            world.cdc,
            **{
                "event-participants": "-3",
                "event-campaign": str(scene.campaign_626.pk),
                "event-held_on": "2026-07-01",
                "materials-1-quantity": "",
                "media-0-link": "javascript:alert(1)",
                "groups-students": "many",
            },
        ),
    )
    assert response.status_code == 400
    page = text(response)
    assert "Students: enter a whole number, 0 or more." in page
    # The form's own messages come first; once it reads, the service's.
    response = client.post(
        NEW,
        form_data(
            world,
            world.cdc,
            **{
                "event-participants": "-3",
                "event-campaign": str(scene.campaign_626.pk),
                "event-held_on": "2026-07-01",
                "materials-1-quantity": "",
                "media-0-link": "javascript:alert(1)",
            },
        ),
    )
    assert response.status_code == 400
    page = text(response)
    assert "Participants: enter a whole number, 0 or more." in page
    assert "Date: 2026-07-01 is outside the campaign “2026年南安市626” (2026-06-01 to 2026-06-30)." in page
    assert "Materials, row 2: enter a quantity of 1 or more." in page
    assert "Media coverage, row 1: the link must be a web address starting with http:// or https://." in page
    html = response.content.decode()
    assert 'id="id_event-participants-errors"' in html and 'id="id_event-held_on-errors"' in html
    assert 'value="javascript:alert(1)"' in html  # kept in the form, never made a link
    assert (
        EventVersion.objects.count(),
        AuditEntry.objects.filter(action__startswith="campaign_event").count(),
    ) == before


def test_the_narcotics_office_records_a_police_event_through_the_form(client, world, people):
    login(client, people.narcotics)
    page = client.get(NEW).content.decode()
    assert f'<option value="{world.police.pk}">南安市公安局溪美派出所</option>' in page
    assert (
        f'<option value="{world.cdc.pk}">'
        not in page.split('name="event-organiser"')[1].split("</select>")[0]
    )
    response = client.post(NEW, form_data(world, world.police, **{"control-key": "k2"}))
    assert response.status_code == 302
    event = Event.objects.get()
    assert (event.organiser, event.created_by) == (world.police, people.narcotics)
    # Not an organisation that records its own events.
    response = client.post(NEW, form_data(world, world.cdc, **{"control-key": "k3"}))
    assert response.status_code == 400
    assert "Select a valid choice." in text(response)


def test_correcting_through_the_form_keeps_the_history(client, world, people, scene):
    url = reverse("campaigns:event_correct", args=[scene.school.pk])
    login(client, world.users["cdc"])
    page = client.get(url).content.decode()
    assert 'name="event-participants" value="300"' in page
    assert 'name="control-seen" value="1"' in page
    data = form_data(
        world,
        world.cdc,
        **{
            "event-campaign": str(scene.campaign_626.pk),
            "event-held_on": "2026-06-05",
            "event-participants": "320",
            "groups-students": "300",
            "control-seen": "1",
            "control-reason": "",
            "media-0-published_on": "2026-06-06",
        },
    )
    response = client.post(url, data)
    assert response.status_code == 400
    assert "Reason: say what is corrected." in text(response)
    response = client.post(url, {**data, "control-reason": "按签到表更正人数"})
    assert response.status_code == 302, text(response)
    scene.school.refresh_from_db()
    assert (scene.school.current.number, scene.school.current.participants) == (2, 320)
    page = text(client.get(reverse("campaigns:event", args=[scene.school.pk])))
    assert "The correction is saved as version 2." in page
    assert "按签到表更正人数" in page and "Recorded" in page
    history = client.get(reverse("campaigns:event", args=[scene.school.pk])).content.decode()
    row = history.split('data-version="2"')[1].split("</tr>")[0]
    assert "title, place, participants, participants by group, materials handed out, media coverage" in row
    # The version seen is stale now.
    response = client.post(url, {**data, "control-reason": "再改", "event-participants": "330"})
    assert response.status_code == 400
    assert "Someone else corrected this event at the same moment: reload the page and try again." in text(
        response
    )


def test_withdrawing_an_event_through_its_page(client, world, people, scene):
    url = reverse("campaigns:event_withdraw", args=[scene.school.pk])
    login(client, world.users["cdc"])
    response = client.post(url, {"withdraw-reason": "", "seen": "1"})
    assert response.status_code == 400 and "Reason: say why the event is withdrawn." in text(response)
    response = client.post(url, {"withdraw-reason": "活动取消", "seen": "1"})
    assert response.status_code == 302
    page = text(client.get(response["Location"]))
    assert "The event is withdrawn: it counts in no total." in page
    assert "Withdrawn by cdc on 2026-07-15 09:00: 活动取消. It counts in no total." in page
    assert 'id="correct-event"' not in client.get(response["Location"]).content.decode()


# --- evidence -----------------------------------------------------------------------------------------------------


def test_uploading_serving_and_withdrawing_a_photo(client, world, people, scene):
    login(client, world.users["cdc"])
    upload = io.BytesIO(jpeg_bytes((40, 30)))
    upload.name = "现场照片.png"
    response = client.post(
        reverse("campaigns:evidence_upload", args=[scene.school.pk]),
        {"evidence-file": upload, "evidence-caption": "讲座现场"},
    )
    assert response.status_code == 302
    item = Evidence.objects.get()
    assert (item.name, item.content_type) == ("现场照片.jpg", "image/jpeg")
    page = client.get(reverse("campaigns:event", args=[scene.school.pk])).content.decode()
    assert f'src="{reverse("campaigns:evidence", args=[item.pk])}"' in page
    # The officer of the county reads it; the file is served with no caching and its own type.
    login(client, world.officer)
    served = client.get(reverse("campaigns:evidence", args=[item.pk]))
    assert served.status_code == 200
    assert (served["Content-Type"], served["Cache-Control"], served["X-Content-Type-Options"]) == (
        "image/jpeg",
        "private, no-store",
        "nosniff",
    )
    assert b"".join(served.streaming_content) == open(item.file.path, "rb").read()
    login(client, people.jinjiang)
    assert client.get(reverse("campaigns:evidence", args=[item.pk])).status_code == 404
    login(client, world.users["cdc"])
    response = client.post(
        reverse("campaigns:evidence_withdraw", args=[item.pk]), {f"file{item.pk}-reason": "模糊"}
    )
    assert response.status_code == 302
    assert client.get(reverse("campaigns:evidence", args=[item.pk])).status_code == 404
    assert "withdrawn by cdc on 2026-07-15: 模糊" in text(
        client.get(reverse("campaigns:event", args=[scene.school.pk]))
    )


def test_a_pdf_is_downloaded_and_a_wrong_file_is_refused(client, world, people, scene):
    login(client, world.users["cdc"])
    pdf = io.BytesIO(b"%PDF-1.4\n%%EOF\n")
    pdf.name = "签到表.pdf"
    client.post(reverse("campaigns:evidence_upload", args=[scene.school.pk]), {"evidence-file": pdf})
    item = Evidence.objects.get()
    served = client.get(reverse("campaigns:evidence", args=[item.pk]))
    assert served["Content-Type"] == "application/pdf"
    assert served["Content-Disposition"].startswith("attachment;")
    bad = io.BytesIO(b"MZ\x90\x00 not a photo")
    bad.name = "photo.jpg"
    response = client.post(
        reverse("campaigns:evidence_upload", args=[scene.school.pk]), {"evidence-file": bad}
    )
    assert response.status_code == 400
    assert "File: upload a photo (JPEG, PNG or WebP) or a PDF document." in text(response)
    response = client.post(reverse("campaigns:evidence_upload", args=[scene.school.pk]), {})
    assert response.status_code == 400 and "File: choose a photo or a PDF document." in text(response)
    assert Evidence.objects.count() == 1


def test_a_withdrawn_events_file_page_offers_no_upload(client, world, people, scene):
    services.evidence_add(actor=world.users["cdc"], event=scene.school, upload=photo_upload())
    services.event_withdraw(actor=world.users["cdc"], event=scene.school, reason="取消")
    login(client, world.users["cdc"])
    page = client.get(reverse("campaigns:event", args=[scene.school.pk])).content.decode()
    assert 'id="evidence-form"' not in page and 'id="event-withdraw"' not in page


# --- campaigns ----------------------------------------------------------------------------------------------------


def test_opening_and_correcting_a_campaign_through_the_forms(client, world, people):
    login(client, people.narcotics)
    data = {
        "kind": str(kind("121").pk),
        "year": "2026",
        "name": "2026年南安市“12·1”世界艾滋病日宣传活动",
        "theme": "应检尽检",
        "starts_on": "2026-11-20",
        "ends_on": "2026-12-10",
    }
    page = text(client.get(reverse("campaigns:campaign_new")))
    assert "Usual dates: 26 June, International Day against Drug Abuse: 06-01 – 06-30" in page
    response = client.post(reverse("campaigns:campaign_new"), data)
    campaign = Campaign.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "campaigns:campaign", args=[campaign.pk]
    )
    assert (campaign.region_id, campaign.created_by) == ("350583", people.narcotics)
    response = client.post(reverse("campaigns:campaign_new"), {**data, "ends_on": "2026-11-01"})
    assert response.status_code == 400
    page = text(response)
    assert "Kind: 南安市 has its 2026 campaign of “1 December, World AIDS Day” already." in page
    assert "Last day: the campaign ends on or after its first day." in page
    url = reverse("campaigns:campaign_correct", args=[campaign.pk])
    response = client.post(url, {**data, "starts_on": "2026-11-15", "reason": "提前启动"})
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.starts_on == dt.date(2026, 11, 15)
    assert CampaignChange.objects.get().reason == "提前启动"
    page = text(client.get(reverse("campaigns:campaign", args=[campaign.pk])))
    assert "The campaign is corrected." in page and "提前启动" in page and "2026-11-20 – 2026-12-10" in page
    # The health officer of the same county corrects it too; the CDC does not open one.
    login(client, world.officer)
    assert client.get(url).status_code == 200
    login(client, world.users["cdc"])
    assert client.get(reverse("campaigns:campaign_new")).status_code == 403


def test_the_campaigns_of_a_year(client, world, people, scene):
    login(client, world.users["community"])
    page = client.get(reverse("campaigns:campaigns"), {"year": "2025"}).content.decode()
    assert f'id="campaign-{scene.campaign_121_last_year.pk}"' in page
    assert f'id="campaign-{scene.campaign_626.pk}"' not in page
    assert 'id="open-campaign"' not in page
    page = text(client.get(reverse("campaigns:campaign", args=[scene.campaign_626.pk])))
    assert "禁毒家庭教育讲座" in page and "防范新型毒品进校园专题讲座" not in page  # the community's own only


# --- totals -------------------------------------------------------------------------------------------------------


def test_the_totals_page_of_the_county(client, world, people, scene):
    login(client, world.officer)
    response = client.get(TOTALS, {"period": "2026"})
    assert response.status_code == 200
    page = response.content.decode()
    county = page.split('data-county="350583">')[1].split("</tr>")[0]
    assert re.sub(r"<[^>]+>|\s+", " ", county).split() == [
        "南安市",
        "5",
        "630",
        "520",
        "1",
        "4",
        "/",
        "6",
        "(66.7",
        "%)",
        "not",
        "met",
    ]
    assert 'data-light="red"' in county
    assert 'data-setting="school"' in page and 'data-kind="publicity_month"' in page
    chart = json.loads(
        page.split('<script id="campaign-charts" type="application/json">')[1].split("</script>")[0]
    )
    assert chart["labels"] == [
        "Schools",
        "Workplaces",
        "Families",
        "Entertainment and public venues",
        "Communities",
        "Villages",
        "Elsewhere",
    ]
    assert chart["series"][0] == {"name": "Events", "data": [1, 1, 1, 1, 0, 0, 1]}
    assert chart["series"][1]["data"] == [300, 150, 60, 80, 0, 0, 40]
    assert "/static/vendor/echarts/echarts.min.js" in page and "/static/campaigns/totals.js" in page
    assert f'href="{reverse("campaigns:totals_workbook")}?region=350583&amp;period=2026"' in page
    assert 'id="county-chart"' not in page  # one county: no chart of counties
    quarter = text(client.get(TOTALS, {"period": "2026-Q2"}))
    assert "Targets apply to a whole year: choose a year to see them." in quarter


def test_the_yearly_targets_read_in_the_singular_and_the_plural(client, world, people, scene):
    login(client, world.officer)
    page = text(client.get(TOTALS, {"period": "2026"}))
    assert (
        "Yearly targets for each county: 6 of the six settings covered, 1 event in each setting, 1 event under "
        "each key campaign."
    ) in page
    RegionalSetting.objects.create(key="campaigns.target.events_per_setting", region=world.county, value=2)
    RegionalSetting.objects.create(key="campaigns.target.key_campaign_events", region=world.county, value=3)
    page = text(client.get(TOTALS, {"period": "2026"}))
    assert (
        "Yearly targets for each county: 6 of the six settings covered, 2 events in each setting, 3 events "
        "under each key campaign."
    ) in page


def test_the_prefecture_drills_down_and_nobody_reads_outside_their_region(client, world, people, scene):
    login(client, people.prefecture)
    page = client.get(TOTALS, {"period": "2026"}).content.decode()
    assert 'href="?region=350583&period=2026"' in page and 'id="county-chart"' in page
    page = client.get(TOTALS, {"period": "2026", "region": "350583"}).content.decode()
    assert '<a href="?region=350500&period=2026">泉州市</a>' in page
    login(client, people.jinjiang)
    assert client.get(TOTALS, {"region": "350583"}).status_code == 404
    login(client, world.users["cdc"])
    assert client.get(TOTALS, {"region": "350500"}).status_code == 404
    page = text(client.get(TOTALS, {"period": "2026"}))
    assert "Counted: the events 南安市疾病预防控制中心 organises or co-organises" in page
    assert "3 events, 400 participants, 500 materials handed out, 1 media item." in page


def test_the_workbook_has_a_sheet_per_table(client, world, people, scene):
    login(client, world.officer)
    response = client.get(reverse("campaigns:totals_workbook"), {"period": "2026"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="education-events-350583-2026.xlsx"'
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Counties", "Settings", "Key campaigns", "Campaigns", "Events"]
    counties = book["Counties"]
    assert (
        counties["A1"].value
        == "Education events · 南安市 · 2026 · every event held or organised in the region"
    )
    assert [c.value for c in counties[2]] == [
        "County", "Code", "Events", "Participants", "Materials handed out", "Media items", "Settings covered",
        "Share of the six settings (%)", "Target", "Status",
    ]  # fmt: skip
    assert [c.value for c in counties[3]] == ["南安市", "350583", 5, 630, 520, 1, 4, 66.7, 6, "not met"]
    assert counties["J3"].fill.fgColor.rgb == "00FFC7CE"
    assert counties["H3"].number_format == "0.0" and counties.freeze_panes == "B3"
    settings = book["Settings"]
    assert [c.value for c in settings[3]] == ["Schools", "Yes", 1, 300, 500, 1, 1, 1, 1, 1, "met"]
    assert [c.value for c in settings[9]] == ["Elsewhere", "No", 1, 40, 0, 0, 1, None, 1, None, None]
    keys = book["Key campaigns"]
    assert [[c.value for c in row] for row in keys.iter_rows(min_row=3)] == [
        ["26 June, International Day against Drug Abuse", 2, 360, 500, 1, 1, 1, 1, "met"],
        ["1 December, World AIDS Day", 0, 0, 0, 0, 0, 1, 1, "not met"],
        ["National drug-control publicity month", 0, 0, 0, 0, 0, 1, 1, "not met"],
    ]
    campaigns = book["Campaigns"]
    assert [[c.value for c in row] for row in campaigns.iter_rows(min_row=3)] == [
        ["2026年南安市626", "626-2026", 2, 360, 500, 1],
        ["Held on its own (no campaign)", None, 3, 270, 20, 0],
    ]
    events = book["Events"]
    rows = [[c.value for c in row] for row in events.iter_rows(min_row=3)]
    assert len(rows) == 5
    assert [rows[0][0].date(), *rows[0][1:4]] == [
        dt.date(2026, 6, 18),
        "禁毒家庭教育讲座",
        "溪美街道社区戒毒社区康复工作站",
        "南安市",
    ]
    assert rows[1][7:] == [300, 500, 1, 1]
    entry = AuditEntry.objects.get(action="campaigns.export")
    assert entry.detail == {"format": "xlsx", "area": "350583", "period": "2026"}


def test_the_csv_is_long_and_matches_the_page(client, world, people, scene):
    login(client, world.officer)
    response = client.get(reverse("campaigns:totals_csv"), {"period": "2026-Q2"})
    assert response.status_code == 200
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content)))
    assert rows[0] == [
        "area_code", "period", "table", "code", "name", "events", "participants", "materials", "media_items",
        "settings_covered", "light",
    ]  # fmt: skip
    assert rows[1] == ["350583", "2026-Q2", "county", "350583", "南安市", "3", "400", "500", "1", "2", ""]
    assert rows[2] == ["350583", "2026-Q2", "setting", "school", "Schools", "1", "300", "500", "1", "", ""]
    assert rows[-2] == [
        "350583",
        "2026-Q2",
        "campaign",
        "626-2026",
        "2026年南安市626",
        "2",
        "360",
        "500",
        "1",
        "",
        "",
    ]
    assert rows[-1] == [
        "350583",
        "2026-Q2",
        "campaign",
        "",
        "Held on its own (no campaign)",
        "1",
        "40",
        "0",
        "0",
        "",
        "",
    ]
    assert len(rows) == 1 + 1 + 7 + 3 + 2
    assert AuditEntry.objects.get(action="campaigns.export").detail["format"] == "csv"
