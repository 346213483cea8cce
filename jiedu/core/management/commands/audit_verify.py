from django.core.management.base import BaseCommand, CommandError

from jiedu.core import audit


class Command(BaseCommand):
    help = "Verify the audit hash chain and name the first broken link."

    def handle(self, *args, **options) -> None:  # noqa: ANN002, ANN003
        result = audit.verify()
        if result.broken is not None:
            raise CommandError(f"Audit chain broken at {result.broken} ({result.checked} entries read).")
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {result.checked} entries verified."))
