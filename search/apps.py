from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = "Search"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from cases.models import TermKind
        from console import labels

        labels.define("search_type", {"CASE": _("Cases"), "LISTING": _("Listings"), "ENTITY": _("Identifiers"),
                                      "REPORT": _("Reports")})
        labels.define("search_facet", {"type": _("Type"), "platform": _("Platform"), "country": _("Country"),
                                       "cites_appendix": _("CITES appendix"), "status": _("Status"),
                                       "species": _("Species")})
        labels.register("term_kind", TermKind)
        from . import indexing

        indexing.connect()
