from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from access.errors import ActionError
from officers.actions import issue_token
from officers.models import Officer, TokenScope


class Command(BaseCommand):
    help = "Issue an API token for an officer and print it once (only its hash is stored)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="command line", help="What the token is for.")
        parser.add_argument("--scope", action="append", choices=TokenScope.values, dest="scopes",
                            help="read and/or write (repeat); default: read.")
        parser.add_argument("--days", type=int, default=None, help="Lifetime in days.")

    def handle(self, *args, **options):
        try:
            officer = Officer.objects.get(username=options["username"], is_active=True)
        except Officer.DoesNotExist:
            raise CommandError(f"No active officer {options['username']!r}.") from None
        try:
            with transaction.atomic():
                token, raw = issue_token(officer, name=options["name"], scopes=options["scopes"] or ["read"],
                                         days=options["days"])
        except ActionError as error:
            raise CommandError(f"{error.field}: {error.message}") from None
        self.stderr.write(f"Token {token.prefix}… for {officer.username}, scopes {', '.join(token.scopes)}, "
                          f"expires {token.expires_at:%Y-%m-%d}. It is shown once:")
        self.stdout.write(raw)
