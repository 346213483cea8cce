"""A Hypothesis state machine over random sequences of receive, transfer, issue, return, dispense (a dose
draw), waste, destruction, loss, reversal and count, against an independent model of the stock.

After every step: no balance is negative; each balance equals the model (the sum of the movements the services
reported); every ledger row ever written is unchanged; every chain verifies. Each refused movement is predicted
by the model (it asks for more than is held) and writes nothing.
"""

import datetime as dt
from decimal import Decimal
from unittest import mock

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from jiedu.core import clock
from jiedu.core.errors import FieldErrors
from jiedu.pharmacy import services
from jiedu.pharmacy.models import (
    DayClose,
    Drug,
    EntryKind,
    LedgerEntry,
    SealCard,
    StockBalance,
    Store,
    StoreKeeper,
)

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=clock.SHANGHAI)
EXPIRIES = [dt.date(2027, 1, 31), dt.date(2027, 6, 30), dt.date(2028, 3, 31)]


class LedgerMachine(RuleBasedStateMachine):
    world = None  # set by the test

    batches = Bundle("batches")

    def __init__(self) -> None:
        super().__init__()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.now = START
        self.clock = mock.patch.object(clock, "now", lambda: self.now)
        self.clock.start()
        w = self.world
        self.w = w
        self.vault = Store.objects.create(organisation=w.clinic_a, name="专库", kind="strong_room")
        self.cabinet = Store.objects.create(
            organisation=w.clinic_a, name="发药柜", kind="dispensing", dispenses_doses=True
        )
        for store, user in ((self.vault, w.keeper_a), (self.cabinet, w.nurse_a)):
            StoreKeeper.objects.create(
                store=store, user=user, appointed_by=w.director_a, appointed_on=START.date()
            )
        SealCard.objects.create(
            organisation=w.clinic_a,
            number="闽麻精印-SM",
            issuer="泉州市卫生健康委员会",
            valid_from=dt.date(2025, 1, 1),
            valid_to=dt.date(2027, 12, 31),
            registered_by=w.director_a,
            registered_at=START,
        )
        self.model: dict[tuple[int, int], Decimal] = {}
        self.seen: dict[int, tuple] = {}
        self.receipts = 0

    def teardown(self) -> None:
        self.clock.stop()
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    # -- helpers --

    def _held(self, store: Store, batch_id: int) -> Decimal:
        return self.model.get((store.pk, batch_id), Decimal("0"))

    def _book(self, entry: LedgerEntry, store: Store, batch_id: int, delta: Decimal) -> LedgerEntry:
        """Apply the movement the model asked for; the entry written must be exactly that movement."""
        assert (entry.store_id, entry.batch_id, entry.quantity) == (
            store.pk,
            batch_id,
            delta.quantize(Decimal("0.01")),
        )
        key = (store.pk, batch_id)
        self.model[key] = self.model.get(key, Decimal("0")) + delta
        assert entry.balance_after == self.model[key]
        return entry

    def _refused(self, call, *, expect_refusal: bool) -> LedgerEntry | tuple | None:
        before = LedgerEntry.objects.count()
        try:
            result = call()
        except (FieldErrors, services.InsufficientStock):
            assert expect_refusal, "the service refused a movement the model allows"
            assert LedgerEntry.objects.count() == before, "a refused movement wrote something"
            return None
        assert not expect_refusal, "the service allowed more than is held"
        return result

    def _store(self, which: str) -> Store:
        return self.vault if which == "vault" else self.cabinet

    def _actor(self, store: Store):
        return self.w.keeper_a if store == self.vault else self.w.nurse_a

    def _witness(self, store: Store):
        return self.w.nurse_a if store == self.vault else self.w.keeper_a

    # -- rules --

    @initialize(target=batches)
    def first_receipt(self):
        return self.receive(code="methadone-oral-solution", quantity=500, expiry=0)

    @rule(
        target=batches,
        code=st.sampled_from(["methadone-oral-solution", "morphine-hcl-injection", "diazepam-tablet"]),
        quantity=st.integers(1, 40),
        expiry=st.integers(0, 2),
    )
    def receive(self, code, quantity, expiry):
        drug = Drug.objects.get(code=code)
        self.receipts += 1
        amount = Decimal(quantity) * drug.units_per_package
        entry = services.stock_receive(
            actor=self.w.keeper_a,
            witness=self.w.nurse_a,
            store=self.vault,
            line=services.ReceiptLine(
                drug=drug,
                batch_no=f"SM{self.receipts}",
                expiry=EXPIRIES[expiry],
                maker="东北制药",
                quantity=amount,
                concentration_mg_per_ml=Decimal("1") if code.startswith("methadone") else None,
            ),
            voucher=f"RK{self.receipts}",
            supplier="国药控股福建有限公司",
            quality="合格",
        )
        self._book(entry, self.vault, entry.batch_id, amount)
        return entry.batch_id

    @rule(batch=batches, quantity=st.integers(1, 120))
    def transfer(self, batch, quantity):
        q = Decimal(quantity)
        result = self._refused(
            lambda: services.stock_transfer(
                actor=self.w.keeper_a,
                witness=self.w.nurse_a,
                source=self.vault,
                target=self.cabinet,
                batch=StockBalance.objects.get(store=self.vault, batch_id=batch).batch,
                quantity=q,
            ),
            expect_refusal=q > self._held(self.vault, batch),
        )
        if result:
            out, inn = result
            self._book(out, self.vault, batch, -q)
            self._book(inn, self.cabinet, batch, q)

    @rule(
        batch=batches,
        which=st.sampled_from(["vault", "cabinet"]),
        quantity=st.integers(1, 60),
        kind=st.sampled_from(["issue", "waste", "destroy", "loss", "theft", "return"]),
    )
    def move(self, batch, which, quantity, kind):
        store, q = self._store(which), Decimal(quantity)
        held = self._held(store, batch)
        balance = StockBalance.objects.filter(store=store, batch_id=batch).select_related("batch").first()
        if balance is None:
            return
        common = {"actor": self._actor(store), "store": store, "batch": balance.batch, "quantity": q}
        calls = {
            "issue": lambda: services.stock_issue(
                witness=self._witness(store), department="急诊科", voucher="LY", **common
            ),
            "waste": lambda: services.stock_waste(witness=self._witness(store), reason="洒落", **common),
            "destroy": lambda: services.stock_destroy(
                witness=self.w.inspector, approval="南卫药销〔2026〕1号", method="焚烧", **common
            ),
            "loss": lambda: services.stock_loss(
                witness=self._witness(store), kind=EntryKind.LOSS, account="盘点发现短少", **common
            ),
            "theft": lambda: services.stock_loss(
                witness=self._witness(store), kind=EntryKind.THEFT, account="被盗", **common
            ),
            "return": lambda: services.stock_return(
                witness=self._witness(store), department="急诊科", reason="未用完退回", **common
            ),
        }
        entry = self._refused(calls[kind], expect_refusal=kind != "return" and q > held)
        if entry:
            self._book(entry, store, batch, q if kind == "return" else -q)

    @rule(mg=st.sampled_from([Decimal("20"), Decimal("60"), Decimal("95")]))
    def dose(self, mg):
        methadone = [
            (b.batch.expiry, b.batch_id, b.quantity)
            for b in StockBalance.objects.filter(
                store=self.cabinet, batch__drug__code="methadone-oral-solution"
            ).select_related("batch")
        ]
        fits = [b for b in methadone if self.model.get((self.cabinet.pk, b[1]), Decimal("0")) >= mg]
        entry = self._refused(
            lambda: services.stock_draw_for_dose(
                actor=self.w.nurse_a,
                site=self.w.clinic_a,
                drug_code="methadone-oral-solution",
                dose_mg=mg,
                today=self.now.date(),
            ),
            expect_refusal=not fits,
        )
        if entry:
            assert entry.batch_id == min(fits)[1], "the dose was not drawn from the first-expiring batch"
            self._book(entry, self.cabinet, entry.batch_id, -mg)

    @rule(data=st.data())
    def reverse(self, data):
        candidates = list(
            LedgerEntry.objects.exclude(kind__in=[EntryKind.REVERSAL, EntryKind.ADMINISTRATION])
            .filter(reversed_by__isnull=True)
            .order_by("pk")
        )
        if not candidates:
            return
        entry = data.draw(st.sampled_from(candidates))
        # Undoing a movement into a store needs what came in to be still there.
        short = entry.quantity > 0 and entry.quantity > self._held(entry.store, entry.batch_id)
        reversal = self._refused(
            lambda: services.stock_reverse(
                actor=self._actor(entry.store),
                witness=self._witness(entry.store),
                entry=entry,
                reason="录入错误",
            ),
            expect_refusal=short,
        )
        if reversal:
            assert reversal.reverses_id == entry.pk
            self._book(reversal, entry.store, entry.batch_id, -entry.quantity)

    @rule(which=st.sampled_from(["vault", "cabinet"]), short=st.sampled_from([Decimal("0"), Decimal("1")]))
    def count(self, which, short):
        store = self._store(which)
        self.now += dt.timedelta(days=1)
        held = {b: q for (s, b), q in self.model.items() if s == store.pk and q > 0}
        if short and held:
            last = max(held)
            held[last] -= min(short, held[last])
        close = services.day_close(
            actor=self._actor(store),
            witness=self._witness(store),
            store=store,
            day=self.now.date(),
            counts=held,
        )
        assert close.has_variance == (
            short > 0 and any(q > 0 for (s, _b), q in self.model.items() if s == store.pk)
        )
        assert DayClose.objects.filter(store=store, day=self.now.date()).count() == 1

    # -- invariants --

    @invariant()
    def balances_match_the_movements(self):
        db = {(b.store_id, b.batch_id): b.quantity for b in StockBalance.objects.all()}
        assert all(q >= 0 for q in db.values()), db
        assert {k: v for k, v in db.items() if v} == {k: v for k, v in self.model.items() if v}

    @invariant()
    def no_row_ever_changes(self):
        rows = {
            e.pk: (e.store_id, e.batch_id, e.seq, e.kind, e.quantity, e.balance_after, e.hash)
            for e in LedgerEntry.objects.all()
        }
        for pk, row in self.seen.items():
            assert rows.get(pk) == row, f"ledger entry {pk} changed or vanished"
        self.seen = rows

    @invariant()
    def every_chain_verifies(self):
        checked, broken = services.ledgers_verify()
        assert broken == []


def test_random_sequences_of_movements_keep_the_ledger_true(world):
    LedgerMachine.world = world
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=25,
            stateful_step_count=30,
            deadline=None,
            derandomize=True,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
