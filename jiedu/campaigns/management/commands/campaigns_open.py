"""Open the year's key campaigns (6·26, 12·1, the publicity month) of an officer's region on their usual dates."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiedu.accounts.models import User
from jiedu.campaigns.services import campaigns_open
from jiedu.core import clock
from jiedu.core.errors import DomainError


class Command(BaseCommand):
    help = (
        "Opens the key campaigns of a year for the region of the officer named by --by, those not opened yet "
        "(idempotent)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--by", required=True, help="username of a health or narcotics officer")
        parser.add_argument("--year", type=int, help="the year (default: this year)")
        parser.add_argument("--dry-run", action="store_true", help="list what would be opened; write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = User.objects.filter(username=options["by"], is_active=True).first()
        if actor is None:
            raise CommandError(f"No active user {options['by']!r}.")
        year = options["year"] or clock.local_today().year
        try:
            opened = campaigns_open(actor=actor, year=year, dry_run=options["dry_run"])
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        verb = "would open" if options["dry_run"] else "opened"
        for campaign in opened.created:
            self.stdout.write(
                f"{verb} {campaign.kind.code}-{year}: {campaign.name} "
                f"({campaign.starts_on:%Y-%m-%d} – {campaign.ends_on:%Y-%m-%d})"
            )
        for code in opened.existing:
            self.stdout.write(f"already open: {code}-{year}")
        for code in opened.skipped:
            self.stdout.write(f"no usual dates, open by hand: {code}-{year}")
        self.stdout.write(f"{len(opened.created)} {verb}, {len(opened.existing)} already open.")
