import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from jiedu.accounts.models import Role
from jiedu.demo import data
from jiedu.demo.generators import demo_people
from jiedu.demo.services import DemoLogin, DemoSummary, demo_logins, demo_seed


class Command(BaseCommand):
    help = (
        "Build the demo county 南安市 (350583): regions, agencies, licences, one login per role and a "
        "population drawn from --seed. Idempotent: a second run creates nothing and prints the logins."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=data.DEFAULT_SEED, help="Default %(default)s.")
        parser.add_argument(
            "--persons",
            type=int,
            default=data.DEFAULT_PERSONS,
            help="People to register (default %(default)s).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Show the logins and the first people; write nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        seed: int = options["seed"]
        persons: int = options["persons"]
        if persons < 0:
            raise CommandError("--persons must be zero or more.")
        with translation.override("en"):  # role labels in one script keep the table aligned
            if options["dry_run"]:
                self._preview(seed=seed, persons=persons)
                return
            started = time.monotonic()
            summary = demo_seed(seed=seed, persons=persons)
            self._report(summary, elapsed=time.monotonic() - started)

    def _preview(self, *, seed: int, persons: int) -> None:
        self.stdout.write(
            f"Dry run: nothing written. Seed {seed} gives {len(data.ORGANISATIONS)} organisations, "
            f"{len(data.LICENCES)} licences, {len(data.USERS)} users and {persons} persons; the first:"
        )
        for p in demo_people(seed=seed, count=min(persons, 5)):
            self.stdout.write(
                f"  {p.name}  {p.sex}  {p.birth_date}  {p.id_number_masked}  {p.current_address}"
            )
        self._logins(demo_logins(), password=data.DEMO_PASSWORD)

    def _report(self, summary: DemoSummary, *, elapsed: float) -> None:
        if summary.created_anything:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo county seeded (seed {summary.seed}) in {elapsed:.1f} s: "
                    f"{summary.organisations_created} organisations, {summary.licences_created} licences, "
                    f"{summary.users_created} users, {summary.persons_created} persons created."
                )
            )
        else:
            self.stdout.write(f"The demo county is already seeded: nothing created ({elapsed:.1f} s).")
        if summary.other_seed:
            self.stdout.write(
                self.style.WARNING(
                    f"The database holds people from another seed; none added for seed {summary.seed}."
                )
            )
        self.stdout.write(
            f"In the demo county: {summary.organisations} organisations, {summary.users} demo users, "
            f"{summary.persons} persons.\n"
        )
        self._logins(summary.logins, password=summary.password)

    def _logins(self, logins: tuple[DemoLogin, ...], *, password: str) -> None:
        rows = [
            (login.username, ", ".join(str(Role(r).label) for r in login.roles), login.organisation)
            for login in logins
        ]
        header = ("username", "role(s)", "organisation")
        widths = [max(len(row[i]) for row in [header, *rows]) for i in range(2)]
        self.stdout.write(f"{header[0]:<{widths[0]}}  {header[1]:<{widths[1]}}  {header[2]}")
        self.stdout.write(f"{'-' * widths[0]}  {'-' * widths[1]}  {'-' * len(header[2])}")
        for username, roles, organisation in rows:
            self.stdout.write(f"{username:<{widths[0]}}  {roles:<{widths[1]}}  {organisation}")
        self.stdout.write(f"\nPassword for every demo login: {password}")
