from django.core.management.base import BaseCommand

from jiedu.referrals.services import referrals_scan


class Command(BaseCommand):
    help = (
        "Close accepted referrals past their completion date as lost to follow-up (idempotent). Run daily from "
        "the platform's timer."
    )

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument(
            "--dry-run", action="store_true", help="Name what would be closed; change nothing."
        )

    def handle(self, *args, **options) -> None:  # noqa: ANN002, ANN003
        done = referrals_scan(dry_run=options["dry_run"])
        verb = "would be closed" if options["dry_run"] else "closed"
        self.stdout.write(f"{len(done)} referrals {verb} as lost to follow-up.")
