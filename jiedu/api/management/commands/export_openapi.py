from pathlib import Path

from django.core.management.base import BaseCommand

from jiedu.api.openapi import openapi_text


class Command(BaseCommand):
    help = "Write the OpenAPI document (default docs/api/openapi.json); a test checks the committed copy for drift."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("path", nargs="?", default="docs/api/openapi.json")

    def handle(self, *args, **options) -> None:  # noqa: ANN002, ANN003
        Path(options["path"]).write_text(openapi_text(), encoding="utf-8")
        self.stdout.write(f"Wrote {options['path']}.")
