from django.core.management.base import BaseCommand

from jiedu.reports.services import reports_escalate


class Command(BaseCommand):
    help = (
        "Escalate reports not acknowledged in time to the narcotics control office of the reporting "
        "organisation's region (idempotent: each delivery once). Run daily from the platform's timer."
    )

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument(
            "--dry-run", action="store_true", help="Name what would be escalated; change nothing."
        )

    def handle(self, *args, **options) -> None:  # noqa: ANN002, ANN003
        done = reports_escalate(dry_run=options["dry_run"])
        verb = "would be escalated" if options["dry_run"] else "escalated"
        self.stdout.write(f"{len(done)} overdue report deliveries {verb}.")
