import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiedu.core.errors import DomainError
from jiedu.demo import scale


class Command(BaseCommand):
    help = (
        "Fill an empty database (no MMT episode yet) with national-scale synthetic MMT histories for "
        "benchmarking the indicators: provinces, prefectures and counties from the region table, one MMT "
        f"clinic per about {scale.PATIENTS_PER_CLINIC} patients, dosing points, episodes, dose orders, one dose "
        "day per dose, urine and infection tests and ART referrals. --patients 200000 --months 12 writes about "
        "53 million dose days. The same seed always gives the same rows. See jiedu/demo/scale.py for what is "
        "and is not written."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--patients", type=int, required=True, help="People with an MMT history.")
        parser.add_argument("--months", type=int, required=True, help="Months of dosing, up to --end.")
        parser.add_argument("--seed", type=int, default=scale.DEFAULT_SEED, help="Default %(default)s.")
        parser.add_argument(
            "--end",
            default=scale.DEFAULT_END.isoformat(),
            help="Last day of the window, YYYY-MM-DD (default %(default)s).",
        )
        parser.add_argument(
            "--provinces",
            type=int,
            default=scale.DEFAULT_PROVINCES,
            help="Provinces with MMT patients, those with most patients first (default %(default)s, the most).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Show the window and the country; write nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            end = dt.date.fromisoformat(options["end"])
        except ValueError:
            raise CommandError(f"--end: {options['end']!r} is not a date (YYYY-MM-DD).") from None
        patients, months, seed = options["patients"], options["months"], options["seed"]
        if options["dry_run"]:
            self._preview(
                patients=patients, months=months, seed=seed, end=end, provinces=options["provinces"]
            )
            return
        step = max(1, patients // 10)

        def progress(done: int, total: int, seconds: float) -> None:
            if done == total or done // step != (done - scale.BATCH_PERSONS) // step:
                self.stdout.write(f"  {done:>9,} / {total:,} persons  {seconds:8.1f} s")

        try:
            summary = scale.scale_generate(
                patients=patients,
                months=months,
                seed=seed,
                end=end,
                provinces=options["provinces"],
                progress=progress,
            )
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self._report(summary)

    def _preview(self, *, patients: int, months: int, seed: int, end: dt.date, provinces: int) -> None:
        try:
            start, end, plan = scale.scale_plan(
                patients=patients, months=months, seed=seed, end=end, provinces=provinces
            )
        except DomainError as exc:
            raise CommandError(exc.message) from None
        points = sum(len(c.dosing_points) for c in plan.clinics)
        self.stdout.write(
            f"Dry run: nothing written. Seed {seed}: {patients:,} patients dosed from {start} to {end} at "
            f"{len(plan.clinics)} clinics and {points} dosing points in {len({c.county for c in plan.clinics})} "
            f"counties of {len(plan.provinces)} provinces ({', '.join(plan.provinces)}), {len(plan.cdcs)} CDCs."
        )

    def _report(self, summary: scale.ScaleSummary) -> None:
        s = summary
        mean = s.dose_mg / s.dose_days if s.dose_days else 0
        exits = ", ".join(f"{reason} {n:,}" for reason, n in s.exits.items()) or "none"
        rows = (
            s.persons
            + s.affiliations
            + s.episodes
            + s.transfers
            + s.orders
            + s.dose_days
            + s.tests
            + s.referrals
        )
        self.stdout.write(
            self.style.SUCCESS(f"Generated seed {s.seed}, {s.start} to {s.end}, in {s.seconds:.1f} s:")
        )
        self.stdout.write(
            f"  persons      {s.persons:>12,}\n"
            f"  provinces    {s.provinces:>12,}\n"
            f"  counties     {s.counties:>12,}  (with a clinic)\n"
            f"  clinics      {s.clinics:>12,}  (+ {s.dosing_points:,} dosing points, {s.cdcs:,} CDCs, "
            f"{s.users:,} users)\n"
            f"  episodes     {s.episodes:>12,}  (transfers {s.transfers:,})\n"
            f"  dose orders  {s.orders:>12,}\n"
            f"  dose days    {s.dose_days:>12,}  (mean {mean:.1f} mg)\n"
            f"  tests        {s.tests:>12,}\n"
            f"  referrals    {s.referrals:>12,}  (ART)\n"
            f"  exits in the window: {exits}\n"
            f"  {rows:,} rows, {rows / max(s.seconds, 0.001):,.0f} rows/s"
        )
