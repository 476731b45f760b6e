"""Elasticsearch documents: strict mappings, analysers and the access fields the policy filters on.

Four searchable indices (cases, listings, entities, reports) and the watchlist percolator (``watch``), each behind
an alias ``{prefix}-{kind}`` pointing at a versioned index ``{prefix}-{kind}-v{N}``; a change of mapping or settings
is a new version built by ``rebuild`` and swapped in atomically (house style 7). Mappings are ``dynamic: strict``: a
field not declared here is a bulk error, not a silently guessed mapping.

Watchlists (DESIGN "Search"). Each active watch term is one percolator document: the query it compiles to
(:func:`watch_query`) with its term, watchlist and owning agency. A new or changed listing is percolated as the
few listing fields those queries read (:func:`build_watch_documents`), mapped here with the very analysers of the
listing index, so a term matches a listing exactly as a search on the listing index would.

Access (DESIGN "Access rules", Aleph's authz fields). A document is readable through one or more cases: a case,
listing or report through its own case, an entity through every case that makes a claim about it. Each such case
is one entry of the nested ``access`` list, carrying what ``sharing.rules.coverage`` tests on a case (owning
agency, classification, handling code, crime area, jurisdictions and appendices with their ``,ES,FR,`` keys) and
the live shares of that case as a nested ``access.shares`` list (recipient agency or task force, mandate, expiry,
redaction flags). Keeping shares nested inside their case lets one query say "the grant and the coverage hold for
the same case", which a flat list could not. Only active shares are indexed; expiry is tested at query time.

Redaction (access rule 4, no search oracle). Identifiers live in entity documents, which as a whole need a grant
that does not redact personal data (as claims do in ``cases.rules``); a case document does not repeat them, so a
phone number finds the entity, never the case. The one personal field elsewhere, a listing's ``seller``, is never
copied into ``text_all`` and is queried only under that same filter (see ``search.backends.elasticsearch``).
Whole report documents need a grant that does not redact sources.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.conf import settings
from django.db import models
from elasticsearch_dsl import (
    Boolean,
    Date,
    Document,
    Index,
    InnerDoc,
    Integer,
    Keyword,
    Long,
    MetaField,
    Nested,
    Percolator,
    Q,
    ScaledFloat,
    Text,
    analyzer,
    char_filter,
    normalizer,
    token_filter,
)
from elasticsearch_dsl.query import Query

from access.markings import HandlingCode
from agencies.models import Agency
from cases.models import Case, CaseEntity, Entity, IntelReport, Listing, Species, TermKind, WatchTerm
from search.text import keywords
from sharing.models import Share, ShareStatus

#: Bumped when a mapping or the analysis settings change (then run ``search_index --rebuild``); every mapping
#: carries it in ``_meta``, so which definition an index was built with can be read off the cluster.
SCHEMA_VERSION = 5

# --- analysis --------------------------------------------------------------------------------------------------

_stemmers = {
    "en": token_filter("wildnet_en_stemmer", "stemmer", language="light_english"),
    "fr": token_filter("wildnet_fr_stemmer", "stemmer", language="light_french"),
    "es": token_filter("wildnet_es_stemmer", "stemmer", language="light_spanish"),
}
_stopwords = {
    "en": token_filter("wildnet_en_stop", "stop", stopwords="_english_"),
    "fr": token_filter("wildnet_fr_stop", "stop", stopwords="_french_"),
    "es": token_filter("wildnet_es_stop", "stop", stopwords="_spanish_"),
}
#: French elisions (l'ivoire, d'éléphant) go before tokenising, or "l'ivoire" never matches "ivoire". Not the
#: ``elision`` token filter: it strips the article from the token but keeps the token's offsets, so a highlight
#: marked "<mark>d'éléphant</mark>" (seen on a real node). A character filter deletes the article and its
#: apostrophe (straight or curly) from the text itself, and Lucene maps the offsets back: "d'<mark>éléphant</mark>".
_ELIDED = "l|m|t|qu|n|s|j|d|c|jusqu|quoiqu|lorsqu|puisqu"
_elision = char_filter("wildnet_fr_elision", "pattern_replace", replacement="",
                       pattern=rf"(?i)(?<![\p{{L}}\p{{N}}])(?:{_ELIDED})['’](?=\p{{L}})")

#: Language-neutral: lower case and ASCII folding, so "éléphant", "Elephant" and "elephant" are one term; the
#: French elisions go too, or the standard tokenizer keeps "d'éléphant" as one word.
#: Species names and identifiers use it (a scientific name is not English, French or Spanish).
folding = analyzer("wildnet_folding", tokenizer="standard", char_filter=[_elision],
                   filter=["lowercase", "asciifolding"])
english = analyzer("wildnet_en", tokenizer="standard",
                   filter=["lowercase", "asciifolding", _stopwords["en"], _stemmers["en"]])
french = analyzer("wildnet_fr", tokenizer="standard", char_filter=[_elision],
                  filter=["lowercase", "asciifolding", _stopwords["fr"], _stemmers["fr"]])
spanish = analyzer("wildnet_es", tokenizer="standard",
                   filter=["lowercase", "asciifolding", _stopwords["es"], _stemmers["es"]])
#: Keyword sub-fields for facets and exact matches, folded so a facet does not split "Éléphant"/"elephant".
#: Declared as an object, not a name, so that the index definition carries it: ``Index.to_dict`` writes the
#: analysis collected from the fields over any ``analysis`` given in the settings.
folding_normalizer = normalizer("wildnet_keyword", filter=["lowercase", "asciifolding"])

INDEX_SETTINGS = {
    "number_of_shards": 1,
    # The alias swap makes a fresh index live at once; a 1 s refresh keeps commit-to-searchable under 2 s.
    "refresh_interval": "1s",
    "max_result_window": 10000,
}


def multilingual(copy_to: str | None = "text_all") -> Text:
    """A text field analysed once per language (``.en``, ``.fr``, ``.es``) plus a folded ``.keyword``.

    The language of a listing is often unknown or wrong, so every text is indexed in all three; the query
    searches all sub-fields and the best one wins.
    """
    return Text(analyzer=folding, copy_to=copy_to, fields={
        "en": Text(analyzer=english), "fr": Text(analyzer=french), "es": Text(analyzer=spanish),
        "keyword": Keyword(ignore_above=256, normalizer=folding_normalizer),
    })


def personal() -> Text:
    """Suspects' personal data: searchable only under a grant that does not redact it, never in ``text_all``."""
    return Text(analyzer=folding, multi=True, fields={"keyword": Keyword(ignore_above=256)})


# --- access ----------------------------------------------------------------------------------------------------


class ShareGrant(InnerDoc):
    """One active share of the case: to an agency under one of its mandates, or to a task force."""

    share_id = Long()
    agency_id = Long()
    task_force_id = Long()
    mandate_id = Long()
    expires_at = Date()
    redact_personal_data = Boolean()
    redact_sources = Boolean()
    redact_evidence = Boolean()
    #: Whether the owning agency released the entry's H2 item for this share (``sharing.models.Release``).
    item_released = Boolean()


class CaseAccess(InnerDoc):
    """The access fields of one case through which the document is readable, and of the report or claim that
    carries them when the document is one (an entity has one entry per claim): an item's own marking adds to its
    case's (``sharing.rules.item_gate``)."""

    case_id = Long()
    owner_agency_id = Long()
    classification = Integer()
    handling_code = Keyword()
    law_enforcement_only = Boolean()
    item_law_enforcement_only = Boolean()
    #: An H2 item of a case that is not H2: readable by a recipient only through a share that released it.
    item_held = Boolean()
    crime_area = Keyword()
    jurisdictions = Keyword(multi=True)
    jurisdiction_key = Keyword()
    cites_appendices = Keyword(multi=True)
    appendix_key = Keyword()
    shares = Nested(ShareGrant)


# --- documents -------------------------------------------------------------------------------------------------


class WildNetDocument(Document):
    """Fields every document has: identity, access, the filter and facet fields, and the catch-all text."""

    id = Long()
    type = Keyword()
    date = Date()
    updated_at = Date()
    text_all = Text(analyzer=folding, fields={"en": Text(analyzer=english), "fr": Text(analyzer=french),
                                               "es": Text(analyzer=spanish)})
    access = Nested(CaseAccess)
    agency_code = Keyword()
    countries = Keyword(multi=True)
    cites_appendices = Keyword(multi=True)
    platform_codes = Keyword(multi=True)
    platform_kinds = Keyword(multi=True)  # the kinds of those platforms that have one
    species_ids = Long(multi=True)
    species = Keyword(multi=True)  # scientific names, for facets and trends
    species_names = Text(analyzer=folding, multi=True, copy_to="text_all",
                         fields={"keyword": Keyword(ignore_above=256, normalizer=folding_normalizer)})
    status = Keyword()
    hashtags = Keyword(multi=True, normalizer=folding_normalizer)
    #: Digest of the rest of the document, so ``reconcile_search`` can tell a stale document from a current one.
    digest = Keyword(index=False)

    class Meta:
        dynamic = MetaField("strict")
        meta = MetaField({"schema_version": SCHEMA_VERSION})


class CaseDocument(WildNetDocument):
    reference = Keyword(copy_to="text_all")
    title = multilingual()
    summary = multilingual()
    modus_operandi = multilingual()
    priority = Keyword()
    crime_area = Keyword()

    class Index:
        name = f"{settings.ELASTICSEARCH_INDEX_PREFIX}-case"
        settings = INDEX_SETTINGS


class ListingDocument(WildNetDocument):
    case_id = Long()
    url = Keyword()
    title = multilingual()
    text = multilingual()
    language = Keyword()
    claimed_location = multilingual()
    price = ScaledFloat(scaling_factor=100)
    currency = Keyword()
    last_seen_at = Date()
    #: The listing facts; ``specimen_type`` is "" when not stated (a term like any other, so it filters and counts).
    specimen_type = Keyword()
    specimen_count = Integer()
    claimed_legality = Keyword()
    legality_verified = Keyword()
    seller = personal()
    #: The distinct words of the title and text that count as top keywords (``search.text.keywords``): a terms
    #: aggregation over them counts listings per word from doc values, exactly as the database backend counts.
    keywords = Keyword(multi=True)

    class Index:
        name = f"{settings.ELASTICSEARCH_INDEX_PREFIX}-listing"
        settings = INDEX_SETTINGS


class EntityDocument(WildNetDocument):
    """A whole entity is personal data: its access filter requires a non-redacting grant (claims rule)."""

    kind = Keyword()
    value = Text(analyzer=folding, copy_to="text_all", fields={"keyword": Keyword(ignore_above=256)})
    normalised = Keyword(copy_to="text_all")

    class Index:
        name = f"{settings.ELASTICSEARCH_INDEX_PREFIX}-entity"
        settings = INDEX_SETTINGS


class ReportDocument(WildNetDocument):
    """A whole report is the sources group: its access filter requires a grant not redacting sources."""

    case_id = Long()
    text = multilingual()
    grading_system = Keyword()
    source_evaluation = Keyword()
    information_assessment = Keyword()

    class Index:
        name = f"{settings.ELASTICSEARCH_INDEX_PREFIX}-report"
        settings = INDEX_SETTINGS


DOCUMENTS: dict[str, type[WildNetDocument]] = {
    "case": CaseDocument, "listing": ListingDocument, "entity": EntityDocument, "report": ReportDocument,
}


class WatchTermDocument(Document):
    """One active watch term: its compiled query, and whose it is.

    ``title``, ``text``, ``hashtags`` and ``species_ids`` are never stored here: they are the mapping of the
    listing fields the percolated documents carry, copied from :class:`ListingDocument` so that a term is analysed
    like the listing text it runs against (folding: case, accents and French elisions ignored).
    """

    query = Percolator()
    term_id = Long()
    watchlist_id = Long()
    agency_id = Long()
    title = Text(analyzer=folding)
    text = Text(analyzer=folding)
    hashtags = Keyword(multi=True, normalizer=folding_normalizer)
    species_ids = Long(multi=True)

    class Meta:
        dynamic = MetaField("strict")
        meta = MetaField({"schema_version": SCHEMA_VERSION})

    class Index:
        name = f"{settings.ELASTICSEARCH_INDEX_PREFIX}-watch"
        settings = INDEX_SETTINGS


#: The percolator's name among the indices the backend keeps (it is not a searchable type).
WATCH = "watch"

#: Every index the backend keeps, by the kind its alias is named after.
INDICES: dict[str, type[Document]] = {**DOCUMENTS, WATCH: WatchTermDocument}


def alias(kind: str) -> str:
    """The name every query and write uses; it points at exactly one versioned index."""
    return f"{settings.ELASTICSEARCH_INDEX_PREFIX}-{kind}"


def rebuild_alias(kind: str) -> str:
    """The alias naming the index a rebuild of ``kind`` is loading, while it does; writes go there too."""
    return f"{alias(kind)}-rebuild"


def versioned_index(kind: str, version: int) -> Index:
    """The index definition (settings, analysis, strict mapping) under its versioned name, with the replicas
    of this deployment (``ELASTICSEARCH_REPLICAS``)."""
    index: Index = INDICES[kind]._index.clone(name=f"{alias(kind)}-v{version}")
    index.settings(number_of_replicas=settings.ELASTICSEARCH_REPLICAS)
    return index


def index_version(name: str) -> int:
    """The ``N`` of ``{prefix}-{type}-v{N}``, 0 for a name that is not versioned."""
    _, _, suffix = name.rpartition("-v")
    return int(suffix) if suffix.isdigit() else 0


# --- rows to documents -----------------------------------------------------------------------------------------
#
# Each builder reads a batch of rows with their relations in a fixed number of queries and yields
# ``(pk, document)``. The external version is not taken from the rows (listings, entities and reports have no
# ``updated_at``, and a revoked share or a new claim changes a document without touching its row): the backend
# stamps each bulk write with the instant, in microseconds, just before the rows were read. A later read sees
# a state at least as new, so its write carries a greater version, and an older write arriving late is refused.

_HASHTAG = re.compile(r"#(\w{2,64})")


def document_source(document: WildNetDocument) -> dict[str, Any]:
    """The body to index: the document's fields and the digest of them that reconciliation compares."""
    source: dict[str, Any] = document.to_dict(include_meta=False)
    source.pop("digest", None)
    canonical = json.dumps(source, sort_keys=True, default=str, separators=(",", ":"))
    source["digest"] = hashlib.sha256(canonical.encode()).hexdigest()
    return source


def _shares(case: Case) -> list[Share]:
    """The case's shares (prefetched by the caller)."""
    return list(case.shares.all())


def case_access(case: Case, item: CaseEntity | IntelReport | None = None) -> CaseAccess:
    """The access entry of ``case`` (and of ``item``, a report or claim in it, whose releases are prefetched):
    what the policy tests on them, and the case's active shares."""
    released = {release.share_id for release in item.releases.all()} if item is not None else set()
    grants = [ShareGrant(share_id=share.pk, agency_id=share.recipient_agency_id,
                         task_force_id=share.recipient_task_force_id, mandate_id=share.mandate_id,
                         expires_at=share.expires_at, redact_personal_data=share.redact_personal_data,
                         redact_sources=share.redact_sources, redact_evidence=share.redact_evidence,
                         item_released=share.pk in released)
              for share in _shares(case) if share.status == ShareStatus.ACTIVE]
    held = (item is not None and item.handling_code == HandlingCode.H2 and case.handling_code != HandlingCode.H2)
    return CaseAccess(case_id=case.pk, owner_agency_id=case.owner_agency_id, classification=case.classification,
                      handling_code=case.handling_code, law_enforcement_only=case.law_enforcement_only,
                      item_law_enforcement_only=item is not None and item.law_enforcement_only, item_held=held,
                      crime_area=case.crime_area,
                      jurisdictions=sorted(case.jurisdictions), jurisdiction_key=case.jurisdiction_key,
                      cites_appendices=sorted(case.cites_appendices), appendix_key=case.appendix_key, shares=grants)


def _species_names(species: Iterable[Species]) -> list[str]:
    return sorted({name for taxon in species for name in [taxon.scientific_name, *(n.name for n in taxon.names.all())]})


def _kinds(platforms: Iterable[Agency]) -> list[str]:
    return sorted({platform.platform_kind for platform in platforms if platform.platform_kind})


def _hashtags(*texts: str) -> list[str]:
    return sorted({tag.lower() for text in texts for tag in _HASHTAG.findall(text or "")})


def _case_fields(case: Case, item: IntelReport | None = None) -> dict[str, Any]:
    """Filter and facet fields a case passes on to everything inside it."""
    return {"access": [case_access(case, item)], "agency_code": case.owner_agency.code,
            "countries": sorted(case.jurisdictions), "cites_appendices": sorted(case.cites_appendices)}


def build_cases(ids: list[int]) -> Iterator[tuple[int, WildNetDocument]]:
    rows = (Case.objects.filter(pk__in=ids).select_related("owner_agency")
            .prefetch_related("shares", "species__names", "platforms"))
    for case in rows:
        species = list(case.species.all())
        document = CaseDocument(
            meta={"id": case.pk}, id=case.pk, type="case", date=case.created_at, updated_at=case.updated_at,
            reference=case.reference, title=case.title, summary=case.summary, modus_operandi=case.modus_operandi,
            status=case.status, priority=case.priority, crime_area=case.crime_area,
            platform_codes=sorted(p.code for p in case.platforms.all()),
            platform_kinds=_kinds(case.platforms.all()), species_ids=sorted(s.pk for s in species),
            species=sorted(s.scientific_name for s in species), species_names=_species_names(species),
            hashtags=_hashtags(case.summary, case.modus_operandi),
            **_case_fields(case))
        yield case.pk, document


def build_listings(ids: list[int]) -> Iterator[tuple[int, WildNetDocument]]:
    rows = (Listing.objects.filter(pk__in=ids).select_related("case__owner_agency", "platform", "seller")
            .prefetch_related("case__shares", "species__names"))
    for listing in rows:
        case = listing.case
        species = list(listing.species.all())
        seller = [listing.seller.value, listing.seller.normalised] if listing.seller is not None else []
        document = ListingDocument(
            meta={"id": listing.pk}, id=listing.pk, type="listing", date=listing.first_seen_at,
            updated_at=listing.last_seen_at, case_id=case.pk, url=listing.url, title=listing.title,
            text=listing.text, language=listing.language, claimed_location=listing.claimed_location,
            price=listing.price, currency=listing.currency, last_seen_at=listing.last_seen_at, seller=seller,
            status=listing.status, platform_codes=[listing.platform.code] if listing.platform else [],
            platform_kinds=_kinds([listing.platform] if listing.platform else []),
            specimen_type=listing.specimen_type, specimen_count=listing.specimen_count,
            claimed_legality=listing.claimed_legality, legality_verified=listing.legality_verified,
            species_ids=sorted(s.pk for s in species), species=sorted(s.scientific_name for s in species),
            species_names=_species_names(species), hashtags=_hashtags(listing.title, listing.text),
            keywords=sorted(keywords(f"{listing.title} {listing.text}")), **_case_fields(case))
        yield listing.pk, document


def build_entities(ids: list[int]) -> Iterator[tuple[int, WildNetDocument]]:
    rows = (Entity.objects.filter(pk__in=ids).select_related("platform")
            .prefetch_related("claims__case__owner_agency", "claims__case__shares", "claims__releases"))
    for entity in rows:
        claims = list(entity.claims.all())
        cases = list({claim.case_id: claim.case for claim in claims}.values())
        document = EntityDocument(
            meta={"id": entity.pk}, id=entity.pk, type="entity", date=entity.created_at, kind=entity.kind,
            value=entity.value, normalised=entity.normalised,
            access=[case_access(claim.case, claim) for claim in claims],
            agency_code=sorted({case.owner_agency.code for case in cases}),
            countries=sorted({c for case in cases for c in case.jurisdictions}),
            cites_appendices=sorted({a for case in cases for a in case.cites_appendices}),
            platform_codes=[entity.platform.code] if entity.platform else [],
            platform_kinds=_kinds([entity.platform] if entity.platform else []))
        yield entity.pk, document


def build_reports(ids: list[int]) -> Iterator[tuple[int, WildNetDocument]]:
    rows = IntelReport.objects.filter(pk__in=ids).select_related("case__owner_agency").prefetch_related(
        "case__shares", "releases")
    for report in rows:
        case = report.case
        document = ReportDocument(
            meta={"id": report.pk}, id=report.pk, type="report", date=report.reported_on,
            updated_at=report.created_at, case_id=case.pk, text=report.text, grading_system=report.grading_system,
            source_evaluation=report.source_evaluation, information_assessment=report.information_assessment,
            hashtags=_hashtags(report.text), **_case_fields(case, report))
        yield report.pk, document


#: For each type: the model (whose policy re-checks every page) and the builder of its documents.
BUILDERS: dict[str, Callable[[list[int]], Iterator[tuple[int, WildNetDocument]]]] = {
    "case": build_cases, "listing": build_listings, "entity": build_entities, "report": build_reports,
}
MODELS: dict[str, type[models.Model]] = {"case": Case, "listing": Listing, "entity": Entity, "report": IntelReport}


# --- watch terms -----------------------------------------------------------------------------------------------


def watch_query(term: WatchTerm) -> Query:
    """The percolator query of one watch term: what ``search.alerts.python_matches`` tests, as a query.

    The words of the term as a phrase in the listing's title or text (whole words in order; case, accents and
    elisions folded by the fields' analyser); for a hashtag term also the hashtag itself, which the standard
    tokenizer may not split as the term does (``#ivoire_brut``); for a term naming a species also that species,
    whatever the words of the listing.
    """
    clauses = []
    if term.normalised:
        clauses.append(Q("multi_match", query=term.term, type="phrase", fields=["title", "text"]))
    if term.kind == TermKind.HASHTAG:
        clauses.append(Q("term", hashtags=term.term.lstrip("#")))
    if term.species_id is not None:
        clauses.append(Q("term", species_ids=term.species_id))
    return clauses[0] if len(clauses) == 1 else Q("bool", should=clauses, minimum_should_match=1)


def build_watch_terms(ids: list[int]) -> Iterator[tuple[int, WatchTermDocument]]:
    """The percolator documents of these terms; terms of an inactive watchlist have none (they are deleted)."""
    rows = WatchTerm.objects.filter(pk__in=ids, watchlist__is_active=True).select_related("watchlist")
    for term in rows:
        yield term.pk, WatchTermDocument(meta={"id": term.pk}, query=watch_query(term), term_id=term.pk,
                                         watchlist_id=term.watchlist_id, agency_id=term.watchlist.owner_agency_id)


def build_watch_documents(ids: list[int]) -> Iterator[tuple[int, dict[str, Any]]]:
    """Listings as the percolator reads them: only the fields :class:`WatchTermDocument` maps (the mapping is
    strict, and the rest would only cost parsing), with the same values as their listing documents."""
    for listing in Listing.objects.filter(pk__in=ids).prefetch_related("species").order_by("pk"):
        yield listing.pk, {"title": listing.title, "text": listing.text,
                           "hashtags": _hashtags(listing.title, listing.text),
                           "species_ids": sorted(s.pk for s in listing.species.all())}


def sources(kind: str, ids: list[int]) -> Iterator[tuple[int, dict[str, Any]]]:
    """The body of every row of ``kind`` among ``ids`` that has one: a document with its digest, or a term's
    percolator entry (the other ids are deleted by the writer)."""
    if kind == WATCH:
        for pk, term in build_watch_terms(ids):
            yield pk, term.to_dict()
    else:
        for pk, document in BUILDERS[kind](ids):
            yield pk, document_source(document)


def rebuild_ids(kind: str) -> list[int]:
    """Every row id a rebuild of ``kind`` loads, in order: all rows of a type, the terms of active watchlists."""
    rows: models.QuerySet[Any] = (WatchTerm.objects.filter(watchlist__is_active=True) if kind == WATCH
                                  else MODELS[kind]._default_manager.all())
    return list(rows.order_by("pk").values_list("pk", flat=True))
