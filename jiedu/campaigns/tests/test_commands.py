"""``campaigns_open``: the year's key campaigns of an officer's region, once; ``--dry-run`` writes nothing."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from jiedu.campaigns.models import Campaign

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("campaigns_open", *args, stdout=out)
    return out.getvalue()


def test_opening_the_key_campaigns_of_a_year(world, people):
    assert run("--by", "nanan_narcotics", "--year", "2027", "--dry-run").splitlines() == [
        "would open 626-2027: 2027年南安市6·26国际禁毒日宣传活动 (2027-06-01 – 2027-06-30)",
        "would open 121-2027: 2027年南安市12·1世界艾滋病日宣传活动 (2027-11-20 – 2027-12-10)",
        "would open publicity_month-2027: 2027年南安市全民禁毒宣传月宣传活动 (2027-06-01 – 2027-06-30)",
        "3 would open, 0 already open.",
    ]
    assert Campaign.objects.count() == 0
    assert run("--by", "nanan_narcotics", "--year", "2027").splitlines()[-1] == "3 opened, 0 already open."
    assert run("--by", "nanan_narcotics", "--year", "2027").splitlines() == [
        "already open: 626-2027",
        "already open: 121-2027",
        "already open: publicity_month-2027",
        "0 opened, 3 already open.",
    ]
    # The clock's year by default (2026).
    assert run("--by", "officer").splitlines()[-1] == "3 opened, 0 already open."
    assert Campaign.objects.filter(year=2026, region_id="350583").count() == 3


def test_only_officers_open_campaigns(world, people):
    with pytest.raises(
        CommandError, match="Campaigns are opened by the health and narcotics officers of a region."
    ):
        run("--by", "cdc")
    with pytest.raises(CommandError, match="No active user 'nobody'."):
        run("--by", "nobody")
