import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from jiedu.core import clock
from jiedu.labs.models import UrineSelection
from jiedu.labs.services import urine_select, urine_selection_verify
from jiedu.registry.models import Organisation, OrganisationType


class Command(BaseCommand):
    help = (
        "Draw the day's urine tests at every MMT clinic (idempotent: a clinic's draw is made once a day), or with "
        "--verify recompute the draws of a period from their kept inputs and name any that differ (exit 1)."
    )

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument(
            "--date", type=dt.date.fromisoformat, help="The day (default: today, Asia/Shanghai)."
        )
        parser.add_argument("--verify", action="store_true", help="Recompute instead of drawing.")
        parser.add_argument("--since", type=dt.date.fromisoformat, help="With --verify: from this day.")

    def handle(self, *args, **options) -> None:  # noqa: ANN002, ANN003
        day = options["date"] or clock.local_today()
        if options["verify"]:
            selections = UrineSelection.objects.filter(day__gte=options["since"] or day, day__lte=day)
            wrong = []
            for selection in selections.select_related("clinic").order_by("day", "clinic_id"):
                wrong += [
                    f"{selection.clinic.name} {selection.day}: {p}" for p in urine_selection_verify(selection)
                ]
            if wrong:
                for line in wrong:
                    self.stderr.write(line)
                raise CommandError(f"{len(wrong)} differences; the first: {wrong[0]}")
            self.stdout.write(self.style.SUCCESS(f"All {selections.count()} draws recompute the same."))
            return
        drawn = 0
        for clinic in Organisation.objects.filter(type=OrganisationType.MMT_CLINIC).order_by("pk"):
            selection = urine_select(clinic=clinic, day=day)
            drawn += selection.lines.count()
        self.stdout.write(f"{day}: {drawn} urine tests drawn.")
