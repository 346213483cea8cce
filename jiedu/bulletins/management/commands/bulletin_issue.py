import datetime as dt

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiedu.bulletins.models import Bulletin
from jiedu.bulletins.services import bulletin_issue
from jiedu.core import clock
from jiedu.core.errors import DomainError
from jiedu.core.months import previous_month
from jiedu.registry.models import Organisation, OrganisationType, Region, RegionLevel


def month_arg(raw: str) -> dt.date:
    try:
        return dt.datetime.strptime(raw, "%Y-%m").date()  # noqa: DTZ007 - a calendar month, not an instant
    except ValueError:
        raise CommandError(f"--month takes YYYY-MM, not {raw!r}.") from None


class Command(BaseCommand):
    help = (
        "Issue the monthly work bulletin of each county that has an MMT clinic (default: the previous month). "
        "Idempotent: a month already issued is left as it is, unless --reissue --reason makes a new version. "
        "Run monthly from the platform's timer."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", type=month_arg, help="YYYY-MM (default: the previous month).")
        parser.add_argument(
            "--county", help="The county's six-digit code (default: every county with a clinic)."
        )
        parser.add_argument("--reissue", action="store_true", help="Issue a new version; needs --reason.")
        parser.add_argument("--reason", default="", help="Why the bulletin is reissued.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would be issued; change nothing."
        )

    def handle(self, *args, **options) -> None:  # noqa: ANN002, ANN003
        month = options["month"] or previous_month(clock.local_today())
        reason = options["reason"].strip()
        if options["reissue"] and not reason:
            raise CommandError("--reissue needs --reason: say why the bulletin is issued again.")
        if reason and not options["reissue"]:
            raise CommandError("--reason goes with --reissue.")
        if options["county"]:
            counties = list(Region.objects.filter(code=options["county"], level=RegionLevel.COUNTY))
            if not counties:
                raise CommandError(f"No county with the code {options['county']}.")
        else:
            with_clinic = Organisation.objects.filter(type=OrganisationType.MMT_CLINIC, is_active=True)
            counties = list(
                Region.objects.filter(
                    level=RegionLevel.COUNTY, code__in=with_clinic.values("region_id")
                ).order_by("code")
            )
        issued = 0
        for county in counties:
            label = f"{county.name} ({county.code}) {month:%Y-%m}"
            if options["dry_run"]:
                latest = Bulletin.objects.filter(county=county, month=month).order_by("-version").first()
                if latest is None or reason:
                    self.stdout.write(f"{label}: would issue version {latest.version + 1 if latest else 1}.")
                else:
                    self.stdout.write(f"{label}: version {latest.version} issued already; nothing to do.")
                continue
            try:
                result = bulletin_issue(county=county, month=month, reason=reason)
            except DomainError as exc:
                raise CommandError(f"{label}: {exc.message}") from None
            bulletin = result.bulletin
            if result.created:
                issued += 1
                self.stdout.write(
                    f"{label}: issued version {bulletin.version} to {bulletin.deliveries.count()} organisations."
                )
            else:
                self.stdout.write(f"{label}: version {bulletin.version} issued already; nothing to do.")
        if not options["dry_run"]:
            self.stdout.write(f"{issued} bulletins issued.")
