"""``wildnet search_index --rebuild``: rebuild the configured backend's index from the database.

On Elasticsearch every index is rebuilt into a new version and swapped in, the watchlist percolator included; writes
made meanwhile reach both versions, so the rebuild can run while the platform does. A rebuild whose process was
killed leaves its rebuild alias behind (writes keep copying into its index, the next rebuild refuses to start):
``--abandon-rebuild`` removes it, once you know that no rebuild is running.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from search.backends import get_backend
from search.backends.elasticsearch import ElasticsearchBackend, RebuildInProgress


class Command(BaseCommand):
    help = ("Rebuild the search index of the configured backend (SEARCH_BACKEND) from the database; on "
            "Elasticsearch, the watchlist percolator too.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rebuild", action="store_true", help="Re-index every case, listing, entity and report.")
        parser.add_argument("--abandon-rebuild", action="store_true",
                            help="Elasticsearch: remove what a killed rebuild left (its alias and half-loaded index).")
        parser.add_argument("--quiet-progress", action="store_true", help="No progress bar (for scripts and logs).")

    def handle(self, *args: Any, **options: Any) -> None:
        backend = get_backend()
        if options["abandon_rebuild"]:
            if not isinstance(backend, ElasticsearchBackend):
                raise CommandError("Only the Elasticsearch backend rebuilds behind an alias: nothing to abandon.")
            deleted = backend.abandon_rebuilds()
            self.stdout.write(f"Abandoned rebuild indices: {', '.join(deleted) or 'none'}.")
            if not options["rebuild"]:
                return
        if not options["rebuild"]:
            raise CommandError("Nothing to do: pass --rebuild (or --abandon-rebuild).")
        try:
            count = backend.rebuild(progress=not options["quiet_progress"])
        except RebuildInProgress as refused:
            raise CommandError(str(refused)) from refused
        self.stdout.write(self.style.SUCCESS(f"Search index rebuilt ({backend.name}): {count} entries."))
