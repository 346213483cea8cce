"""This app's rows of the permission matrix (jiedu/policy/tests/test_matrix.py merges every app's rows).

route name → (method, {"ok": personas that get the page, "hidden": allowed by role but out of scope (404)});
personas in neither set get 403. A row may add "url": a callable (world, subject) → URL, where subject holds
the registered person ``subject["person"]`` (at clinic A); it may create the objects the URL needs.
Use ``jiedu.policy.tests.test_matrix.row(ok, hidden=..., url=...)``.
"""

import datetime as dt
from decimal import Decimal

from django.urls import reverse

from jiedu.pharmacy.services import day_close
from jiedu.policy.tests.test_matrix import row
from jiedu.testing import build_clinic_stock

CLINIC_A = {"director_a", "doctor_a", "nurse_a", "keeper_a"}
STOCK_VIEWERS = CLINIC_A | {"nurse_point_a", "nurse_b", "keeper_b", "nurse_elsewhere"}
STOCK_MANAGERS = STOCK_VIEWERS - {"doctor_a"}
#: The books (statements, registers, variances, alerts): clinical staff, and the county's inspector and officer.
BOOK_READERS = STOCK_VIEWERS | {"inspector", "officer"}


def closed_day_at_clinic_a(world, subject):
    store = build_clinic_stock(world)[world.clinic_a.pk]
    balance = store.balances.get()
    close = day_close(
        actor=world.users["keeper_a"],
        witness=world.users["nurse_a"],
        store=store,
        day=dt.date(2026, 11, 20),
        counts={balance.batch_id: Decimal("4999")},
    )
    return reverse("pharmacy:dayclose_detail", args=[close.pk])


def variance_at_clinic_a(world, subject):
    store = build_clinic_stock(world)[world.clinic_a.pk]
    balance = store.balances.get()
    close = day_close(
        actor=world.users["keeper_a"],
        witness=world.users["nurse_a"],
        store=store,
        day=dt.date(2026, 11, 20),
        counts={balance.batch_id: Decimal("4998")},
    )
    return reverse("pharmacy:variance_detail", args=[close.variance_record.pk])


def prescription_at_clinic_a(world, subject):
    from jiedu.pharmacy import prescribing
    from jiedu.pharmacy.models import Drug

    build_clinic_stock(world)
    prescribing.right_grant(
        actor=world.users["director_a"],
        user=world.users["doctor_a"],
        scope="psychotropic_2",
        training="培训合格",
    )
    rx = prescribing.prescription_write(
        actor=world.users["doctor_a"], person=subject["person"], drug=Drug.objects.get(code="diazepam-tablet"),
        daily_quantity=Decimal("1"), days=3, diagnosis="焦虑状态", directions="每晚一次，每次1片，口服",
    )  # fmt: skip
    return reverse("pharmacy:rx_detail", args=[rx.pk])


def write_for_the_subject(world, subject):
    return reverse("pharmacy:rx_write") + f"?person={subject['person'].pk}"


def seal_card_of_clinic_a(world, subject):
    from jiedu.pharmacy.models import SealCard

    build_clinic_stock(world)
    return reverse("pharmacy:seal_card_use", args=[SealCard.objects.get(organisation=world.clinic_a).pk])


ROWS: dict = {
    "pharmacy:stock": ("get", row(STOCK_VIEWERS)),
    "pharmacy:receive": ("get", row(STOCK_MANAGERS)),
    "pharmacy:transfer": ("get", row(STOCK_MANAGERS)),
    "pharmacy:waste": ("get", row(STOCK_MANAGERS)),
    "pharmacy:dayclose": ("get", row(STOCK_MANAGERS)),
    # A clinic sees its own closes; other clinics and the dosing point (its own stores only) get 404.
    "pharmacy:dayclose_detail": (
        "get",
        row(STOCK_VIEWERS, hidden=STOCK_VIEWERS - CLINIC_A, url=closed_day_at_clinic_a),
    ),
    "pharmacy:issue": ("get", row(STOCK_MANAGERS)),
    "pharmacy:loss": ("get", row(STOCK_MANAGERS)),
    "pharmacy:statement": ("get", row(BOOK_READERS)),
    "pharmacy:register": ("get", row(BOOK_READERS)),
    "pharmacy:alerts": ("get", row(BOOK_READERS)),
    "pharmacy:variances": ("get", row(BOOK_READERS)),
    # Clinic A's variance: its staff and the county's inspector and officer; the dosing point and other clinics
    # do not see it.
    "pharmacy:variance_detail": (
        "get",
        row(
            BOOK_READERS,
            hidden={"nurse_point_a", "nurse_b", "keeper_b", "nurse_elsewhere"},
            url=variance_at_clinic_a,
        ),
    ),
    "pharmacy:rx_list": ("get", row(BOOK_READERS)),
    "pharmacy:rx_write": ("get", row({"doctor_a"}, url=write_for_the_subject)),
    # Clinic A's prescription: its staff (the dosing point belongs to the institution) and the county's
    # inspector and officer; other clinics do not see it.
    "pharmacy:rx_detail": (
        "get",
        row(BOOK_READERS, hidden={"nurse_b", "keeper_b", "nurse_elsewhere"}, url=prescription_at_clinic_a),
    ),
    "pharmacy:rx_rights": ("get", row({"director_a"})),
    "pharmacy:rx_destroy": ("get", row(STOCK_MANAGERS)),
    "pharmacy:custody": ("get", row(BOOK_READERS)),
    "pharmacy:seal_card_use": (
        "get",
        row(BOOK_READERS, hidden={"nurse_b", "keeper_b", "nurse_elsewhere"}, url=seal_card_of_clinic_a),
    ),
}
