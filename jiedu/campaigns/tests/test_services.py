"""Recording events (validation naming each field, nothing written on error), corrections as versions, withdrawal,
evidence files, campaigns, who may record what, and the audit rows of each write."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import IntegrityError, connection, transaction
from PIL import Image

from jiedu.campaigns import services
from jiedu.campaigns.models import (
    Campaign,
    CampaignChange,
    CoOrganiser,
    Event,
    EventVersion,
    Evidence,
    EvidenceWithdrawal,
    MaterialLine,
    MediaItem,
    ParticipantCount,
    Setting,
)
from jiedu.campaigns.selectors import snapshot, version_with_parts
from jiedu.campaigns.tests.data import facts, kind, photo_upload, setting
from jiedu.core.errors import DomainError, FieldErrors, PermissionDenied
from jiedu.core.models import AppendOnlyError, AuditEntry
from jiedu.registry.models import Organisation, OrganisationType, Region

pytestmark = pytest.mark.django_db

JUNE_20 = dt.date(2026, 6, 20)


def written():
    """How much the app and the audit log hold."""
    return (
        Event.objects.count(),
        EventVersion.objects.count(),
        ParticipantCount.objects.count(),
        MaterialLine.objects.count(),
        MediaItem.objects.count(),
        CoOrganiser.objects.count(),
        Evidence.objects.count(),
        Campaign.objects.count(),
        AuditEntry.objects.filter(action__startswith="campaign").count(),
    )


def refused(call, exc_type=DomainError):
    """The exception a refused call raised, after checking that it wrote nothing."""
    before = written()
    with pytest.raises(exc_type) as caught:
        call()
    assert written() == before
    return caught.value


def campaign_626(world, year=2026):
    return services.campaign_create(
        actor=world.officer,
        kind=kind("626"),
        year=year,
        name=f"{year}年南安市6·26国际禁毒日宣传活动",
        starts_on=dt.date(year, 6, 1),
        ends_on=dt.date(year, 6, 30),
        theme="防范新型毒品 护航青春成长",
    )


def full_facts(world, campaign=None, **changes):
    return facts(
        world,
        held_on=JUNE_20,
        campaign=campaign,
        groups={"students": 100, "officials": 5},
        materials=[services.Material("leaflet", 500, "禁毒折页"), services.Material("poster", 20)],
        media=[
            services.Coverage(
                "南安电视台", "tv", dt.date(2026, 6, 21), "我市开展禁毒宣传进校园", "https://nanan.tv/n/1"
            )
        ],
        co_organisers=[world.police, world.community],
        summary="讲座后开展有奖问答。",
        **changes,
    )


def record(world, actor=None, organiser=None, **kwargs):
    return services.event_record(
        actor=actor or world.users["cdc"], organiser=organiser or world.cdc, facts=full_facts(world, **kwargs)
    ).event


# --- recording --------------------------------------------------------------------------------------------------


def test_an_event_is_recorded_as_version_one_with_its_parts_and_an_audit_row(world, people):
    campaign = campaign_626(world)
    recorded = services.event_record(
        actor=world.users["cdc"],
        organiser=world.cdc,
        facts=full_facts(world, campaign=campaign),
        idempotency_key="k1",
    )
    event = recorded.event
    assert recorded.created is True
    assert (event.organiser, event.created_by, event.idempotency_key) == (world.cdc, world.users["cdc"], "k1")
    version = version_with_parts(event.current_id)
    assert (version.number, version.title, version.held_on, version.county_id, version.place) == (
        1,
        "防范新型毒品进校园专题讲座",
        JUNE_20,
        "350583",
        "南安市第一中学报告厅",
    )
    assert (
        version.setting.code,
        version.format,
        version.participants,
        version.campaign,
        version.withdrawn,
    ) == (
        "school",
        "lecture",
        120,
        campaign,
        False,
    )
    assert snapshot(version)["groups"] == (("officials", 5), ("students", 100))
    assert snapshot(version)["materials"] == (("leaflet", "禁毒折页", 500), ("poster", "", 20))
    assert snapshot(version)["media"] == (
        ("南安电视台", "tv", dt.date(2026, 6, 21), "我市开展禁毒宣传进校园", "https://nanan.tv/n/1"),
    )
    assert snapshot(version)["co_organisers"] == tuple(sorted([world.police.pk, world.community.pk]))
    assert version.recorded_by == world.users["cdc"]
    assert version.recorded_at == dt.datetime(2026, 7, 15, 1, 0, tzinfo=dt.UTC)
    entry = AuditEntry.objects.get(action="campaign_event.record")
    assert (entry.actor, entry.object_type, entry.object_id) == (
        world.users["cdc"],
        "campaigns.event",
        str(event.pk),
    )
    assert entry.detail == {
        "organiser": world.cdc.pk,
        "version": 1,
        "title": "防范新型毒品进校园专题讲座",
        "held_on": "2026-06-20",
        "county": "350583",
        "setting": "school",
        "campaign": "626-2026",
        "participants": 120,
    }


def test_the_same_idempotency_key_records_the_event_once(world, people):
    first = services.event_record(
        actor=world.users["cdc"], organiser=world.cdc, facts=facts(world), idempotency_key="abc"
    )
    before = written()
    again = services.event_record(
        actor=world.users["cdc"], organiser=world.cdc, facts=facts(world), idempotency_key="abc"
    )
    assert (again.created, again.event.pk) == (False, first.event.pk)
    assert written() == before


def test_validation_names_each_field_and_writes_nothing(world, people):
    elsewhere = Organisation.objects.create(
        name="福州市鼓楼区卫生健康局",
        type=OrganisationType.HEALTH_COMMISSION,
        region=Region.objects.get(code="350102"),
    )
    bad = facts(
        world,
        title=" ",
        place="",
        participants=-5,
        held_on=dt.date(2026, 7, 16),
        format="concert",
        co_organisers=[world.cdc, elsewhere],
        media=[services.Coverage("南安发布", "wechat", dt.date(2026, 7, 14), "推文", "javascript:alert(1)")],
        materials=[services.Material("leaflet", 0)],
    )
    exc = refused(
        lambda: services.event_record(actor=world.users["cdc"], organiser=world.cdc, facts=bad), FieldErrors
    )
    assert exc.fields == {
        "title": ["Title: enter it."],
        "place": ["Place: enter it."],
        "held_on": ["Date: an event is recorded once it has been held; 2026-07-16 is after today."],
        "format": ["Format: choose one of the formats."],
        "participants": ["Participants: enter a whole number, 0 or more."],
        "co_organisers": [
            "Co-organisers: the organiser is not its own co-organiser.",
            "Co-organisers: 福州市鼓楼区卫生健康局 is outside the event's prefecture.",
        ],
        "materials": ["Materials, row 1: enter a quantity of 1 or more."],
        "media": [
            "Media coverage, row 1: the link must be a web address starting with http:// or https://.",
        ],
    }


def test_negative_participants_of_a_group_and_groups_above_the_total(world, people):
    exc = refused(
        lambda: services.event_record(
            actor=world.users["cdc"],
            organiser=world.cdc,
            facts=facts(world, groups={"students": -1, "workers": 5}),
        ),
        FieldErrors,
    )
    assert exc.fields == {"group_students": ["Students: enter a whole number, 0 or more."]}
    exc = refused(
        lambda: services.event_record(
            actor=world.users["cdc"],
            organiser=world.cdc,
            facts=facts(world, groups={"students": 100, "workers": 21}),
        ),
        FieldErrors,
    )
    assert exc.fields == {
        "participants": ["Participants: the groups add up to 121, more than the 120 participants."]
    }


def test_the_date_of_an_event_under_a_campaign_is_inside_the_campaign(world, people):
    campaign = campaign_626(world)
    exc = refused(
        lambda: services.event_record(
            actor=world.users["cdc"],
            organiser=world.cdc,
            facts=facts(world, campaign=campaign, held_on=dt.date(2026, 7, 1)),
        ),
        FieldErrors,
    )
    assert exc.fields == {
        "held_on": [
            "Date: 2026-07-01 is outside the campaign “2026年南安市6·26国际禁毒日宣传活动” (2026-06-01 to 2026-06-30)."
        ]
    }


def test_an_event_joins_a_campaign_of_its_county_or_above_and_is_held_in_the_organisers_region(world, people):
    jinjiang = services.campaign_create(
        actor=people.jinjiang,
        kind=kind("626"),
        year=2026,
        name="2026年晋江市6·26",
        starts_on=dt.date(2026, 6, 1),
        ends_on=dt.date(2026, 6, 30),
    )
    exc = refused(
        lambda: services.event_record(
            actor=world.users["cdc"],
            organiser=world.cdc,
            facts=facts(world, campaign=jinjiang, held_on=JUNE_20),
        ),
        FieldErrors,
    )
    assert exc.fields == {
        "campaign": ["Campaign: “2026年晋江市6·26” is a campaign of 晋江市; the event is held in 南安市."]
    }
    exc = refused(
        lambda: services.event_record(
            actor=world.users["cdc"], organiser=world.cdc, facts=facts(world, county=world.other_county)
        ),
        FieldErrors,
    )
    assert exc.fields == {"county": ["County: the event is held in the organiser's region."]}
    # A prefecture's campaign is joined by the events of its counties.
    city = services.campaign_create(
        actor=people.prefecture,
        kind=kind("626"),
        year=2026,
        name="2026年泉州市6·26",
        starts_on=dt.date(2026, 6, 1),
        ends_on=dt.date(2026, 6, 30),
    )
    event = services.event_record(
        actor=world.users["cdc"], organiser=world.cdc, facts=facts(world, campaign=city, held_on=JUNE_20)
    ).event
    assert event.current.campaign == city


def test_a_setting_no_longer_in_use_is_refused_for_a_new_event(world, people):
    Setting.objects.filter(code="village").update(is_active=False)
    exc = refused(
        lambda: services.event_record(
            actor=world.users["cdc"], organiser=world.cdc, facts=facts(world, setting=setting("village"))
        ),
        FieldErrors,
    )
    assert exc.fields == {"setting": ["Setting: “Villages” is no longer in use."]}


# --- who records ------------------------------------------------------------------------------------------------


def test_an_organisation_records_its_own_events_only(world, people):
    exc = refused(
        lambda: services.event_record(
            actor=world.users["community"], organiser=world.cdc, facts=facts(world)
        ),
        PermissionDenied,
    )
    assert exc.message == "You record the education events of your own organisation only."
    refused(
        lambda: services.event_record(actor=world.officer, organiser=world.cdc, facts=facts(world)),
        PermissionDenied,
    )
    refused(
        lambda: services.event_record(actor=world.officer, organiser=world.police, facts=facts(world)),
        PermissionDenied,
    )
    # The police read campaigns but record none, not even their own.
    refused(
        lambda: services.event_record(
            actor=world.users["police"], organiser=world.police, facts=facts(world)
        ),
        PermissionDenied,
    )
    assert services.event_record(actor=world.officer, organiser=world.commission, facts=facts(world)).created


def test_the_narcotics_office_records_for_member_units_that_cannot_record_their_own(world, people):
    event = services.event_record(actor=people.narcotics, organiser=world.police, facts=facts(world)).event
    assert (event.organiser, event.created_by) == (world.police, people.narcotics)
    assert services.may_record_for(people.narcotics, world.clinic_a) is True
    # Not for an organisation that records its own events, nor for a unit of another county.
    refused(
        lambda: services.event_record(actor=people.narcotics, organiser=world.cdc, facts=facts(world)),
        PermissionDenied,
    )
    jinjiang_police = Organisation.objects.create(
        name="晋江市公安局", type=OrganisationType.POLICE, region=world.other_county
    )
    assert services.may_record_for(people.narcotics, jinjiang_police) is False
    assert [o.name for o in services.organisers_for(people.narcotics)] == [
        "南安市禁毒委员会办公室",
        "溪美街道延伸服药点",
        "南安市美沙酮维持治疗门诊",
        "南安市第二美沙酮门诊",
        "南安市公安局溪美派出所",
    ]
    assert services.organisers_for(world.users["cdc"]) == [world.cdc]
    assert services.organisers_for(world.users["police"]) == []


# --- corrections --------------------------------------------------------------------------------------------------


def test_a_correction_is_a_new_version_and_the_first_stays(world, people):
    event = record(world)
    first = event.current
    corrected = services.event_correct(
        actor=world.users["cdc"],
        event=event,
        facts=full_facts(world, participants=150, setting=setting("workplace")),
        reason="参加人数按签到表更正",
        expected_version=1,
    )
    assert corrected.changed is True
    event.refresh_from_db()
    second = version_with_parts(event.current_id)
    assert (second.number, second.participants, second.setting.code, second.reason) == (
        2,
        150,
        "workplace",
        "参加人数按签到表更正",
    )
    assert snapshot(second)["materials"] == snapshot(version_with_parts(first.pk))["materials"]
    first.refresh_from_db()
    assert (first.number, first.participants, first.setting.code) == (1, 120, "school")
    assert list(event.versions.order_by("number").values_list("number", "participants")) == [
        (1, 120),
        (2, 150),
    ]
    entry = AuditEntry.objects.get(action="campaign_event.correct")
    assert entry.detail["version"] == 2
    assert entry.detail["reason"] == "参加人数按签到表更正"
    assert entry.detail["changed"] == ["setting", "participants"]


def test_a_correction_needs_a_reason_changes_something_and_follows_the_version_seen(world, people):
    event = record(world)
    exc = refused(
        lambda: services.event_correct(
            actor=world.users["cdc"], event=event, facts=full_facts(world), reason=" "
        ),
        FieldErrors,
    )
    assert exc.fields == {"reason": ["Reason: say what is corrected."]}
    before = written()
    same = services.event_correct(
        actor=world.users["cdc"], event=event, facts=full_facts(world), reason="核对"
    )
    assert same.changed is False and written() == before
    services.event_correct(
        actor=world.users["cdc"], event=event, facts=full_facts(world, participants=130), reason="更正人数"
    )
    exc = refused(
        lambda: services.event_correct(
            actor=world.users["cdc"],
            event=event,
            facts=full_facts(world, participants=140),
            reason="再次更正",
            expected_version=1,
        )
    )
    assert (
        exc.message == "Someone else corrected this event at the same moment: reload the page and try again."
    )


def test_only_the_organiser_corrects_its_event(world, people):
    event = record(world)
    for actor in (world.users["community"], world.officer, people.narcotics):
        refused(
            lambda actor=actor: services.event_correct(
                actor=actor, event=event, facts=full_facts(world, participants=1), reason="x"
            ),
            PermissionDenied,
        )


def test_withdrawing_is_a_version_and_a_withdrawn_event_is_not_corrected(world, people):
    event = record(world)
    exc = refused(
        lambda: services.event_withdraw(actor=world.users["cdc"], event=event, reason=""), FieldErrors
    )
    assert exc.fields == {"reason": ["Reason: say why the event is withdrawn."]}
    services.event_withdraw(actor=world.users["cdc"], event=event, reason="重复登记", expected_version=1)
    event.refresh_from_db()
    current = version_with_parts(event.current_id)
    assert (current.number, current.withdrawn, current.reason, current.participants) == (
        2,
        True,
        "重复登记",
        120,
    )
    assert (
        snapshot(current)["co_organisers"]
        == snapshot(version_with_parts(event.versions.get(number=1).pk))["co_organisers"]
    )
    assert AuditEntry.objects.get(action="campaign_event.withdraw").detail["reason"] == "重复登记"
    exc = refused(lambda: services.event_withdraw(actor=world.users["cdc"], event=event, reason="again"))
    assert exc.message == "This event was withdrawn already."
    exc = refused(
        lambda: services.event_correct(
            actor=world.users["cdc"], event=event, facts=full_facts(world, participants=1), reason="x"
        )
    )
    assert exc.message == "This event was withdrawn; it is not corrected."


def test_versions_and_their_parts_are_never_changed(world, people):
    event = record(world)
    version = event.current
    with pytest.raises(AppendOnlyError):
        version.save()
    with pytest.raises(AppendOnlyError):
        EventVersion.objects.filter(event=event).update(participants=0)
    with pytest.raises(AppendOnlyError):
        MaterialLine.objects.filter(version=version).delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        EventVersion.objects.create(
            event=event, number=1, title="x", held_on=JUNE_20, county=world.county, place="x",
            setting=setting("school"), format="lecture", participants=1, recorded_by=world.officer,
            recorded_at=version.recorded_at,
        )  # fmt: skip


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE campaigns_eventversion SET participants = 0 WHERE event_id = %s",
        "DELETE FROM campaigns_mediaitem WHERE version_id IN (SELECT id FROM campaigns_eventversion WHERE event_id = %s)",
    ],
)
def test_the_database_refuses_to_change_the_history(world, people, statement):
    event = record(world)
    with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, [event.pk])
    assert EventVersion.objects.get(event=event).participants == 120
    assert MediaItem.objects.count() == 1


# --- evidence -----------------------------------------------------------------------------------------------------


def _jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (3000, 1500), "#446688")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_a_photo_is_kept_without_its_metadata_and_bounded(world, people, settings):
    event = record(world)
    content = _jpeg_with_exif()
    item = services.evidence_add(
        actor=world.users["cdc"],
        event=event,
        upload=services.EvidenceUpload(
            file=io.BytesIO(content), name="C:\\photos\\讲座.JPG", size=len(content)
        ),
        caption="讲座现场",
    )
    assert (item.name, item.content_type, item.caption, item.uploaded_by) == (
        "讲座.jpg",
        "image/jpeg",
        "讲座现场",
        world.users["cdc"],
    )
    assert item.file.name == f"campaigns/evidence/{item.token}.jpg"
    stored = Image.open(item.file.path)
    assert (stored.format, stored.size) == ("JPEG", (2560, 1280))
    assert dict(stored.getexif()) == {}
    assert item.size == len(open(item.file.path, "rb").read())
    entry = AuditEntry.objects.get(action="campaign_evidence.add")
    assert entry.detail == {"event": event.pk, "name": "讲座.jpg", "type": "image/jpeg", "size": item.size}


def test_a_pdf_is_kept_as_sent_and_other_files_are_refused(world, people, settings):
    event = record(world)
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    item = services.evidence_add(
        actor=world.users["cdc"],
        event=event,
        upload=services.EvidenceUpload(file=io.BytesIO(pdf), name="签到表.pdf", size=len(pdf)),
    )
    assert (item.content_type, item.name, open(item.file.path, "rb").read()) == (
        "application/pdf",
        "签到表.pdf",
        pdf,
    )
    text = b"<script>alert(1)</script>"
    exc = refused(
        lambda: services.evidence_add(
            actor=world.users["cdc"],
            event=event,
            upload=services.EvidenceUpload(file=io.BytesIO(text), name="photo.jpg", size=len(text)),
            caption="x" * 201,
        ),
        FieldErrors,
    )
    assert exc.fields == {
        "file": ["File: upload a photo (JPEG, PNG or WebP) or a PDF document."],
        "caption": ["Caption: keep it under 200 characters."],
    }
    settings.JIEDU_EVIDENCE_MAX_BYTES = 1024 * 1024
    big = 3 * 1024 * 1024
    exc = refused(
        lambda: services.evidence_add(
            actor=world.users["cdc"],
            event=event,
            upload=services.EvidenceUpload(
                file=io.BytesIO(b"%PDF-" + b"0" * big), name="big.pdf", size=big + 5
            ),
        ),
        FieldErrors,
    )
    assert exc.fields == {"file": ["File: the file is 3.0 MB; the limit is 1.0 MB."]}


def test_a_file_is_withdrawn_once_with_a_reason_and_only_by_the_organiser(world, people):
    event = record(world)
    item = services.evidence_add(actor=world.users["cdc"], event=event, upload=photo_upload())
    refused(
        lambda: services.evidence_withdraw(actor=world.users["community"], evidence=item, reason="x"),
        PermissionDenied,
    )
    exc = refused(
        lambda: services.evidence_withdraw(actor=world.users["cdc"], evidence=item, reason=""), FieldErrors
    )
    assert exc.fields == {"reason": ["Reason: say why the file is withdrawn."]}
    done = services.evidence_withdraw(actor=world.users["cdc"], evidence=item, reason="照片含未成年人正脸")
    assert (done.by, done.reason) == (world.users["cdc"], "照片含未成年人正脸")
    assert AuditEntry.objects.get(action="campaign_evidence.withdraw").detail == {
        "event": event.pk,
        "name": "现场.jpg",
        "reason": "照片含未成年人正脸",
    }
    exc = refused(lambda: services.evidence_withdraw(actor=world.users["cdc"], evidence=item, reason="again"))
    assert exc.message == "This file was withdrawn already."
    assert EvidenceWithdrawal.objects.count() == 1


def test_no_file_is_added_to_a_withdrawn_event(world, people):
    event = record(world)
    services.event_withdraw(actor=world.users["cdc"], event=event, reason="重复")
    exc = refused(lambda: services.evidence_add(actor=world.users["cdc"], event=event, upload=photo_upload()))
    assert exc.message == "This event was withdrawn; no file is added to it."


# --- campaigns ----------------------------------------------------------------------------------------------------


def test_a_campaign_is_opened_once_per_kind_year_and_region_by_an_officer(world, people):
    campaign = campaign_626(world)
    assert (campaign.code, campaign.region_id, campaign.created_by, campaign.theme) == (
        "626-2026",
        "350583",
        world.officer,
        "防范新型毒品 护航青春成长",
    )
    assert AuditEntry.objects.get(action="campaign.create").detail == {
        "code": "626-2026",
        "region": "350583",
        "name": "2026年南安市6·26国际禁毒日宣传活动",
        "theme": "防范新型毒品 护航青春成长",
        "starts_on": "2026-06-01",
        "ends_on": "2026-06-30",
    }
    exc = refused(lambda: campaign_626(world), FieldErrors)
    assert exc.fields == {
        "kind": [
            "Kind: 南安市 has its 2026 campaign of “26 June, International Day against Drug Abuse” already."
        ]
    }
    exc = refused(
        lambda: services.campaign_create(
            actor=world.users["cdc"],
            kind=kind("121"),
            year=2026,
            name="x",
            starts_on=dt.date(2026, 11, 20),
            ends_on=dt.date(2026, 12, 10),
        ),
        PermissionDenied,
    )
    assert exc.message == "Campaigns are opened by the health and narcotics officers of a region."
    exc = refused(
        lambda: services.campaign_create(
            actor=people.narcotics,
            kind=kind("121"),
            year=2026,
            name="",
            starts_on=dt.date(2025, 11, 20),
            ends_on=dt.date(2025, 12, 10),
        ),
        FieldErrors,
    )
    assert exc.fields == {
        "name": ["Name: enter it."],
        "starts_on": ["First day: the campaign of 2026 starts in 2026."],
    }


def test_a_campaign_correction_keeps_the_values_before_and_after(world, people):
    campaign = campaign_626(world)
    record(world, campaign=campaign)  # held on 20 June
    assert (
        services.campaign_correct(
            actor=world.officer,
            campaign=campaign,
            name=campaign.name,
            theme=campaign.theme,
            starts_on=campaign.starts_on,
            ends_on=campaign.ends_on,
            reason="核对",
        )
        is False
    )
    exc = refused(
        lambda: services.campaign_correct(
            actor=world.officer,
            campaign=campaign,
            name=campaign.name,
            theme="",
            starts_on=dt.date(2026, 6, 21),
            ends_on=dt.date(2026, 6, 30),
            reason="缩短",
        ),
        FieldErrors,
    )
    assert exc.fields == {
        "starts_on": ["Dates: 1 event of this campaign would fall outside them; correct that event first."]
    }
    exc = refused(
        lambda: services.campaign_correct(
            actor=people.prefecture,
            campaign=campaign,
            name="x",
            theme="",
            starts_on=campaign.starts_on,
            ends_on=campaign.ends_on,
            reason="x",
        ),
        PermissionDenied,
    )
    assert exc.message == "A campaign is corrected by the officers of its own region."
    assert services.campaign_correct(
        actor=world.officer,
        campaign=campaign,
        name="2026年南安市“6·26”国际禁毒日宣传月活动",
        theme="防范新型毒品 护航青春成长",
        starts_on=dt.date(2026, 5, 25),
        ends_on=dt.date(2026, 6, 30),
        reason="按市禁毒委通知调整",
    )
    campaign.refresh_from_db()
    assert (campaign.name, campaign.starts_on) == (
        "2026年南安市“6·26”国际禁毒日宣传月活动",
        dt.date(2026, 5, 25),
    )
    change = CampaignChange.objects.get()
    assert (change.by, change.reason) == (world.officer, "按市禁毒委通知调整")
    assert change.before == {
        "name": "2026年南安市6·26国际禁毒日宣传活动",
        "theme": "防范新型毒品 护航青春成长",
        "starts_on": "2026-06-01",
        "ends_on": "2026-06-30",
    }
    assert change.after["starts_on"] == "2026-05-25"
    assert AuditEntry.objects.get(action="campaign.correct").detail["reason"] == "按市禁毒委通知调整"


def test_opening_the_key_campaigns_of_a_year_is_idempotent(world, people):
    before = written()
    dry = services.campaigns_open(actor=people.narcotics, year=2027, dry_run=True)
    assert [(c.kind.code, c.starts_on, c.ends_on) for c in dry.created] == [
        ("626", dt.date(2027, 6, 1), dt.date(2027, 6, 30)),
        ("121", dt.date(2027, 11, 20), dt.date(2027, 12, 10)),
        ("publicity_month", dt.date(2027, 6, 1), dt.date(2027, 6, 30)),
    ]
    assert written() == before
    opened = services.campaigns_open(actor=people.narcotics, year=2027)
    assert [c.name for c in opened.created] == [
        "2027年南安市6·26国际禁毒日宣传活动",
        "2027年南安市12·1世界艾滋病日宣传活动",
        "2027年南安市全民禁毒宣传月宣传活动",
    ]
    assert AuditEntry.objects.filter(action="campaign.create").count() == 3
    again = services.campaigns_open(actor=people.narcotics, year=2027)
    assert (again.created, again.existing, again.skipped) == ([], ["626", "121", "publicity_month"], [])
    assert Campaign.objects.count() == 3
