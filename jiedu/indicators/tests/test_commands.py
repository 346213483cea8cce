import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from jiedu.indicators.models import PersonPeriod

pytestmark = pytest.mark.django_db
D = dt.date


def run(*args):
    out = io.StringIO()
    call_command("indicators_refresh", *args, stdout=out)
    return out.getvalue()


def test_refresh_then_rebuild_from_the_command_line(world, records):
    p = records.person()
    e = records.episode(p, start=D(2025, 1, 1))
    records.doses(e, D(2025, 1, 1), D(2025, 1, 31))
    assert run("--dry-run") == "The indicator facts have not been built yet.\n"
    out = run("--as-of", "2025-01-31")
    assert out.startswith("Rebuilt the indicator facts up to 2025-01-31: 1 persons, 3 periods, ")
    assert PersonPeriod.objects.count() == 3  # January, the first quarter, 2025
    assert run("--as-of", "2025-01-31").startswith(
        "Refreshed the indicator facts up to 2025-01-31: 1 persons"
    )
    assert run("--rebuild", "--as-of", "2025-02-28").startswith(
        "Rebuilt the indicator facts up to 2025-02-28"
    )
    assert "describe the records up to 2025-02-28" in run("--dry-run")


def test_a_bad_day_is_refused():
    with pytest.raises(CommandError, match="--as-of takes YYYY-MM-DD, not '31.1.2025'."):
        run("--as-of", "31.1.2025")
