"""Cases and what they hold: listings, entities and the claims linking them, reports, watchlists.

A case belongs to the agency that opened it. Everything inside a case (listings, entity claims, reports,
evidence) inherits the case's access (DESIGN, access rule 2); an entity itself belongs to nobody — the same
phone number may appear in several agencies' cases — and is visible only through a claim the viewer may see.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access.markings import Classification, CrimeArea, HandlingCode
from agencies.models import Agency

from .species import Species


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACTIVE = "active", _("Active investigation")
    REFERRED = "referred", _("Referred for prosecution")
    CLOSED = "closed", _("Closed")
    ARCHIVED = "archived", _("Archived")


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class CaseSequence(models.Model):
    """The last reference number allocated per agency and year. Its row lock serialises allocation."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "year"], name="case_sequence_once")]

    def __str__(self) -> str:
        return f"{self.agency_id}/{self.year}: {self.last}"


class Case(models.Model):
    reference = models.CharField(max_length=48, unique=True, editable=False,
                                 help_text=_("AGENCY-YEAR-NUMBER, e.g. FR-OFB-2026-00042."))
    year = models.PositiveSmallIntegerField(editable=False)
    number = models.PositiveIntegerField(editable=False)
    owner_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="cases")
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    status = models.CharField(max_length=12, choices=CaseStatus.choices, default=CaseStatus.OPEN, db_index=True)
    priority = models.CharField(max_length=8, choices=Priority.choices, default=Priority.MEDIUM)
    lead_officer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="cases_led")
    team = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="case_teams")
    jurisdictions = models.JSONField(default=list, help_text=_("ISO 3166-1 alpha-2 codes."))
    species = models.ManyToManyField(Species, blank=True, related_name="cases")
    cites_appendices = models.JSONField(
        default=list, editable=False,
        help_text=_("The CITES appendices of the case's species, kept by the actions for mandate coverage."),
    )
    jurisdiction_key = models.CharField(max_length=400, editable=False, default=",",
                                        help_text=_("Jurisdictions as ',ES,FR,': lets SQL test coverage."))
    appendix_key = models.CharField(max_length=20, editable=False, default=",",
                                    help_text=_("CITES appendices as ',I,II,': lets SQL test coverage."))
    platforms = models.ManyToManyField(Agency, blank=True, related_name="platform_cases",
                                       limit_choices_to={"agency_type": "online_platform"})
    crime_area = models.CharField(max_length=20, choices=CrimeArea.choices, default=CrimeArea.ONLINE_TRADE)
    modus_operandi = models.TextField(blank=True)
    classification = models.PositiveSmallIntegerField(choices=Classification.choices,
                                                      default=Classification.RESTRICTED)
    handling_code = models.CharField(max_length=2, choices=HandlingCode.choices, default=HandlingCode.H0)
    handling_conditions = models.TextField(blank=True, help_text=_("H3: the conditions every recipient reads."))
    law_enforcement_only = models.BooleanField(
        default=True, help_text=_("Kept among law-enforcement, prosecution and regulatory agencies: never shared "
                                  "with an NGO or an online platform."))
    version = models.PositiveIntegerField(default=1, help_text=_("Optimistic lock: bumped by every update."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["owner_agency", "year", "number"], name="case_number_once"),
        ]
        indexes = [models.Index(fields=["owner_agency", "status"], name="case_owner_status")]

    def __str__(self) -> str:
        return self.reference

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.jurisdiction_key = list_key(self.jurisdictions)
        self.appendix_key = list_key(self.cites_appendices)
        super().save(*args, **kwargs)


def list_key(values: list[str]) -> str:
    """A sorted, comma-delimited form of a short list of codes (``,ES,FR,``).

    Whether a case's jurisdictions (or appendices) all fall inside a mandate's is then a regular expression
    over one column (``^,((ES|FR),)*$``), which SQLite and PostgreSQL both evaluate inside the visibility
    query — where JSON containment would not be portable.
    """
    return "," + "".join(f"{v}," for v in sorted(set(values)))


class ListingStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    REMOVED = "removed", _("Removed")
    RELISTED = "relisted", _("Re-listed")


class SpecimenType(models.TextChoices):
    """What a listing offers, in CITES terms: the animal itself, a part of it, or something made from it."""

    UNKNOWN = "", _("Not stated")
    LIVE = "live", _("Live animal")
    PART = "part", _("Part (skin, scales, raw tusk, horn, feathers)")
    DERIVATIVE = "derivative", _("Derivative (carving, leather goods, medicine)")


class ClaimedLegality(models.TextChoices):
    """What the seller says makes the trade legal. Sellers need not prove it, so it is recorded as a claim."""

    NONE = "none", _("None claimed")
    CITES_PERMIT = "cites_permit", _("CITES permit")
    EU_CERTIFICATE = "eu_certificate", _("EU certificate (Article 10)")
    CAPTIVE_BRED = "captive_bred", _("Captive-bred (ring or microchip numbers)")
    ANTIQUE = "antique", _("Antique / pre-Convention")


#: Claims that name a document or marks an officer can check, and so need them recorded.
REFERENCED_CLAIMS = frozenset({ClaimedLegality.CITES_PERMIT, ClaimedLegality.EU_CERTIFICATE,
                               ClaimedLegality.CAPTIVE_BRED})


class LegalityVerification(models.TextChoices):
    """Whether an officer checked the claimed legality (with the issuing authority, a ring register, …)."""

    NOT_CHECKED = "not_checked", _("Not checked")
    VERIFIED_GENUINE = "genuine", _("Verified genuine")
    VERIFIED_FALSE = "false", _("Verified false")


def url_digest(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()


class Listing(models.Model):
    """An advert or post seen online, in one case. The same normalised URL in a case is one listing."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="listings")
    platform = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="listings",
                                 limit_choices_to={"agency_type": "online_platform"})
    url = models.URLField(max_length=2000)
    url_digest = models.CharField(max_length=64, editable=False, db_index=True,
                                  help_text=_("SHA-256 of the normalised URL: a short key for uniqueness."))
    external_id = models.CharField(max_length=128, blank=True)
    title = models.CharField(max_length=500, blank=True)
    text = models.TextField(blank=True)
    language = models.CharField(max_length=8, blank=True)
    price = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    seller = models.ForeignKey("Entity", null=True, blank=True, on_delete=models.SET_NULL, related_name="listings")
    claimed_location = models.CharField(max_length=200, blank=True)
    species = models.ManyToManyField(Species, blank=True, related_name="listings")
    status = models.CharField(max_length=10, choices=ListingStatus.choices, default=ListingStatus.ACTIVE)
    specimen_type = models.CharField(max_length=10, blank=True, choices=SpecimenType.choices,
                                     default=SpecimenType.UNKNOWN)
    specimen_count = models.PositiveIntegerField(null=True, blank=True,
                                                 help_text=_("How many specimens are offered; empty: not stated."))
    claimed_legality = models.CharField(max_length=16, choices=ClaimedLegality.choices,
                                        default=ClaimedLegality.NONE)
    legality_reference = models.CharField(
        max_length=500, blank=True,
        help_text=_("The permit or certificate number, or the ring or microchip numbers, as the seller gives them."))
    legality_verified = models.CharField(max_length=12, choices=LegalityVerification.choices,
                                         default=LegalityVerification.NOT_CHECKED)
    legality_verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                             on_delete=models.PROTECT, related_name="+")
    legality_verified_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-last_seen_at", "-id"]
        # A search joins its text matches to the listings the policy lets the viewer see (their case among the
        # visible cases): with the case beside the key, PostgreSQL checks each match in this index alone instead
        # of reading every listing to hash the visible ones (a common word at 1,000,000 listings: 0.8 s → 0.35 s,
        # tests/benchmarks/bench_search.py). Covering indexes are PostgreSQL's; SQLite gets a plain one on the key.
        indexes = [models.Index(fields=["id"], include=["case"], name="listing_id_case")]
        constraints = [
            models.UniqueConstraint(fields=["case", "url_digest"], name="listing_url_once_per_case"),
            # The rules cases.actions enforces with typed errors, kept by the database too (imports write in bulk).
            models.CheckConstraint(condition=Q(specimen_count__isnull=True) | Q(specimen_count__gte=1),
                                   name="listing_specimen_count_positive"),
            models.CheckConstraint(
                condition=~Q(claimed_legality__in=sorted(REFERENCED_CLAIMS)) | ~Q(legality_reference=""),
                name="listing_claim_has_reference"),
            models.CheckConstraint(
                condition=(Q(legality_verified=LegalityVerification.NOT_CHECKED, legality_verified_by__isnull=True,
                             legality_verified_at__isnull=True)
                           | (~Q(legality_verified=LegalityVerification.NOT_CHECKED)
                              & ~Q(claimed_legality=ClaimedLegality.NONE)
                              & Q(legality_verified_by__isnull=False, legality_verified_at__isnull=False))),
                name="listing_verification_of_a_claim"),
        ]

    def __str__(self) -> str:
        return self.url

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.url_digest = url_digest(self.url)
        super().save(*args, **kwargs)


class SuggestedSpecies(models.Model):
    """A species the matcher found in a listing's title or text: a suggestion, not an officer's finding.

    Kept apart from ``Listing.species``, which holds only the species an officer named or confirmed (and which
    become the case's species and mandates): a suggestion changes nothing until someone confirms it. The span
    lets a reader see the words that suggested it.
    """

    class Source(models.TextChoices):
        TITLE = "title", _("Title")
        TEXT = "text", _("Text")

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="suggested_species")
    species = models.ForeignKey(Species, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=5, choices=Source.choices, help_text=_("The field the words are in."))
    start = models.PositiveIntegerField(help_text=_("Offset of the first character of the words, in the field."))
    end = models.PositiveIntegerField(help_text=_("Offset just after the last character of the words."))
    matched_name = models.CharField(max_length=255)
    score = models.FloatField(help_text=_("From 75 to 100 (the whole name, exactly)."))

    class Meta:
        # Best first; among equals the title's before the text's ("title" sorts after "text").
        ordering = ["listing_id", "-score", "-source", "start"]
        constraints = [models.UniqueConstraint(fields=["listing", "species"], name="suggested_species_once")]

    def __str__(self) -> str:
        return f"{self.species_id} in {self.source} [{self.start}:{self.end}]"


class EntityKind(models.TextChoices):
    ONLINE_ACCOUNT = "online_account", _("Online account")
    PHONE = "phone", _("Phone number")
    EMAIL = "email", _("E-mail address")
    PAYMENT_ACCOUNT = "payment_account", _("Payment account")
    CRYPTO_WALLET = "crypto_wallet", _("Crypto wallet")
    SHIPPING_REFERENCE = "shipping_reference", _("Parcel or shipping reference")
    PERSON = "person", _("Person")
    ORGANISATION = "organisation", _("Organisation")


class Entity(models.Model):
    """An identifier, normalised so that the same value matches across cases and agencies."""

    kind = models.CharField(max_length=20, choices=EntityKind.choices)
    value = models.CharField(max_length=300, help_text=_("As first recorded, for display."))
    normalised = models.CharField(max_length=300, help_text=_("The matching key, e.g. +33612345678."))
    platform = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 help_text=_("Online accounts: the platform the handle lives on."))
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["kind", "normalised"]
        verbose_name_plural = "entities"
        constraints = [models.UniqueConstraint(fields=["kind", "normalised"], name="entity_value_once_per_kind")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.normalised}"


class EntityRole(models.TextChoices):
    SELLER = "seller", _("Seller")
    BUYER = "buyer", _("Buyer")
    COURIER = "courier", _("Courier")
    PAYEE = "payee", _("Payee")
    SUPPLIER = "supplier", _("Supplier")
    ASSOCIATE = "associate", _("Associate")
    OTHER = "other", _("Other")


class SourceReliability(models.TextChoices):
    """Europol 4x4 source evaluation."""

    A = "A", _("A — completely reliable")
    B = "B", _("B — usually reliable")
    C = "C", _("C — not usually reliable")
    X = "X", _("X — cannot be judged")


class InformationCredibility(models.TextChoices):
    """Europol 4x4 information assessment."""

    ONE = "1", _("1 — accuracy not in doubt")
    TWO = "2", _("2 — known personally to the source")
    THREE = "3", _("3 — not known personally to the source, corroborated")
    FOUR = "4", _("4 — not known personally to the source and cannot be corroborated")


class CaseEntity(models.Model):
    """What a case says about an entity: a claim with its own role, grading and handling code.

    The restriction sits on the claim, not on the entity: a phone number is not secret, the fact that agency A
    believes it belongs to a seller of ivory may be. A claim's marking adds to its case's and never loosens it:
    H0 and ``law_enforcement_only=False`` mean "as the case"; a stricter claim follows its own code
    (``sharing.rules.item_gate``).
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="entity_links")
    entity = models.ForeignKey(Entity, on_delete=models.PROTECT, related_name="claims")
    role = models.CharField(max_length=12, choices=EntityRole.choices, default=EntityRole.OTHER)
    source_reliability = models.CharField(max_length=1, choices=SourceReliability.choices,
                                          default=SourceReliability.X)
    information_credibility = models.CharField(max_length=1, choices=InformationCredibility.choices,
                                               default=InformationCredibility.FOUR)
    handling_code = models.CharField(max_length=2, choices=HandlingCode.choices, default=HandlingCode.H0)
    handling_conditions = models.TextField(blank=True, help_text=_("H3: the conditions every recipient reads."))
    law_enforcement_only = models.BooleanField(default=False, help_text=_(
        "Hidden from NGOs and online platforms even in a case shared with them."))
    note = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["case", "entity"]
        constraints = [models.UniqueConstraint(fields=["case", "entity", "role"], name="claim_once_per_role")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.role} {self.entity_id}"


class GradingSystem(models.TextChoices):
    EUROPOL_4X4 = "europol_4x4", _("Europol 4x4")
    UK_3X5X2 = "uk_3x5x2", _("UK 3x5x2")


#: Allowed values per grading system: source evaluation, information assessment.
GRADES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    GradingSystem.EUROPOL_4X4: (("A", "B", "C", "X"), ("1", "2", "3", "4")),
    GradingSystem.UK_3X5X2: (("1", "2", "3"), ("A", "B", "C", "D", "E")),
}


class IntelReport(models.Model):
    """A graded note. Europol 4x4 (source A/B/C/X, information 1–4) or UK 3x5x2 (source 1–3, intelligence
    A–E, handling P/C, the latter kept in ``uk_handling`` beside the Europol H0–H3 handling code). Its marking
    adds to its case's, as a claim's does; the conditions of H3 and of UK code C are written in
    ``handling_conditions``."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reports")
    text = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    grading_system = models.CharField(max_length=12, choices=GradingSystem.choices,
                                      default=GradingSystem.EUROPOL_4X4)
    source_evaluation = models.CharField(max_length=1)
    information_assessment = models.CharField(max_length=1)
    uk_handling = models.CharField(max_length=1, blank=True, choices=[("P", "P — lawful sharing permitted"),
                                                                      ("C", "C — conditions apply")])
    handling_code = models.CharField(max_length=2, choices=HandlingCode.choices, default=HandlingCode.H0)
    handling_conditions = models.TextField(blank=True, help_text=_(
        "H3, or UK 3x5x2 handling code C: the conditions every recipient reads."))
    law_enforcement_only = models.BooleanField(default=False, help_text=_(
        "Hidden from NGOs and online platforms even in a case shared with them."))
    reported_on = models.DateField(default=timezone.localdate)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-reported_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(grading_system="europol_4x4", source_evaluation__in=["A", "B", "C", "X"],
                             information_assessment__in=["1", "2", "3", "4"], uk_handling="")
                           | Q(grading_system="uk_3x5x2", source_evaluation__in=["1", "2", "3"],
                               information_assessment__in=["A", "B", "C", "D", "E"], uk_handling__in=["P", "C"])),
                name="report_grading_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"report {self.pk} ({self.source_evaluation}{self.information_assessment})"


class TermKind(models.TextChoices):
    SCIENTIFIC_NAME = "scientific_name", _("Scientific name")
    COMMON_NAME = "common_name", _("Common name")
    MISSPELLING = "misspelling", _("Misspelling")
    CODE_WORD = "code_word", _("Code word")
    HASHTAG = "hashtag", _("Hashtag")


class Watchlist(models.Model):
    """An agency's keyword watchlist; new listings are checked against its terms."""

    owner_agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="watchlists")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["owner_agency", "name"], name="watchlist_name_once")]

    def __str__(self) -> str:
        return self.name


class WatchTerm(models.Model):
    watchlist = models.ForeignKey(Watchlist, on_delete=models.CASCADE, related_name="terms")
    term = models.CharField(max_length=200)
    normalised = models.CharField(max_length=200, editable=False)
    kind = models.CharField(max_length=16, choices=TermKind.choices)
    language = models.CharField(max_length=8, blank=True)
    species = models.ForeignKey(Species, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["watchlist", "term"]
        constraints = [models.UniqueConstraint(fields=["watchlist", "normalised", "kind"], name="term_once")]

    def __str__(self) -> str:
        return self.term


class WatchAlert(models.Model):
    """A listing matched a watchlist term. Raised for every match; an officer sees an alert only when they may
    see its listing (the rule checks it at each request), so alerts never reveal intelligence."""

    watchlist = models.ForeignKey(Watchlist, on_delete=models.CASCADE, related_name="alerts")
    term = models.ForeignKey(WatchTerm, on_delete=models.CASCADE, related_name="alerts")
    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="watch_alerts")
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["watchlist", "term", "listing"], name="alert_once")]

    def __str__(self) -> str:
        return f"{self.term_id} matched {self.listing_id}"
