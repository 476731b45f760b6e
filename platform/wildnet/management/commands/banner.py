from django.conf import settings
from django.core.management.base import BaseCommand

from agencies.models import Agency
from officers.models import Role
from wildnet import demo


class Command(BaseCommand):
    help = "Print where the console answers and the demo accounts to sign in with (the end of `make run`)."

    def add_arguments(self, parser):
        parser.add_argument("--address", default="http://127.0.0.1:8000/")

    def handle(self, *args, **options):
        agencies = dict(Agency.objects.values_list("code", "name"))
        address = options["address"]
        lines = ["", "=" * 78, f"  WildNet console: {address}",
                 f"  Sign in with a demo account; every one has the password {demo.DEMO_PASSWORD}", ""]
        for username, agency, role, full_name, _clearance in demo.OFFICERS:
            lines.append(f"    {username:<14} {Role(role).label:<28} {full_name}, {agencies.get(agency, agency)}")
        mail = (f" · e-mails in {settings.EMAIL_FILE_PATH}"
                if settings.EMAIL_BACKEND.endswith("filebased.EmailBackend") else "")
        lines += ["", f"  GraphiQL {address}graphql/ · health {address}healthz{mail}",
                  "  Worker log var/celery.log · Ctrl-C stops everything", "=" * 78, ""]
        self.stdout.write("\n".join(lines))
