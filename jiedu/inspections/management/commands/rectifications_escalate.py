from django.core.management.base import BaseCommand

from jiedu.inspections.services import rectifications_escalate


class Command(BaseCommand):
    help = (
        "Escalate open rectification items past their deadline: level 1 the day after the deadline, level 2 after "
        "inspections.escalation_days more days; each item once per deadline and level (idempotent). Run daily from "
        "the platform's timer."
    )

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument(
            "--dry-run", action="store_true", help="Name what would be escalated; change nothing."
        )

    def handle(self, *args, **options) -> None:  # noqa: ANN002, ANN003
        done = rectifications_escalate(dry_run=options["dry_run"])
        verb = "would be escalated" if options["dry_run"] else "escalated"
        for e in done:
            self.stdout.write(f"rectification {e.rectification}: level {e.level} {verb}")
        self.stdout.write(f"{len(done)} escalations {verb}.")
