from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from cases.models import Species
from cases.species.curated import load_curated
from search.backends import get_backend
from wildnet import demo, demo_cases, demo_compliance, demo_history, demo_measures, demo_reports, demo_sharing


class Command(BaseCommand):
    help = ("Load the demo world (agencies, officers of every role, mandates, task forces, species, cases). "
            "Idempotent.")

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Allow loading into a production database.")

    def handle(self, *args, **options):
        if settings.PRODUCTION and not options["force"]:
            raise CommandError("Refusing to load demo accounts into production (use --force on a demo server).")
        with transaction.atomic():
            counts = demo.load()
            if not Species.objects.exists():
                load_curated()
            counts["cases"] = demo_cases.load_cases()
            counts.update(demo_sharing.load_sharing())
            counts["takedown notices"] = demo_compliance.load_notices()
            counts["listings recorded in 2025"] = demo_history.load_history()
            counts["national assessments"] = demo_measures.load_assessments()
            counts["spotters' reports"] = demo_reports.load_reports()
            counts["search documents"] = get_backend().rebuild()
        if options["verbosity"] < 1:
            return
        summary = ", ".join(f"{n} {kind}" for kind, n in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded: {summary}."))
        self.stdout.write(f"Demo accounts (password {demo.DEMO_PASSWORD!r}): "
                          + ", ".join(username for username, *_ in demo.OFFICERS))
