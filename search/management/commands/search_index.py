"""``wildnet search_index --rebuild``: rebuild the configured backend's index from the database.

On Elasticsearch every index is rebuilt into a new version and swapped in, the watchlist percolator included; writes
made meanwhile reach both versions, so the rebuild can run while the platform does.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from search.backends import get_backend


class Command(BaseCommand):
    help = ("Rebuild the search index of the configured backend (SEARCH_BACKEND) from the database; on "
            "Elasticsearch, the watchlist percolator too.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rebuild", action="store_true", help="Re-index every case, listing, entity and report.")
        parser.add_argument("--quiet-progress", action="store_true", help="No progress bar (for scripts and logs).")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["rebuild"]:
            raise CommandError("Nothing to do: pass --rebuild.")
        backend = get_backend()
        count = backend.rebuild(progress=not options["quiet_progress"])
        self.stdout.write(self.style.SUCCESS(f"Search index rebuilt ({backend.name}): {count} entries."))
