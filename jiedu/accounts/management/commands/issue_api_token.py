from django.core.management.base import BaseCommand, CommandError

from jiedu.accounts.models import User
from jiedu.accounts.services import api_token_issue


class Command(BaseCommand):
    help = "Issue an API token for an integration account; the secret is printed once and never stored."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("--user", required=True, help="Username the token acts as.")
        parser.add_argument("--name", required=True, help="Which integration uses it.")

    def handle(self, *args, **options) -> None:  # noqa: ANN002, ANN003
        user = User.objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"No user named {options['user']!r}.")
        issued = api_token_issue(actor=None, user=user, name=options["name"])
        self.stdout.write(
            f"Token for {user.username} ({issued.token.name}), expires {issued.token.expires_at:%Y-%m-%d}:"
        )
        self.stdout.write(issued.secret)
