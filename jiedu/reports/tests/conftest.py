from jiedu.reports.tests.test_reports import person  # noqa: F401 - the registered person, for every test here
