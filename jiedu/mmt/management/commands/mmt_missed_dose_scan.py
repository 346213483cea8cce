import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from jiedu.mmt.services import missed_dose_scan


class Command(BaseCommand):
    help = (
        "Daily: count consecutive missed days of active MMT episodes; flag review, record dropouts and exits, "
        "and file their reports. Idempotent — safe to run again."
    )

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("--date", help="Scan as of this local date (YYYY-MM-DD); default today.")
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, **options) -> None:  # noqa: ANN002, ANN003
        as_of = None
        if options["date"]:
            try:
                as_of = dt.date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError(f"--date: {exc}") from exc
        r = missed_dose_scan(as_of=as_of, dry_run=options["dry_run"])
        prefix = "[dry run] " if options["dry_run"] else ""
        self.stdout.write(
            f"{prefix}{r.as_of}: {r.checked} active episodes checked; {r.flagged_review} flagged for "
            f"review, {r.dropped_out} dropped out, {r.exited} exited."
        )
