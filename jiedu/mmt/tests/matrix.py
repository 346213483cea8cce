"""This app's rows of the permission matrix (jiedu/policy/tests/test_matrix.py merges every app's rows).

route name → (method, {"ok": personas that get the page, "hidden": allowed by role but out of scope (404)});
personas in neither set get 403. A row may add "url": a callable (world, subject) → URL, where subject holds
the registered person ``subject["person"]`` (at clinic A); it may create the objects the URL needs.
Use ``jiedu.policy.tests.test_matrix.row(ok, hidden=..., url=...)``.
"""

from jiedu.policy.tests.test_matrix import CLINIC_A, row

#: MMT_VIEW: clinical staff of any MMT clinic or dosing point.
VIEWERS = CLINIC_A | {"nurse_b", "keeper_b", "nurse_elsewhere"}
#: MMT_DOSE: nurses and doctors.
DOSERS = frozenset({"doctor_a", "nurse_a", "nurse_point_a", "nurse_b", "nurse_elsewhere"})

ROWS: dict = {
    # The dosing window (jiedu/mmt/views_window.py). Each site sees only the patients it may dose today, so
    # these pages answer every allowed persona with their own site's (here empty) queue.
    "mmt:window": ("get", row(DOSERS)),
    "mmt:lookup": ("get", row(DOSERS)),
    "mmt:window_lists": ("get", row(VIEWERS)),
    # POSTed with no data: refused for its input (400, naming the field) before anything is looked up.
    "mmt:dose": ("post", row(DOSERS, ok_status=400)),
    "mmt:refuse": ("post", row(DOSERS, ok_status=400)),
    "mmt:daysheet": ("get", row(VIEWERS)),
}
