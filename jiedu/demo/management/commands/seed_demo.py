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
        "Build the demo county 南安市 (350583): regions, agencies, licences, one login per role, a "
        "population drawn from --seed, stores, report recipients and an MMT history ending "
        f"{data.HISTORY_END} written through the real services: by default {data.DEFAULT_HISTORY_MONTHS} "
        f"months for {data.history_patients(data.DEFAULT_HISTORY_MONTHS)} patients (a few minutes on "
        "SQLite); --history-months 2 for a quick start (about a minute); --history-patients "
        f"{data.FULL_CASELOAD} for the county's full caseload (about 12 minutes on SQLite). "
        "Idempotent: a second run creates nothing and prints the logins and the summary."
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
            "--history-months",
            type=int,
            default=data.DEFAULT_HISTORY_MONTHS,
            help=f"Months of MMT history (default %(default)s; {data.FULL_HISTORY_MONTHS} for the full year, "
            "0 for none).",
        )
        parser.add_argument(
            "--history-patients",
            type=int,
            default=None,
            help="Patients in the history (default: 12 + 24 per month, at most 120; "
            f"{data.FULL_CASELOAD} is the county's full caseload).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Show the logins and the first people; write nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        seed: int = options["seed"]
        persons: int = options["persons"]
        months: int = options["history_months"]
        patients: int | None = options["history_patients"]
        if persons < 0:
            raise CommandError("--persons must be zero or more.")
        if not 0 <= months <= data.FULL_HISTORY_MONTHS:
            raise CommandError(f"--history-months must be 0 to {data.FULL_HISTORY_MONTHS}.")
        if patients is not None and patients < 0:
            raise CommandError("--history-patients must be zero or more.")
        with translation.override("en"):  # role labels in one script keep the table aligned
            if options["dry_run"]:
                self._preview(seed=seed, persons=persons)
                return
            started = time.monotonic()
            summary = demo_seed(seed=seed, persons=persons, history_months=months, history_patients=patients)
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
                    f"{summary.users_created} users, {summary.persons_created} persons, "
                    f"{summary.stores_created} stores, {summary.recipient_rules_created} report recipients "
                    "created."
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
        made = {name: n for name, n in summary.oversight.items() if n}
        if made:
            self.stdout.write(
                "\nOversight data created: " + ", ".join(f"{k} {n}" for k, n in made.items()) + "."
            )
        self._history(summary)

    def _history(self, summary: DemoSummary) -> None:
        history = summary.history
        if history.written:
            self.stdout.write(
                f"\nMMT history written from {history.start} to {history.end} for {history.patients} "
                f"patients (--history-patients {data.FULL_CASELOAD} writes the county's full caseload)."
            )
        elif history.incomplete:
            self.stdout.write(
                self.style.WARNING(
                    "\nThe MMT history of this database was interrupted; rebuild the database to complete it."
                )
            )
        service = summary.service
        if service is None or not (service.episodes or service.stock):
            return
        episodes = ", ".join(f"{status} {n}" for status, n in service.episodes.items()) or "none"
        self.stdout.write(f"\nMMT in the demo county (as of {service.as_of:%Y-%m-%d %H:%M}):")
        self.stdout.write(f"  episodes: {episodes}")
        self.stdout.write(f"  doses: {service.dose_days} dose days for {service.persons_dosed} persons")
        self.stdout.write(f"  dropouts: {service.dropouts}")
        self.stdout.write(
            f"  reports: {service.reports} filed; deliveries {service.acknowledged} acknowledged, "
            f"{service.open} open, {service.overdue} overdue"
        )
        self.stdout.write("  methadone on hand (mL):")
        for row in service.stock:
            self.stdout.write(f"    {row.quantity_ml:>10}  {row.organisation} · {row.store}")

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
