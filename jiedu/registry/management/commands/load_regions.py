from django.core.management.base import BaseCommand

from jiedu.registry.services import regions_load


class Command(BaseCommand):
    help = "Load or refresh the GB/T 2260 region list (all provinces, or --province 35 …). Idempotent."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("--province", action="append", help="Two-digit province code; repeatable.")

    def handle(self, *args, **options) -> None:  # noqa: ANN002, ANN003
        provinces = set(options["province"]) if options["province"] else None
        created, updated = regions_load(province_codes=provinces)
        self.stdout.write(f"Regions: {created} created, {updated} updated.")
