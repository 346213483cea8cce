import datetime as dt

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiedu.indicators.models import RollupState
from jiedu.indicators.services import STATE, rollup_rebuild, rollup_refresh


def day_arg(raw: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise CommandError(f"--as-of takes YYYY-MM-DD, not {raw!r}.") from None


class Command(BaseCommand):
    help = (
        "Bring the indicator facts up to a day (default: yesterday, the last complete day): the persons whose "
        "records changed since the last run, or whose gap has just become a dropout, are recomputed and the "
        "periods they touch summed again. Idempotent; the first run builds everything. Run nightly from the "
        "platform's timer, after the missed-dose scan. --rebuild recomputes everything from the records."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", type=day_arg, help="YYYY-MM-DD (default: yesterday).")
        parser.add_argument("--rebuild", action="store_true", help="Recompute every fact from the records.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Say how far the facts are; change nothing."
        )

    def handle(self, *args, **options) -> None:  # noqa: ANN002, ANN003
        if options["dry_run"]:
            state = RollupState.objects.filter(name=STATE).first()
            if state is None or state.as_of is None:
                self.stdout.write("The indicator facts have not been built yet.")
            else:
                self.stdout.write(
                    f"The indicator facts describe the records up to {state.as_of:%Y-%m-%d} "
                    f"(last run {state.refreshed_at:%Y-%m-%d %H:%M}, {state.persons} persons, "
                    f"{state.seconds:.1f} s)."
                )
            return
        run = rollup_rebuild if options["rebuild"] else rollup_refresh
        result = run(as_of=options["as_of"])
        self.stdout.write(
            f"{'Rebuilt' if result.rebuilt else 'Refreshed'} the indicator facts up to {result.as_of:%Y-%m-%d}: "
            f"{result.persons} persons, {len(result.periods)} periods, {result.seconds:.1f} s."
        )
