"""This app's rows of the permission matrix (jiedu/policy/tests/test_matrix.py merges every app's rows)."""

from jiedu.policy.tests.test_matrix import row

#: The head of clinic A (their clinic), the county's health officer and inspector, and the county CDC.
READERS = {"director_a", "officer", "inspector", "cdc"}

ROWS: dict = {
    "indicators:dashboard": ("get", row(READERS)),
    "indicators:dictionary": ("get", row(READERS)),
    "indicators:workbook": ("get", row(READERS)),
    "indicators:csv": ("get", row(READERS)),
    # The notification is a commission's to its districts: a clinic's head has no league to notify.
    "indicators:notification": ("get", row(READERS, hidden={"director_a"})),
}
