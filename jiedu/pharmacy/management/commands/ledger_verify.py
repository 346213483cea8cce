from django.core.management.base import BaseCommand, CommandError

from jiedu.pharmacy.models import Store
from jiedu.pharmacy.services import ledgers_verify


class Command(BaseCommand):
    help = (
        "Verify every controlled-substance ledger (store × batch): the hash chain, the running balance and the "
        "balance row; name the first broken link of each broken ledger. Exit status 1 if any is broken."
    )

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("--organisation", type=int, help="Only the stores of this organisation (id).")

    def handle(self, *args, **options) -> None:  # noqa: ANN002, ANN003
        stores = None
        if options["organisation"] is not None:
            stores = Store.objects.filter(organisation_id=options["organisation"])
        checked, broken = ledgers_verify(stores=stores)
        if broken:
            for b in broken:
                self.stderr.write(str(b))
            raise CommandError(f"{len(broken)} of {checked} ledgers broken; the first: {broken[0]}")
        self.stdout.write(self.style.SUCCESS(f"All {checked} ledgers intact."))
