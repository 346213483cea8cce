"""Issuing the bulletin: exact figures of a built month, kept as issued; reissue; who receives it; read once."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jiedu.bulletins.models import Bulletin, BulletinDelivery
from jiedu.bulletins.selectors import bulletin_figures, bulletin_tables
from jiedu.bulletins.services import bulletin_issue, bulletin_read
from jiedu.bulletins.tests.conftest import OCTOBER, dose, enrol, register, urine
from jiedu.core.errors import FieldErrors, PermissionDenied
from jiedu.core.models import AuditEntry
from jiedu.labs import services as labs
from jiedu.registry.models import Region
from jiedu.testing import build_clinic_stock

pytestmark = pytest.mark.django_db

EXITS_NONE = {
    "completed": 0,
    "voluntary": 0,
    "dropout": 0,
    "rule_violation": 0,
    "relapse": 0,
    "detained": 0,
    "transferred": 0,
    "died": 0,
    "moved_away": 0,
}


def expected_october(world):
    return {
        "schema": 1,
        "county": {"code": "350583", "name": "南安市"},
        "month": "2026-10",
        "clinics": [
            {
                "id": world.clinic_a.pk,
                "name": "南安市美沙酮维持治疗门诊",
                # 李四 and 周八 (first-ever), 孙七 (his second episode).
                "enrolments": 3,
                "first_enrolments": 2,
                # 张三丰 (at A and its dosing point, before his transfer), 李四, 周八.
                "in_treatment": 3,
                "dropouts": 1,  # 赵六
                "exits": {**EXITS_NONE, "voluntary": 1, "detained": 1, "transferred": 1},
                "urine_tests": 2,  # 张三丰 at the dosing point (negative), 李四 (methamphetamine positive)
                "urine_positive": 1,
            },
            {
                "id": world.clinic_b.pk,
                "name": "南安市第二美沙酮门诊",
                "enrolments": 1,  # 王五; 张三丰's transfer in is not an enrolment
                "first_enrolments": 1,
                "in_treatment": 2,  # 王五, 张三丰 after his transfer
                "dropouts": 0,
                "exits": EXITS_NONE,
                "urine_tests": 1,
                "urine_positive": 1,
            },
        ],
        "total": {
            "enrolments": 4,
            "first_enrolments": 3,
            "in_treatment": 4,  # 张三丰 counts once in the county
            "dropouts": 1,
            "exits": {**EXITS_NONE, "voluntary": 1, "detained": 1, "transferred": 1},
            "urine_tests": 3,
            "urine_positive": 2,
        },
        # No "art" row: 李四's referral to free ART (made Oct 10) is left out.
        "referrals": [
            {
                "kind": "community_to_mmt",
                "made": 1,
                "completed": 2,
            },  # 周八 made and done; 孙七 made in September
            {"kind": "release_to_community", "made": 0, "completed": 0},
            {"kind": "release_to_mmt", "made": 0, "completed": 0},
            {"kind": "voluntary_rehab", "made": 1, "completed": 0},
            {"kind": "psychiatry", "made": 0, "completed": 0},
        ],
        "reports": [
            {"kind": "enrolment", "filed": 4},
            {"kind": "dropout", "filed": 1},
            {"kind": "exit", "filed": 0},
            {"kind": "relapse", "filed": 1},
            {"kind": "self_termination", "filed": 1},
            {"kind": "termination", "filed": 0},
            {"kind": "detention", "filed": 1},
            {"kind": "voluntary_admission", "filed": 0},
            {"kind": "stock_loss", "filed": 0},
        ],
        # The community office acknowledged nothing: 4 September reports and 7 October ones due in October (the
        # detention filed on Oct 30 is due on Nov 2). The police left 李四's self-termination unacknowledged and
        # acknowledged 王五's relapse only on Nov 1.
        "overdue": [
            {"recipient": world.community.pk, "name": "溪美街道社区戒毒社区康复工作站", "count": 11},
            {"recipient": world.police.pk, "name": "南安市公安局溪美派出所", "count": 2},
        ],
    }


def test_the_months_figures_are_exact_and_every_participant_receives_the_bulletin(world, county, october):
    result = bulletin_issue(county=world.county, month=OCTOBER)
    bulletin = result.bulletin
    assert result.created is True
    assert (bulletin.version, bulletin.made_by, bulletin.reason) == (1, None, "")
    assert bulletin.made_at == dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.UTC)
    bulletin.refresh_from_db()
    assert bulletin.figures == expected_october(world)
    # Active participants of 南安市 only: not the dosing point, the hospital, the closed office or 晋江市's clinic.
    assert set(BulletinDelivery.objects.filter(bulletin=bulletin).values_list("recipient", flat=True)) == {
        world.clinic_a.pk,
        world.clinic_b.pk,
        world.police.pk,
        world.community.pk,
        world.cdc.pk,
        world.commission.pk,
        county.rehab.pk,
        county.office.pk,
    }
    assert BulletinDelivery.objects.filter(read_at__isnull=False).count() == 0
    entry = AuditEntry.objects.get(action="bulletin.issue")
    assert (entry.object_id, entry.detail["version"], len(entry.detail["recipients"])) == (
        str(bulletin.pk),
        1,
        8,
    )


def test_the_tables_lay_out_the_figures_with_totals(world, county, october):
    tables = bulletin_tables(bulletin_issue(county=world.county, month=OCTOBER).bulletin.figures)
    assert [(r.name, r.enrolments, r.re_enrolments, r.in_treatment, r.exits) for r in tables.clinics] == [
        ("南安市美沙酮维持治疗门诊", 3, 1, 3, 3),
        ("南安市第二美沙酮门诊", 1, 0, 2, 0),
        ("Total", 4, 1, 4, 3),
    ]
    assert tables.exit_columns == ["南安市美沙酮维持治疗门诊", "南安市第二美沙酮门诊", "Total"]
    assert dict(tables.exits)["Voluntary withdrawal"] == [1, 0, 1]
    assert dict(tables.exits)["Transferred to another clinic"] == [1, 0, 1]
    assert [label for label, _made, _done in tables.referrals] == [
        "Community rehab → MMT",
        "Release from compulsory isolation → community rehab",
        "Release from compulsory isolation → MMT",
        "MMT → voluntary rehab",
        "MMT → psychiatric care",
    ]
    assert (tables.referrals_total, tables.reports_total, tables.overdue_total) == ((2, 2), 8, 13)


def test_an_art_kind_in_stored_figures_is_never_shown(world, county, october):
    figures = bulletin_issue(county=world.county, month=OCTOBER).bulletin.figures
    figures["referrals"].append({"kind": "art", "made": 1, "completed": 0})
    assert all("HIV" not in label for label, _m, _c in bulletin_tables(figures).referrals)


def test_issued_figures_stay_as_issued_and_a_reissue_is_a_new_version(world, county, october, at):
    first = bulletin_issue(county=world.county, month=OCTOBER).bulletin
    # A sample taken on Oct 28 is recorded on Nov 3: later data about the month.
    at(dt.date(2026, 11, 3))
    labs.lab_record(
        actor=world.nurse_a, person=october.back, kind="urine", reason="random",
        collected_on=dt.date(2026, 10, 28), analytes={"opiates": "positive"},
    )  # fmt: skip
    assert bulletin_figures(county=world.county, month=OCTOBER)["total"]["urine_tests"] == 4
    again = bulletin_issue(county=world.county, month=OCTOBER)
    assert (again.created, again.bulletin.pk) == (False, first.pk)
    first.refresh_from_db()
    assert first.figures == expected_october(world)
    assert Bulletin.objects.count() == 1

    second = bulletin_issue(
        county=world.county, month=OCTOBER, actor=county.narcotics, reason="补录10月28日尿检结果"
    ).bulletin
    assert (second.version, second.made_by, second.reason) == (2, county.narcotics, "补录10月28日尿检结果")
    assert (second.figures["total"]["urine_tests"], second.figures["total"]["urine_positive"]) == (4, 3)
    first.refresh_from_db()
    assert first.figures == expected_october(world)
    assert BulletinDelivery.objects.filter(bulletin=second).count() == 8
    assert BulletinDelivery.objects.filter(bulletin=first).count() == 8


def test_bad_input_is_refused_and_writes_nothing(world, county, at):
    at(dt.date(2026, 11, 2))
    with pytest.raises(FieldErrors) as info:
        bulletin_issue(county=world.county, month=dt.date(2026, 11, 1))
    assert info.value.fields == {"month": ["A bulletin covers a month that is over."]}
    with pytest.raises(FieldErrors) as info:
        bulletin_issue(county=world.county, month=dt.date(2026, 10, 5))
    assert info.value.fields == {"month": ["Give the month as its first day."]}
    with pytest.raises(FieldErrors) as info:
        bulletin_issue(county=Region.objects.get(code="350500"), month=OCTOBER, reason="x" * 256)
    assert info.value.fields == {
        "county": ["A bulletin is issued for a county."],
        "reason": ["Keep the reason under 255 characters."],
    }
    assert (Bulletin.objects.count(), BulletinDelivery.objects.count()) == (0, 0)


def test_only_a_narcotics_officer_over_the_county_issues(world, county, at):
    at(dt.date(2026, 11, 2))
    for actor, message in (
        (world.officer, "Only the narcotics control office issues the bulletin."),
        (world.doctor_a, "Only the narcotics control office issues the bulletin."),
        (county.other_narcotics, "Your office does not issue the bulletin of this county."),
    ):
        with pytest.raises(PermissionDenied) as info:
            bulletin_issue(county=world.county, month=OCTOBER, actor=actor)
        assert info.value.message == message
    assert Bulletin.objects.count() == 0
    bulletin = bulletin_issue(county=world.county, month=OCTOBER, actor=county.narcotics).bulletin
    assert bulletin.made_by == county.narcotics


def _figures_queries(world):
    with CaptureQueriesContext(connection) as ctx:
        bulletin_figures(county=world.county, month=OCTOBER)
    return len(ctx.captured_queries)


def test_the_figures_take_a_fixed_number_of_queries_however_much_data(world, county, at):
    at(OCTOBER)
    build_clinic_stock(world)
    assert _figures_queries(world) == 10
    for seq in range(60, 66):
        person = register(world, seq=seq, name=f"病人{seq}")
        enrol(world, person, start_on=OCTOBER)
        dose(world, person, "nurse_a", world.clinic_a)
        urine(world, person, "nurse_a", opiates="negative")
    at(dt.date(2026, 10, 2))
    for episode in world.clinic_a.mmt_episodes.select_related("person"):
        dose(world, episode.person, "nurse_point_a", world.dosing_point_a)
    at(dt.date(2026, 11, 2))
    figures = bulletin_figures(county=world.county, month=OCTOBER)
    assert (
        figures["total"]["enrolments"],
        figures["total"]["in_treatment"],
        figures["total"]["urine_tests"],
    ) == (
        6,
        6,
        6,
    )
    assert _figures_queries(world) == 10


def test_reading_is_compare_and_set_and_kept_for_the_first_reader(world, county, october):
    bulletin = bulletin_issue(county=world.county, month=OCTOBER).bulletin
    delivery = BulletinDelivery.objects.get(bulletin=bulletin, recipient=world.clinic_a)
    assert bulletin_read(actor=world.director_a, delivery=delivery) is True
    assert bulletin_read(actor=world.doctor_a, delivery=BulletinDelivery.objects.get(pk=delivery.pk)) is False
    delivery.refresh_from_db()
    assert (delivery.read_by, delivery.read_at) == (
        world.director_a,
        dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.UTC),
    )
    assert AuditEntry.objects.filter(action="bulletin.read").count() == 1
    with pytest.raises(PermissionDenied):
        bulletin_read(actor=world.users["police"], delivery=delivery)


# --- the monthly command ----------------------------------------------------------------------------------------


def run(*args):
    out = StringIO()
    call_command("bulletin_issue", *args, stdout=out)
    return out.getvalue()


def test_the_command_issues_the_previous_month_once_for_every_county_with_a_clinic(world, county, at):
    at(dt.date(2026, 11, 1), hour=2)
    assert run("--dry-run") == (
        "晋江市 (350582) 2026-10: would issue version 1.\n南安市 (350583) 2026-10: would issue version 1.\n"
    )
    assert Bulletin.objects.count() == 0
    assert run() == (
        "晋江市 (350582) 2026-10: issued version 1 to 2 organisations.\n"
        "南安市 (350583) 2026-10: issued version 1 to 8 organisations.\n"
        "2 bulletins issued.\n"
    )
    assert run() == (
        "晋江市 (350582) 2026-10: version 1 issued already; nothing to do.\n"
        "南安市 (350583) 2026-10: version 1 issued already; nothing to do.\n"
        "0 bulletins issued.\n"
    )
    assert Bulletin.objects.count() == 2
    assert run("--county", "350583", "--reissue", "--reason", "更正") == (
        "南安市 (350583) 2026-10: issued version 2 to 8 organisations.\n1 bulletins issued.\n"
    )
    assert list(Bulletin.objects.filter(county=world.county).values_list("version", "reason")) == [
        (2, "更正"),
        (1, ""),
    ]
    assert run("--month", "2026-09", "--county", "350583").startswith(
        "南安市 (350583) 2026-09: issued version 1 to 8 organisations."
    )


def test_the_command_refuses_what_it_cannot_do(world, county, at):
    at(dt.date(2026, 11, 1), hour=2)
    for args, message in (
        (("--reissue",), "--reissue needs --reason: say why the bulletin is issued again."),
        (("--reason", "x"), "--reason goes with --reissue."),
        (("--county", "350500"), "No county with the code 350500."),
        (("--month", "2026/10"), "--month takes YYYY-MM, not '2026/10'."),
        (("--month", "2026-11"), "南安市 (350583) 2026-11: month: A bulletin covers a month that is over."),
    ):
        with pytest.raises(CommandError) as info:
            run(*args, *(("--county", "350583") if args[0] == "--month" and args[1] == "2026-11" else ()))
        assert str(info.value) == message
    assert Bulletin.objects.count() == 0
