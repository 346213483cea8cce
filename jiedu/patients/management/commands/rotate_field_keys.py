from django.core.management.base import BaseCommand

from jiedu.patients.services import person_rotate_keys


class Command(BaseCommand):
    help = "Re-encrypt identity numbers under the newest key in JIEDU_FIELD_KEYS. Idempotent."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("--dry-run", action="store_true", help="Count without writing.")
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, **options) -> None:  # noqa: ANN002, ANN003
        checked, rotated = person_rotate_keys(batch_size=options["batch_size"], dry_run=options["dry_run"])
        verb = "would be re-encrypted" if options["dry_run"] else "re-encrypted"
        self.stdout.write(f"{checked} identity numbers checked, {rotated} {verb}.")
