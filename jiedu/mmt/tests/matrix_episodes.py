"""This app's rows of the permission matrix (jiedu/policy/tests/test_matrix.py merges every app's rows).

route name → (method, {"ok": personas that get the page, "hidden": allowed by role but out of scope (404)});
personas in neither set get 403. A row may add "url": a callable (world, subject) → URL, where subject holds
the registered person ``subject["person"]`` (at clinic A); it may create the objects the URL needs.
Use ``jiedu.policy.tests.test_matrix.row(ok, hidden=..., url=...)``.
"""

ROWS: dict = {}
