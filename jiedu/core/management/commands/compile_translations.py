from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from jiedu.core import translations


class Command(BaseCommand):
    help = (
        "Compile every django.po under LOCALE_PATHS to the django.mo next to it (pure Python, polib; fuzzy "
        "entries are left out). With --check, write nothing and fail if a committed .mo is not what its .po "
        "compiles to, or if an entry is untranslated or fuzzy."
    )

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument(
            "--check",
            action="store_true",
            help="Verify instead of writing; exit non-zero naming each catalogue that is stale or incomplete.",
        )

    def handle(self, *args, **options) -> None:  # noqa: ANN002, ANN003
        found = translations.catalogues()
        if not found:
            raise CommandError(f"No django.po found under LOCALE_PATHS ({settings.LOCALE_PATHS}).")
        if options["check"]:
            self._check(found)
            return
        for po_path in found:
            mo_path = translations.write_catalogue(po_path)
            self.stdout.write(f"Compiled {_shown(po_path)} -> {mo_path.name}")
            for problem in translations.problems(po_path):
                self.stderr.write(self.style.WARNING(f"{_shown(po_path)}: {problem}"))

    def _check(self, found: list[Path]) -> None:
        failed: list[str] = []
        for po_path in found:
            mo_path = translations.mo_path(po_path)
            issues = translations.problems(po_path)
            if not mo_path.exists():
                issues.insert(0, f"{mo_path.name} is missing: run compile_translations")
            elif mo_path.read_bytes() != translations.compile_catalogue(po_path):
                issues.insert(0, f"{mo_path.name} is not what the .po compiles to: run compile_translations")
            for issue in issues:
                self.stderr.write(f"{_shown(po_path)}: {issue}")
            if issues:
                failed.append(_shown(po_path))
            else:
                self.stdout.write(f"{_shown(po_path)}: up to date and complete")
        if failed:
            raise CommandError(f"Catalogues need work: {', '.join(failed)}")


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(settings.BASE_DIR))
    except ValueError:
        return str(path)
