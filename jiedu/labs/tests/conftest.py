from jiedu.mmt.tests.conftest import recipients  # noqa: F401 - the report recipients fixture, shared
