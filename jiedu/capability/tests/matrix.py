"""This app's rows of the permission matrix (jiedu/policy/tests/test_matrix.py merges every app's rows)."""

ROWS: dict = {}
