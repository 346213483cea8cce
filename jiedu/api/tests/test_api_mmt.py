"""The MMT, stock and report API: the window through HTTP, scope as 404, roles as 403, one error envelope."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jiedu.accounts.models import RoleAssignment, User
from jiedu.accounts.services import api_token_issue
from jiedu.core import clock
from jiedu.core.models import AuditEntry
from jiedu.mmt import services as mmt_services
from jiedu.mmt.models import DoseDay, DoseOrder, DosePart, DoseRefusal, Episode
from jiedu.mmt.tests.conftest import enrol, register
from jiedu.patients.tests.test_races import run_in_threads
from jiedu.pharmacy.models import LedgerEntry, StockBalance
from jiedu.pharmacy.services import ledger_verify
from jiedu.reports.models import Delivery, RecipientRule
from jiedu.testing import PASSWORD, build_clinic_stock, make_id_number

ZSF = make_id_number(birth=dt.date(1979, 3, 8), seq=37)
JSON = "application/json"


@pytest.fixture
def stock(world):
    return build_clinic_stock(world)


@pytest.fixture
def recipients(world):
    RecipientRule.objects.create(region=world.county, recipient=world.police)
    RecipientRule.objects.create(region=world.county, recipient=world.community)


@pytest.fixture
def patient(world, stock):
    person = register(world)
    return person, enrol(world, person)


class Api:
    """A bearer-token client for one persona, asking for English."""

    def __init__(self, user: User) -> None:
        self.user = user
        self.secret = api_token_issue(actor=None, user=user, name="test").secret
        self.client = Client(HTTP_ACCEPT_LANGUAGE="en", HTTP_AUTHORIZATION=f"Bearer {self.secret}")

    def get(self, path, **params):
        return self.client.get(f"/api/v1{path}", params)

    def post(self, path, body=None, **headers):
        return self.client.post(
            f"/api/v1{path}", body if body is not None else {}, content_type=JSON, **headers
        )


@pytest.fixture
def as_(world):
    return lambda name: Api(world.users[name])


def _already_message(person):
    first = DoseDay.objects.select_related("site").get(person=person).first_at
    at = timezone.localtime(first, clock.SHANGHAI).strftime("%H:%M")
    return f"Already dosed today at {at} at 南安市美沙酮维持治疗门诊."


# --- the happy path -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_enrol_order_and_dose_through_http(world, stock, recipients, as_):
    person = register(world)
    doctor, nurse, police = as_("doctor_a"), as_("nurse_a"), as_("police")

    applied = doctor.post("/mmt/episodes", {"person_id": person.pk})
    assert applied.status_code == 201
    episode_id = applied.json()["id"]
    assert applied.json()["status"] == "applied"
    assessed = doctor.post(
        f"/mmt/episodes/{episode_id}/assess",
        {"dependence_evidence": "吸食海洛因10年", "documents": ["身份证复印件"], "agreement_signed": True},
    )
    assert (assessed.status_code, assessed.json()["status"]) == (200, "assessed")
    accepted = doctor.post(f"/mmt/episodes/{episode_id}/accept", {})
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "active"
    assert accepted.json()["card_number"] == f"350583{episode_id:07d}"

    again = doctor.post("/mmt/episodes", {"person_id": person.pk})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_enrolled"

    order = doctor.post(f"/mmt/episodes/{episode_id}/orders", {"dose_mg": "30", "reason": "诱导期"})
    assert order.status_code == 201
    assert (order.json()["dose_mg"], order.json()["prescriber"]) == ("30.0", "doctor_a")

    assert [p["person_id"] for p in nurse.get("/mmt/window/pending").json()] == [person.pk]
    dosed = nurse.post("/mmt/doses", {"person_id": person.pk})
    assert dosed.status_code == 201
    body = dosed.json()
    part = DosePart.objects.get()
    assert body == {
        "status": "dosed",
        "message": "Dosed: 30.0 mg (30.00 mL).",
        "dose": {
            "day": str(clock.local_today()),
            "mg": "30.0",
            "ml": "30.00",
            "part": 1,
            "parts_planned": 1,
            "site": "南安市美沙酮维持治疗门诊",
            "at": body["dose"]["at"],
        },
    }
    assert dt.datetime.fromisoformat(body["dose"]["at"]) == part.at.replace(
        microsecond=part.at.microsecond // 1000 * 1000
    )
    assert nurse.get("/mmt/window/pending").json() == []
    listed = nurse.get("/mmt/doses", day=str(clock.local_today())).json()
    assert [(d["person_name"], d["ordered_mg"], len(d["parts"])) for d in listed] == [("张三丰", "30.0", 1)]
    assert nurse.get("/mmt/doses", day="2020-01-01").json() == []

    detail = nurse.get(f"/mmt/episodes/{episode_id}").json()
    assert [e["kind"] for e in detail["events"]] == ["applied", "assessed", "accepted", "order", "reviewed"]
    assert [o["dose_mg"] for o in detail["orders"]] == ["30.0"]
    assert detail["last_dose_on"] == str(clock.local_today())
    assert [e["id"] for e in nurse.get("/mmt/episodes", person_id=person.pk, status="active").json()] == [
        episode_id
    ]
    assert nurse.get("/mmt/episodes", status="exited").json() == []

    balance = StockBalance.objects.get(store=stock[world.clinic_a.pk])
    assert balance.quantity == Decimal("4970.00")
    assert LedgerEntry.objects.filter(kind="administration").count() == 1

    inbox = police.get("/reports/inbox").json()
    assert [(i["kind"], i["subject_name"], i["id_number"], i["overdue"]) for i in inbox] == [
        ("enrolment", "张三丰", ZSF, False)
    ]
    ack = police.post(f"/reports/deliveries/{inbox[0]['delivery_id']}/acknowledge")
    assert (ack.status_code, ack.json()["acknowledged_by"]) == (200, "police")
    twice = police.post(f"/reports/deliveries/{inbox[0]['delivery_id']}/acknowledge")
    assert twice.status_code == 409
    assert twice.json() == {
        "error": {
            "code": "already_acknowledged",
            "message": "This report was already acknowledged.",
            "fields": {},
        }
    }
    actions = list(AuditEntry.objects.filter(actor=world.nurse_a).values_list("action", "channel"))
    assert ("mmt.dose.administer", "api") in actions


@pytest.mark.django_db
def test_second_dose_is_409_already_dosed_with_the_time_and_site(world, patient, as_):
    person, _episode = patient
    nurse = as_("nurse_a")
    assert nurse.post("/mmt/doses", {"person_id": person.pk}).status_code == 201
    second = nurse.post("/mmt/doses", {"person_id": person.pk, "site_id": world.clinic_a.pk})
    assert second.status_code == 409
    assert second.json() == {
        "error": {"code": "already_dosed", "message": _already_message(person), "fields": {}}
    }
    assert DosePart.objects.count() == 1


@pytest.mark.django_db
def test_idempotency_key_replay_gives_200_and_one_dose(world, patient, as_):
    person, _episode = patient
    nurse = as_("nurse_a")
    first = nurse.post("/mmt/doses", {"person_id": person.pk}, HTTP_IDEMPOTENCY_KEY="window-1-0001")
    replay = nurse.post("/mmt/doses", {"person_id": person.pk}, HTTP_IDEMPOTENCY_KEY="window-1-0001")
    assert (first.status_code, replay.status_code) == (201, 200)
    assert replay.json()["status"] == "replayed"
    assert replay.json()["dose"] == first.json()["dose"]
    assert DoseDay.objects.count() == DosePart.objects.count() == 1
    assert LedgerEntry.objects.filter(kind="administration").count() == 1
    other = register(world, seq=38, name="李四", birth=dt.date(1980, 5, 1))
    enrol(world, other)
    misuse = nurse.post("/mmt/doses", {"person_id": other.pk}, HTTP_IDEMPOTENCY_KEY="window-1-0001")
    assert misuse.status_code == 422
    assert misuse.json()["error"]["fields"] == {
        "idempotency_key": ["This idempotency key was used for another dose."]
    }


@pytest.mark.django_db
def test_refusal_outcomes_and_insufficient_stock(world, patient, as_):
    person, episode = patient
    doctor, nurse = as_("doctor_a"), as_("nurse_a")
    assert doctor.post(f"/mmt/episodes/{episode.pk}/suspend", {"reason": "住院"}).status_code == 200
    assert doctor.post(f"/mmt/episodes/{episode.pk}/resume").json()["needs_review"] is True
    refused = nurse.post("/mmt/doses", {"person_id": person.pk})
    assert refused.status_code == 422
    assert refused.json() == {
        "error": {
            "code": "refused",
            "message": "Needs a doctor's review",
            "fields": {},
            "reason": "needs_review",
        }
    }
    assert DoseRefusal.objects.get().reason == "needs_review"
    declined = nurse.post("/mmt/refusals", {"person_id": person.pk, "reason": "intoxicated", "note": "醉酒"})
    assert (declined.status_code, declined.json()["reason"]) == (201, "intoxicated")
    bad_reason = nurse.post("/mmt/refusals", {"person_id": person.pk, "reason": "bored"})
    assert bad_reason.json()["error"]["fields"] == {"reason": ["Choose a reason."]}

    doctor.post(f"/mmt/episodes/{episode.pk}/orders", {"dose_mg": "30", "reason": "复查"})
    StockBalance.objects.update(quantity=Decimal("10"))
    short = nurse.post("/mmt/doses", {"person_id": person.pk})
    assert short.status_code == 409
    assert short.json()["error"]["code"] == "insufficient_stock"
    assert DoseDay.objects.count() == 0


# --- scope, roles and input -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_clinic_b_cannot_see_or_dose_clinic_a_patients(world, patient, as_):
    person, episode = patient
    nurse_b = as_("nurse_b")
    missing = nurse_b.get(f"/mmt/episodes/{episode.pk + 1000}")
    hidden = nurse_b.get(f"/mmt/episodes/{episode.pk}")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    assert nurse_b.get("/mmt/episodes").json() == []
    dose = nurse_b.post("/mmt/doses", {"person_id": person.pk})
    assert dose.status_code == 404
    assert nurse_b.post("/mmt/refusals", {"person_id": person.pk, "reason": "other"}).status_code == 404
    at_a = nurse_b.post("/mmt/doses", {"person_id": person.pk, "site_id": world.clinic_a.pk})
    assert at_a.status_code == 403
    assert at_a.json()["error"]["code"] == "forbidden"
    assert (DoseDay.objects.count(), DosePart.objects.count(), DoseRefusal.objects.count()) == (0, 0, 0)
    assert LedgerEntry.objects.filter(kind="administration").count() == 0
    assert nurse_b.get("/mmt/window/pending").json() == []


@pytest.mark.django_db
def test_guest_grant_lets_clinic_b_dose_and_transfer_moves_the_patient(world, patient, as_):
    person, episode = patient
    doctor_b = User.objects.create_user(username="doctor_b", password="x", organisation=world.clinic_b)
    RoleAssignment.objects.create(user=doctor_b, role="doctor")
    doctor_a, nurse_b = as_("doctor_a"), as_("nurse_b")
    today = clock.local_today()
    grant = doctor_a.post(
        f"/mmt/episodes/{episode.pk}/guest-grants",
        {"host_clinic_id": world.clinic_b.pk, "start_on": str(today), "end_on": str(today), "reason": "探亲"},
    )
    assert grant.status_code == 201
    assert [p["guest"] for p in nurse_b.get("/mmt/window/pending").json()] == [True]
    dosed = nurse_b.post("/mmt/doses", {"person_id": person.pk})
    assert (dosed.status_code, dosed.json()["dose"]["site"]) == (201, "南安市第二美沙酮门诊")

    unknown = doctor_a.post(f"/mmt/episodes/{episode.pk}/transfers", {"to_clinic_id": 999999})
    assert unknown.json()["error"]["fields"] == {"to_clinic_id": ["Unknown clinic."]}
    asked = doctor_a.post(
        f"/mmt/episodes/{episode.pk}/transfers", {"to_clinic_id": world.clinic_b.pk, "reason": "搬家"}
    )
    assert (asked.status_code, asked.json()["status"]) == (201, "pending")
    transfer_id = asked.json()["id"]
    assert doctor_a.post(f"/mmt/transfers/{transfer_id}/accept").status_code == 404
    accepted = Api(doctor_b).post(f"/mmt/transfers/{transfer_id}/accept")
    assert accepted.status_code == 201
    assert (accepted.json()["clinic_id"], accepted.json()["status"]) == (world.clinic_b.pk, "active")
    assert Episode.objects.get(pk=episode.pk).status == "exited"


@pytest.mark.django_db
def test_pharmacist_cannot_write_orders(world, patient, as_):
    _person, episode = patient
    before = DoseOrder.objects.count()
    response = as_("keeper_a").post(f"/mmt/episodes/{episode.pk}/orders", {"dose_mg": "35", "reason": "加量"})
    assert response.status_code == 403
    assert response.json() == {
        "error": {"code": "forbidden", "message": "Your role does not allow this.", "fields": {}}
    }
    assert DoseOrder.objects.count() == before
    assert AuditEntry.objects.filter(action="access.denied", actor=world.keeper_a).count() == 1
    assert as_("nurse_a").post("/mmt/episodes", {"person_id": 1}).status_code == 403


@pytest.mark.django_db
def test_limit_breach_and_malformed_bodies_name_the_field(world, patient, as_):
    person, episode = patient
    doctor, nurse = as_("doctor_a"), as_("nurse_a")
    before = DoseOrder.objects.count()
    high = doctor.post(f"/mmt/episodes/{episode.pk}/orders", {"dose_mg": "200", "reason": "加量"})
    assert high.status_code == 422
    assert set(high.json()["error"]["fields"]) == {"dose_mg", "override_reason"}
    assert high.json()["error"]["fields"]["override_reason"] == [
        "To exceed a limit, give the clinical reason for the override."
    ]
    assert DoseOrder.objects.count() == before

    missing = nurse.post("/mmt/doses", {})
    assert (missing.status_code, missing.json()["error"]["fields"]) == (
        422,
        {"person_id": ["Field required"]},
    )
    wrong = doctor.post(f"/mmt/episodes/{episode.pk}/orders", {"dose_mg": "a lot", "reason": "x"})
    assert list(wrong.json()["error"]["fields"]) == ["dose_mg"]
    broken = nurse.post("/mmt/doses", '{"person_id": ')
    assert (broken.status_code, broken.json()["error"]["code"]) == (400, "malformed_json")
    exit_ = doctor.post(f"/mmt/episodes/{episode.pk}/exit", {"reason": "transferred"})
    assert exit_.json()["error"]["fields"] == {
        "reason": ["Choose an exit reason (a transfer is done with “transfer”)."]
    }
    assert DoseDay.objects.count() == 0
    assert Episode.objects.get(pk=episode.pk).status == "active"


@pytest.mark.django_db
def test_lists_take_the_same_number_of_queries_for_one_or_three_patients(world, stock, recipients, as_):
    nurse, police = as_("nurse_a"), as_("police")
    paths = [
        (nurse, "/mmt/episodes"),
        (nurse, "/mmt/window/pending"),
        (nurse, "/mmt/doses"),
        (police, "/reports/inbox"),
    ]

    def counts():
        result = []
        for who, path in paths:
            with CaptureQueriesContext(connection) as ctx:
                assert who.get(path).status_code == 200
            result.append(len(ctx.captured_queries))
        return result

    def patient(seq, name, birth):
        person = register(world, seq=seq, name=name, birth=birth)
        enrol(world, person)
        mmt_services.dose_administer(actor=world.nurse_a, person=person, site=world.clinic_a)

    patient(37, "张三丰", dt.date(1979, 3, 8))
    counts()  # each token's first request records its use (at most once a minute); measure after it
    one = counts()
    patient(38, "李四", dt.date(1980, 5, 1))
    patient(39, "王五", dt.date(1981, 6, 2))
    assert len(nurse.get("/mmt/episodes").json()) == 3
    assert len(police.get("/reports/inbox").json()) == 3
    assert counts() == one


# --- stock ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_stock_movements_with_a_witness(world, stock, as_):
    keeper = as_("keeper_a")
    balances = keeper.get("/stock/balances").json()
    assert [(b["store_name"], b["quantity"]) for b in balances] == [
        ("发药柜", "5000.00"),
        ("发药柜", "5000.00"),
    ]
    store_a, store_point = stock[world.clinic_a.pk].pk, stock[world.dosing_point_a.pk].pk
    assert as_("keeper_b").get("/stock/balances").json()[0]["organisation_id"] == world.clinic_b.pk

    receipt = {
        "store_id": store_a,
        "drug_code": "methadone-oral-solution",
        "batch_no": "MS2025",
        "expiry": "2029-01-31",
        "maker": "国药集团",
        "quantity": "1000",
        "concentration_mg_per_ml": "1",
        "voucher": "RK-001",
        "supplier": "国药控股福建有限公司",
        "quality": "验收合格",
        "witness_username": "nurse_a",
        "witness_password": PASSWORD,
    }
    received = keeper.post("/stock/receipts", receipt)
    assert received.status_code == 201
    assert (received.json()["kind"], received.json()["witness"]) == ("receipt", "nurse_a")

    stranger = keeper.post("/stock/receipts", {**receipt, "witness_username": "nurse_b"})
    assert stranger.status_code == 422
    assert stranger.json()["error"]["fields"] == {
        "witness_username": ["No colleague of your organisation has this account."]
    }
    alone = keeper.post("/stock/receipts", {k: v for k, v in receipt.items() if k != "witness_username"})
    assert alone.json()["error"]["fields"] == {"witness": ["A second person must witness this."]}
    other_store = keeper.post("/stock/receipts", {**receipt, "store_id": stock[world.clinic_b.pk].pk})
    assert other_store.json()["error"]["fields"] == {"store_id": ["Unknown store."]}

    batch_id = received.json()["batch_id"]
    moved = keeper.post(
        "/stock/transfers",
        {
            "source_store_id": store_a,
            "target_store_id": store_point,
            "batch_id": batch_id,
            "quantity": "200",
            "witness_id": world.nurse_point_a.pk,  # a keeper of the receiving store signs
            "witness_password": PASSWORD,
        },
    )
    assert moved.status_code == 201
    assert (moved.json()["outgoing"]["balance_after"], moved.json()["incoming"]["balance_after"]) == (
        "800.00",
        "200.00",
    )
    spilt = keeper.post(
        "/stock/waste",
        {
            "store_id": store_a,
            "batch_id": batch_id,
            "quantity": "5",
            "reason": "打翻",
            "witness_id": world.nurse_a.pk,
            "witness_password": PASSWORD,
        },
    )
    assert (spilt.status_code, spilt.json()["balance_after"]) == (201, "795.00")
    reversed_ = keeper.post(
        "/stock/reversals",
        {
            "entry_id": spilt.json()["id"],
            "reason": "记错",
            "witness_username": "nurse_a",
            "witness_password": PASSWORD,
        },
    )
    assert (reversed_.status_code, reversed_.json()["reverses_id"]) == (201, spilt.json()["id"])
    too_much = keeper.post(
        "/stock/waste",
        {
            "store_id": store_a,
            "batch_id": batch_id,
            "quantity": "5000",
            "reason": "x",
            "witness_id": world.nurse_a.pk,
            "witness_password": PASSWORD,
        },
    )
    assert (too_much.status_code, too_much.json()["error"]["code"]) == (409, "insufficient_stock")

    entries = keeper.get("/stock/entries", store_id=store_a, since=str(clock.local_today())).json()
    assert [e["kind"] for e in entries] == ["receipt", "receipt", "transfer_out", "waste", "reversal"]
    assert as_("nurse_b").get("/stock/entries", store_id=store_a).json() == []

    counts = [
        {"batch_id": b["batch_id"], "quantity": b["quantity"]}
        for b in keeper.get("/stock/balances").json()
        if b["store_id"] == store_a
    ]
    closed = keeper.post(
        "/stock/day-closes",
        {
            "store_id": store_a,
            "counts": counts,
            "witness_username": "nurse_a",
            "witness_password": PASSWORD,
        },
    )
    assert closed.status_code == 201
    assert (
        closed.json()["kind"],
        closed.json()["has_variance"],
        closed.json()["variance_id"],
        len(closed.json()["lines"]),
    ) == ("day_close", False, None, 2)
    again = keeper.post(
        "/stock/day-closes",
        {
            "store_id": store_a,
            "counts": counts,
            "witness_username": "nurse_a",
            "witness_password": PASSWORD,
        },
    )
    assert again.json()["error"]["fields"] == {"day": ["This store's day is already closed."]}
    for balance in StockBalance.objects.select_related("store", "batch"):
        assert ledger_verify(store=balance.store, batch=balance.batch) is None
    assert as_("police").get("/stock/balances").status_code == 403


@pytest.mark.django_db
def test_the_witness_signs_with_their_own_password(world, stock, as_):
    keeper = as_("keeper_a")
    store_a = stock[world.clinic_a.pk]
    batch_id = StockBalance.objects.get(store=store_a).batch_id
    waste = {
        "store_id": store_a.pk,
        "batch_id": batch_id,
        "quantity": "5",
        "reason": "打翻",
        "witness_username": "nurse_a",
    }
    before = LedgerEntry.objects.count()

    wrong = keeper.post("/stock/waste", {**waste, "witness_password": "guess"})
    assert wrong.status_code == 422
    assert wrong.json() == {
        "error": {
            "code": "invalid",
            "message": "witness_password: This is not nurse_a's password.",
            "fields": {"witness_password": ["This is not nurse_a's password."]},
        }
    }
    missing = keeper.post("/stock/waste", waste)
    assert missing.status_code == 422
    assert missing.json()["error"]["fields"] == {
        "witness_password": ["The witness signs by entering their own password."]
    }
    empty = keeper.post("/stock/waste", {**waste, "witness_password": ""})
    assert empty.json()["error"]["fields"] == missing.json()["error"]["fields"]
    assert LedgerEntry.objects.count() == before
    assert StockBalance.objects.get(store=store_a).quantity == Decimal("5000.00")
    # The wrong password counts towards the witness's lockout, like a failed sign-in.
    assert User.objects.get(pk=world.nurse_a.pk).failed_login_count == 1
    assert list(
        AuditEntry.objects.filter(action="auth.countersign").values_list("actor_username", "outcome")
    ) == [("nurse_a", "failure")]

    signed = keeper.post("/stock/waste", {**waste, "witness_password": PASSWORD})
    assert (signed.status_code, signed.json()["witness"], signed.json()["balance_after"]) == (
        201,
        "nurse_a",
        "4995.00",
    )
    assert User.objects.get(pk=world.nurse_a.pk).failed_login_count == 0
    assert list(
        AuditEntry.objects.filter(action="auth.countersign")
        .order_by("seq")
        .values_list("actor_username", "outcome")
    ) == [("nurse_a", "failure"), ("nurse_a", "success")]


# --- reports --------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_police_and_community_see_only_their_own_inbox(world, stock, recipients, as_):
    enrol(world, register(world))
    police, community = as_("police"), as_("community")
    police_items = police.get("/reports/inbox").json()
    community_items = community.get("/reports/inbox").json()
    assert [i["id_number"] for i in police_items] == [ZSF]
    assert [i["id_number"] for i in community_items] == [ZSF]
    police_delivery = Delivery.objects.get(recipient=world.police)
    community_delivery = Delivery.objects.get(recipient=world.community)
    assert [i["delivery_id"] for i in police_items] == [police_delivery.pk]
    assert [i["delivery_id"] for i in community_items] == [community_delivery.pk]
    assert police.post(f"/reports/deliveries/{community_delivery.pk}/acknowledge").status_code == 404
    assert Delivery.objects.get(pk=community_delivery.pk).acknowledged_at is None
    assert police.get("/reports/inbox", overdue="true").json() == []
    views = AuditEntry.objects.filter(action="report.inbox_view").order_by("seq")
    assert [(v.actor_username, v.detail["count"]) for v in views] == [
        ("police", 1),
        ("community", 1),
        ("police", 0),
    ]
    assert as_("nurse_a").get("/reports/inbox").status_code == 403


# --- the race, on PostgreSQL ----------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency needs PostgreSQL")
def test_fifty_concurrent_http_doses_give_one(world):
    stock = build_clinic_stock(world)
    person = register(world)
    enrol(world, person)
    secret = api_token_issue(actor=None, user=world.nurse_a, name="window").secret

    def dose(i):
        client = Client(HTTP_ACCEPT_LANGUAGE="en", HTTP_AUTHORIZATION=f"Bearer {secret}")
        response = client.post(
            "/api/v1/mmt/doses",
            {"person_id": person.pk},
            content_type=JSON,
            HTTP_IDEMPOTENCY_KEY=f"k-{i % 5}",
        )
        return response.status_code, response.json()

    results = run_in_threads(50, dose)
    codes = sorted(code for code, _body in results)
    assert 500 not in codes
    assert codes.count(201) == 1
    assert set(codes) <= {200, 201, 409}
    for code, body in results:
        if code == 409:
            assert body["error"]["code"] == "already_dosed"
            assert body["error"]["message"] == _already_message(person)
        if code == 200:
            assert body["status"] == "replayed"
    assert DoseDay.objects.count() == 1
    assert DosePart.objects.count() == 1
    assert LedgerEntry.objects.filter(kind="administration").count() == 1
    balance = StockBalance.objects.get(store=stock[world.clinic_a.pk])
    assert balance.quantity == Decimal("4970.00")
    assert ledger_verify(store=balance.store, batch=balance.batch) is None
    assert mmt_services.order_in_force(Episode.objects.get(), clock.local_today()).dose_mg == Decimal("30.0")


def test_taper_plan_through_the_api(world, stock, as_):
    from jiedu.core import clock

    person = register(world)
    episode = enrol(world, person, dose=Decimal("40"))
    doctor = as_("doctor_a")
    start = clock.local_today() + dt.timedelta(days=7)
    body = {"start_on": str(start), "to_mg": "30", "step_mg": "5", "every_days": 7, "reason": "计划减量"}
    created = doctor.post(f"/mmt/episodes/{episode.pk}/taper-plans", body)
    assert created.status_code == 201
    plan = created.json()
    assert [(o["effective_on"], o["dose_mg"]) for o in plan["orders"]] == [
        (str(start), "35.0"),
        (str(start + dt.timedelta(days=7)), "30.0"),
    ]
    cancelled = doctor.post(f"/mmt/taper-plans/{plan['id']}/cancel")
    assert (cancelled.status_code, cancelled.json()["cancelled_on"]) == (200, str(clock.local_today()))
    nurse = as_("nurse_a")
    refused = nurse.post(f"/mmt/episodes/{episode.pk}/taper-plans", body)
    assert refused.status_code == 403
