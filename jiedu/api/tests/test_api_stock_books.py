"""The stock API beyond the day's movements: issues and losses signed by the witness's password, the monthly
stock-take and its variance investigation, and the books (variances, the monthly statement) in the caller's
scope. The clock is fixed: every date below is of 2026, whatever today is."""

import datetime as dt
from decimal import Decimal

import pytest

from jiedu.api.tests.test_api_mmt import Api
from jiedu.core import clock
from jiedu.pharmacy import services
from jiedu.pharmacy.models import (
    DayClose,
    Drug,
    EntryKind,
    LedgerEntry,
    StockBalance,
    StockVariance,
    Store,
    StoreKeeper,
    VarianceStatus,
)
from jiedu.reports.models import Report
from jiedu.testing import PASSWORD, build_clinic_stock

pytestmark = pytest.mark.django_db

OCT_20 = dt.datetime(2026, 10, 20, 10, 0, tzinfo=clock.SHANGHAI)
NOV_20 = dt.datetime(2026, 11, 20, 10, 0, tzinfo=clock.SHANGHAI)
NOV_30 = dt.datetime(2026, 11, 30, 17, 0, tzinfo=clock.SHANGHAI)
DEC_1 = dt.datetime(2026, 12, 1, 9, 30, tzinfo=clock.SHANGHAI)


@pytest.fixture
def at(monkeypatch):
    """Move the clock: ``at(datetime)``; it starts on 20 October 2026."""

    def move(when):
        monkeypatch.setattr(clock, "now", lambda: when)

    move(OCT_20)
    return move


@pytest.fixture
def stores(world, at):
    """Dosing stores at clinic A, its dosing point and clinic B with 1000 mL methadone each (20 October)."""
    return build_clinic_stock(world, quantity="1000")


@pytest.fixture
def vault(world, stores, at):
    """Clinic A's strong room, kept by keeper_a, holding 100 tablets of morphine (batch MS2610, received on
    20 October); the clock then moves to 20 November."""
    store = Store.objects.create(organisation=world.clinic_a, name="麻醉药品专库", kind="strong_room")
    StoreKeeper.objects.create(
        store=store, user=world.keeper_a, appointed_by=world.director_a, appointed_on=dt.date(2026, 1, 1)
    )
    services.stock_receive(
        actor=world.keeper_a,
        witness=world.nurse_a,
        store=store,
        line=services.ReceiptLine(
            drug=Drug.objects.get(code="morphine-sulfate-sr-tablet"),
            batch_no="MS2610",
            expiry=dt.date(2027, 1, 31),
            maker="萌蒂制药",
            quantity=Decimal("100"),
        ),
        voucher="PS-1020",
        supplier="国药控股福建有限公司",
        quality="合格",
    )
    at(NOV_20)
    return store


@pytest.fixture
def morphine(vault):
    return StockBalance.objects.get(store=vault).batch


@pytest.fixture
def as_(world):
    return lambda name: Api(world.users[name])


def signed(body, witness="nurse_a"):
    return {**body, "witness_username": witness, "witness_password": PASSWORD}


def monthly_count(keeper, vault, morphine, counted, day="2026-11-30"):
    return keeper.post(
        "/stock/counts",
        signed(
            {
                "store_id": vault.pk,
                "day": day,
                "kind": "monthly",
                "counts": [{"batch_id": morphine.pk, "quantity": counted}],
            },
            witness="director_a",
        ),
    )


# --- issues and losses -----------------------------------------------------------------------------------


def test_an_issue_to_a_department_through_the_api(world, vault, morphine, as_):
    response = as_("keeper_a").post(
        "/stock/issues",
        signed(
            {
                "store_id": vault.pk,
                "batch_id": morphine.pk,
                "quantity": "20",
                "department": "肿瘤科病房",
                "voucher": "LY-20261120-1",
            }
        ),
    )
    assert response.status_code == 201
    body = response.json()
    entry = LedgerEntry.objects.get(kind=EntryKind.ISSUE)
    assert body == {
        "id": entry.pk,
        "store_id": vault.pk,
        "batch_id": morphine.pk,
        "batch_no": "MS2610",
        "seq": 2,
        "kind": "issue",
        "quantity": "-20.00",
        "balance_after": "80.00",
        "at": "2026-11-20T02:00:00Z",
        "recorded_by": "keeper_a",
        "witness": "nurse_a",
        "counterpart_store_id": None,
        "reverses_id": None,
        "voucher": "LY-20261120-1",
        "reason": "",
    }
    assert entry.detail == {"department": "肿瘤科病房"}
    assert entry.at == NOV_20
    assert StockBalance.objects.get(store=vault).quantity == Decimal("80.00")


def test_a_theft_is_booked_out_and_files_one_stock_loss_report(world, vault, morphine, as_):
    response = as_("keeper_a").post(
        "/stock/losses",
        signed(
            {
                "store_id": vault.pk,
                "batch_id": morphine.pk,
                "quantity": "3",
                "kind": "theft",
                "account": "柜门撬痕，已报警",
            }
        ),
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["kind"], body["quantity"], body["balance_after"], body["witness"], body["reason"]) == (
        "theft",
        "-3.00",
        "97.00",
        "nurse_a",
        "柜门撬痕，已报警",
    )
    report = Report.objects.get()
    assert (report.kind, report.source_id, report.event_on, report.dedupe_key, report.created_at) == (
        "stock_loss",
        world.clinic_a.pk,
        dt.date(2026, 11, 20),
        f"stock_loss:{body['id']}",
        NOV_20,
    )
    assert report.summary == (
        "Theft at 麻醉药品专库 (南安市美沙酮维持治疗门诊): 3.00 片 of 硫酸吗啡缓释片 30 mg (Narcotic drug (麻醉药品)), "
        "batch MS2610. Recorded by keeper_a, witnessed by nurse_a, at 2026-11-20 10:00. Account: 柜门撬痕，已报警"
    )
    assert StockBalance.objects.get(store=vault).quantity == Decimal("97.00")


def test_a_loss_is_loss_or_theft(world, vault, morphine, as_):
    response = as_("keeper_a").post(
        "/stock/losses",
        signed(
            {
                "store_id": vault.pk,
                "batch_id": morphine.pk,
                "quantity": "3",
                "kind": "waste",
                "account": "不明",
            }
        ),
    )
    assert (response.status_code, response.json()["error"]["fields"]) == (
        422,
        {"kind": ["Choose loss or theft."]},
    )
    assert (LedgerEntry.objects.filter(store=vault).count(), Report.objects.count()) == (1, 0)


# --- refusals name the field ---------------------------------------------------------------------------------


def test_refusals_name_the_field_and_write_nothing(world, stores, vault, morphine, as_):
    keeper = as_("keeper_a")
    issue = {
        "store_id": vault.pk,
        "batch_id": morphine.pk,
        "quantity": "20",
        "department": "肿瘤科病房",
        "voucher": "LY-1",
    }
    before = LedgerEntry.objects.count()

    other_clinic = keeper.post("/stock/issues", signed({**issue, "store_id": stores[world.clinic_b.pk].pk}))
    assert (other_clinic.status_code, other_clinic.json()["error"]["fields"]) == (
        422,
        {"store_id": ["Unknown store."]},
    )
    no_batch = keeper.post("/stock/issues", signed({**issue, "batch_id": 987654}))
    assert no_batch.json()["error"]["fields"] == {"batch_id": ["Unknown batch."]}
    no_department = keeper.post("/stock/issues", signed({**issue, "department": " "}))
    assert no_department.json()["error"]["fields"] == {"department": ["This field is required."]}
    not_a_keeper = as_("nurse_a").post("/stock/issues", signed(issue, witness="keeper_a"))
    assert not_a_keeper.json()["error"]["fields"] == {
        "store": ["nurse_a is not a designated keeper of 南安市美沙酮维持治疗门诊 · 麻醉药品专库."]
    }

    loss = {"store_id": vault.pk, "batch_id": morphine.pk, "quantity": "3", "kind": "loss", "account": "丢失"}
    wrong = keeper.post("/stock/losses", {**signed(loss), "witness_password": "x"})
    assert wrong.status_code == 422
    assert wrong.json() == {
        "error": {
            "code": "invalid",
            "message": "witness_password: This is not nurse_a's password.",
            "fields": {"witness_password": ["This is not nurse_a's password."]},
        }
    }
    unsigned = keeper.post("/stock/issues", {**issue, "witness_username": "nurse_a"})
    assert unsigned.status_code == 422
    assert unsigned.json() == {
        "error": {
            "code": "invalid",
            "message": "witness_password: The witness signs by entering their own password.",
            "fields": {"witness_password": ["The witness signs by entering their own password."]},
        }
    }
    assert LedgerEntry.objects.count() == before
    assert Report.objects.count() == 0
    assert StockBalance.objects.get(store=vault).quantity == Decimal("100.00")


# --- the monthly stock-take and its investigation -----------------------------------------------------------


def test_a_shortfall_at_the_monthly_count_is_investigated_and_closed_as_a_loss(
    world, vault, morphine, at, as_
):
    keeper = as_("keeper_a")
    at(NOV_30)
    counted = monthly_count(keeper, vault, morphine, "96")
    assert counted.status_code == 201
    close = DayClose.objects.get(store=vault)
    variance = StockVariance.objects.get()
    assert counted.json() == {
        "id": close.pk,
        "store_id": vault.pk,
        "day": "2026-11-30",
        "kind": "monthly",
        "counted_by": "keeper_a",
        "witness": "director_a",
        "has_variance": True,
        "variance_id": variance.pk,
        "note": "",
        "lines": [
            {
                "batch_id": morphine.pk,
                "book_quantity": "100.00",
                "counted_quantity": "96.00",
                "variance": "4.00",
            }
        ],
    }
    # The count books nothing: the shortfall is reported and investigated.
    assert StockBalance.objects.get(store=vault).quantity == Decimal("100.00")
    assert list(Report.objects.values_list("kind", "dedupe_key")) == [
        ("stock_loss", f"stock_variance:{variance.pk}")
    ]
    open_ = {
        "id": variance.pk,
        "count_id": close.pk,
        "store_id": vault.pk,
        "day": "2026-11-30",
        "kind": "monthly",
        "shortfall": True,
        "surplus": False,
        "status": "open",
        "finding": "",
        "reported_at": "2026-11-30T09:00:00Z",
        "closed_at": None,
    }
    assert keeper.get("/stock/variances").json() == [open_]

    at(DEC_1)
    closed = keeper.post(
        f"/stock/variances/{variance.pk}/close",
        signed({"finding": "loss", "account": "复点确认4片遗失，原因未明，已整改"}),
    )
    assert closed.status_code == 200
    assert closed.json() == {
        **open_,
        "status": "closed",
        "finding": "loss",
        "closed_at": "2026-12-01T01:30:00Z",
    }
    assert StockBalance.objects.get(store=vault).quantity == Decimal("96.00")
    booked = LedgerEntry.objects.get(kind=EntryKind.LOSS)
    assert (booked.quantity, booked.balance_after, booked.witness, booked.detail) == (
        Decimal("-4.00"),
        Decimal("96.00"),
        world.nurse_a,
        {"variance": variance.pk, "finding": "loss"},
    )
    assert list(Report.objects.order_by("created_at").values_list("dedupe_key", "event_on")) == [
        (f"stock_variance:{variance.pk}", dt.date(2026, 11, 30)),
        (f"stock_variance:{variance.pk}:closed", dt.date(2026, 12, 1)),
    ]
    again = keeper.post(
        f"/stock/variances/{variance.pk}/close", signed({"finding": "theft", "account": "再次"})
    )
    assert (again.status_code, again.json()["error"]["fields"]) == (
        422,
        {"variance": ["This investigation is already closed."]},
    )
    assert LedgerEntry.objects.filter(kind__in=[EntryKind.LOSS, EntryKind.THEFT]).count() == 1


def test_closing_an_investigation_needs_the_witness_password(world, vault, morphine, at, as_):
    keeper = as_("keeper_a")
    at(NOV_30)
    variance_id = monthly_count(keeper, vault, morphine, "99").json()["variance_id"]
    response = keeper.post(
        f"/stock/variances/{variance_id}/close",
        {"finding": "loss", "account": "遗失", "witness_id": world.nurse_a.pk, "witness_password": "nope"},
    )
    assert (response.status_code, response.json()["error"]["fields"]) == (
        422,
        {"witness_password": ["This is not nurse_a's password."]},
    )
    assert StockVariance.objects.get().status == VarianceStatus.OPEN
    assert not LedgerEntry.objects.filter(kind=EntryKind.LOSS).exists()


def test_a_count_is_of_a_known_kind_and_of_a_past_day(world, vault, morphine, as_):
    keeper = as_("keeper_a")
    body = signed(
        {"store_id": vault.pk, "counts": [{"batch_id": morphine.pk, "quantity": "100"}], "kind": "weekly"}
    )
    assert keeper.post("/stock/day-closes", body).json()["error"]["fields"] == {
        "kind": ["Choose the kind of count."]
    }
    tomorrow = keeper.post("/stock/counts", {**body, "kind": "monthly", "day": "2026-11-21"})
    assert tomorrow.json()["error"]["fields"] == {"day": ["A day is closed after it has happened."]}
    today = keeper.post("/stock/day-closes", {**body, "kind": "day_close"})
    assert (today.status_code, today.json()["day"], today.json()["kind"]) == (201, "2026-11-20", "day_close")
    assert not DayClose.objects.filter(kind="monthly").exists()


# --- the books, in the caller's scope --------------------------------------------------------------------------


def test_variances_are_listed_and_closed_only_in_scope(world, vault, morphine, at, as_):
    at(NOV_30)
    variance_id = monthly_count(as_("keeper_a"), vault, morphine, "98").json()["variance_id"]
    assert as_("keeper_b").get("/stock/variances").json() == []
    # The county's inspector reads the books of every institution of the county, but does not close anything.
    inspector = as_("inspector")
    assert [v["id"] for v in inspector.get("/stock/variances").json()] == [variance_id]
    assert [v["id"] for v in inspector.get("/stock/variances", status="closed").json()] == []
    by_inspector = inspector.post(
        f"/stock/variances/{variance_id}/close",
        signed({"finding": "loss", "account": "丢失"}, witness="officer"),
    )
    assert (by_inspector.status_code, by_inspector.json()["error"]["code"]) == (403, "forbidden")

    elsewhere = as_("keeper_b").post(
        f"/stock/variances/{variance_id}/close",
        signed({"finding": "loss", "account": "丢失"}, witness="nurse_b"),
    )
    assert (elsewhere.status_code, elsewhere.json()) == (
        404,
        {"error": {"code": "not_found", "message": "Not found.", "fields": {}}},
    )
    assert (
        as_("keeper_a")
        .post("/stock/variances/987654/close", signed({"finding": "loss", "account": "x"}))
        .status_code
        == 404
    )
    assert StockVariance.objects.get().status == VarianceStatus.OPEN
    assert as_("police").get("/stock/variances").status_code == 403


@pytest.fixture
def november(world, stores, vault, morphine, at, as_):
    """November at clinic A through the API: an issue, a theft, a transfer to the dosing point, a spill, and the
    strong room's stock-take on 30 November short by 2 tablets, closed as a loss on 1 December."""
    keeper = as_("keeper_a")
    dosing, point = stores[world.clinic_a.pk], stores[world.dosing_point_a.pk]
    methadone = StockBalance.objects.get(store=dosing).batch
    common = {"store_id": vault.pk, "batch_id": morphine.pk}
    posts = [
        ("/stock/issues", {**common, "quantity": "20", "department": "外科病房", "voucher": "LY-1120"}),
        ("/stock/losses", {**common, "quantity": "3", "kind": "theft", "account": "柜门撬痕"}),
        (
            "/stock/waste",
            {"store_id": dosing.pk, "batch_id": methadone.pk, "quantity": "1.5", "reason": "洒落"},
        ),
    ]
    for path, body in posts:
        assert keeper.post(path, signed(body)).status_code == 201
    moved = keeper.post(
        "/stock/transfers",
        signed(
            {
                "source_store_id": dosing.pk,
                "target_store_id": point.pk,
                "batch_id": methadone.pk,
                "quantity": "200",
            },
            witness="nurse_point_a",
        ),
    )
    assert moved.status_code == 201
    at(NOV_30)
    variance_id = monthly_count(keeper, vault, morphine, "75").json()["variance_id"]
    at(DEC_1)
    closed = keeper.post(
        f"/stock/variances/{variance_id}/close", signed({"finding": "loss", "account": "遗失"})
    )
    assert closed.status_code == 200
    return {"dosing": dosing, "point": point}


def test_the_monthly_statement_of_an_institution(world, vault, november, as_):
    statement = as_("keeper_a").get("/stock/statement", institution_id=world.clinic_a.pk, month="2026-11")
    assert statement.status_code == 200
    assert statement.json() == {
        "institution_id": world.clinic_a.pk,
        "institution_name": "南安市美沙酮维持治疗门诊",
        "period": "2026-11",
        "store_ids": [november["dosing"].pk, vault.pk, november["point"].pk],
        "uncounted_store_ids": [november["dosing"].pk, november["point"].pk],
        "rows": [
            {
                # 1000 at clinic A + 1000 at its dosing point; the transfer between them cancels out.
                "drug_code": "methadone-oral-solution",
                "drug_name": "盐酸美沙酮口服溶液",
                "strength": "1 mg/mL",
                "unit": "mL",
                "opening": "2000.00",
                "received": "0.00",
                "returned": "0.00",
                "transfers": "0.00",
                "used": "0.00",
                "wasted": "1.50",
                "lost": "0.00",
                "closing": "1998.50",
                "counted": None,
                "variance": None,
            },
            {
                # 100 − 20 issued − 3 stolen = 77 on the book at the count of 30 November, 75 counted; the 2
                # missing are booked out as a loss on 1 December, in the next month.
                "drug_code": "morphine-sulfate-sr-tablet",
                "drug_name": "硫酸吗啡缓释片",
                "strength": "30 mg",
                "unit": "片",
                "opening": "100.00",
                "received": "0.00",
                "returned": "0.00",
                "transfers": "0.00",
                "used": "20.00",
                "wasted": "0.00",
                "lost": "3.00",
                "closing": "77.00",
                "counted": "75.00",
                "variance": "2.00",
            },
        ],
    }
    december = as_("keeper_a").get("/stock/statement", institution_id=world.clinic_a.pk, month="2026-12")
    morphine_row = next(r for r in december.json()["rows"] if r["drug_code"] == "morphine-sulfate-sr-tablet")
    assert (
        morphine_row["opening"],
        morphine_row["lost"],
        morphine_row["closing"],
        morphine_row["counted"],
    ) == (
        "77.00",
        "2.00",
        "75.00",
        None,
    )
    # The county's inspector reads the same statement.
    inspected = as_("inspector").get("/stock/statement", institution_id=world.clinic_a.pk, month="2026-11")
    assert inspected.json()["rows"] == statement.json()["rows"]


def test_the_statement_of_an_institution_out_of_scope_is_refused(world, vault, as_):
    other = as_("keeper_b").get("/stock/statement", institution_id=world.clinic_a.pk, month="2026-11")
    assert (other.status_code, other.json()["error"]["fields"]) == (
        422,
        {"institution_id": ["Unknown institution."]},
    )
    bad_month = as_("keeper_a").get("/stock/statement", institution_id=world.clinic_a.pk, month="2026-13")
    assert (bad_month.status_code, bad_month.json()["error"]["fields"]) == (
        422,
        {"month": ["Give the month as YYYY-MM."]},
    )
    assert (
        as_("police").get("/stock/statement", institution_id=world.clinic_a.pk, month="2026-11").status_code
        == 403
    )
