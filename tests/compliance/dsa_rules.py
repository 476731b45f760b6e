"""The DSA Transparency Database's validation of statements of reasons, encoded from its own source.

Source: github.com/digital-services-act/transparency-database, ``app/Services/GroupedSubmissionsService.php``
(``multi_rules``, the rules of the bulk endpoint ``POST /api/v1/statements``), ``app/Http/Requests/
StatementStoreRequest.php`` (the same rules for one statement), ``StatementMultipleAPIController`` (a body holds
``statements``: an array of 1 to 100) and ``app/Models/Statement.php`` / ``EuropeanCountriesService`` (the allowed
values). Laravel's ``validated()`` keeps only the attributes that have a rule, so an attribute without one is
reported here as unknown: it would never reach the database.

This is the tests' oracle, written apart from the export code on purpose: the export must satisfy it, not share
its mistakes. Only the rules a WildNet statement can meet are encoded in full; the monetary and provision
decisions, which WildNet never emits, are checked for their allowed values only.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

DECISION_VISIBILITIES = {"DECISION_VISIBILITY_CONTENT_REMOVED", "DECISION_VISIBILITY_CONTENT_DISABLED",
                         "DECISION_VISIBILITY_CONTENT_DEMOTED", "DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED",
                         "DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED", "DECISION_VISIBILITY_CONTENT_LABELLED",
                         "DECISION_VISIBILITY_OTHER"}
DECISION_MONETARIES = {"DECISION_MONETARY_SUSPENSION", "DECISION_MONETARY_TERMINATION", "DECISION_MONETARY_OTHER"}
DECISION_PROVISIONS = {"DECISION_PROVISION_PARTIAL_SUSPENSION", "DECISION_PROVISION_TOTAL_SUSPENSION",
                       "DECISION_PROVISION_PARTIAL_TERMINATION", "DECISION_PROVISION_TOTAL_TERMINATION"}
DECISION_ACCOUNTS = {"DECISION_ACCOUNT_SUSPENDED", "DECISION_ACCOUNT_TERMINATED"}
DECISION_GROUNDS = {"DECISION_GROUND_ILLEGAL_CONTENT", "DECISION_GROUND_INCOMPATIBLE_CONTENT"}
INCOMPATIBLE_CONTENT_ILLEGALS = {"Yes", "No"}
CONTENT_TYPES = {"CONTENT_TYPE_APP", "CONTENT_TYPE_AUDIO", "CONTENT_TYPE_IMAGE", "CONTENT_TYPE_PRODUCT",
                 "CONTENT_TYPE_SYNTHETIC_MEDIA", "CONTENT_TYPE_TEXT", "CONTENT_TYPE_VIDEO", "CONTENT_TYPE_OTHER"}
CATEGORIES = {"STATEMENT_CATEGORY_ANIMAL_WELFARE", "STATEMENT_CATEGORY_CONSUMER_INFORMATION",
              "STATEMENT_CATEGORY_CYBER_VIOLENCE", "STATEMENT_CATEGORY_CYBER_VIOLENCE_AGAINST_WOMEN",
              "STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS",
              "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH", "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS",
              "STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS",
              "STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE", "STATEMENT_CATEGORY_OTHER_VIOLATION_TC",
              "STATEMENT_CATEGORY_PROTECTION_OF_MINORS", "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY",
              "STATEMENT_CATEGORY_SCAMS_AND_FRAUD", "STATEMENT_CATEGORY_SELF_HARM",
              "STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS", "STATEMENT_CATEGORY_VIOLENCE"}
EUROPEAN_COUNTRY_CODES = {"AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE",
                          "IS", "IT", "LI", "LT", "LU", "LV", "MT", "NL", "NO", "PL", "PT", "RO", "SE", "SI", "SK"}
SOURCE_TYPES = {"SOURCE_ARTICLE_16", "SOURCE_TRUSTED_FLAGGER", "SOURCE_TYPE_OTHER_NOTIFICATION", "SOURCE_VOLUNTARY"}
AUTOMATED_DETECTIONS = {"Yes", "No"}
AUTOMATED_DECISIONS = {"AUTOMATED_DECISION_FULLY", "AUTOMATED_DECISION_PARTIALLY",
                       "AUTOMATED_DECISION_NOT_AUTOMATED"}
#: Every attribute with a rule in ``multi_rules``: the only ones the database keeps.
KNOWN = {"decision_visibility", "decision_visibility_other", "decision_monetary", "decision_monetary_other",
         "decision_provision", "decision_account", "account_type", "category_specification",
         "category_specification_other", "decision_ground", "decision_ground_reference_url",
         "illegal_content_legal_ground", "illegal_content_explanation", "incompatible_content_ground",
         "incompatible_content_explanation", "incompatible_content_illegal", "content_type", "content_type_other",
         "category", "category_addition", "territorial_scope", "content_language", "content_date",
         "application_date", "end_date_account_restriction", "end_date_monetary_restriction",
         "end_date_service_restriction", "end_date_visibility_restriction", "decision_facts", "source_type",
         "source_identity", "automated_detection", "automated_decision", "puid", "content_id"}
PUID = re.compile(r"^[a-zA-Z0-9-_]+$")


def problems(statement: dict[str, Any]) -> list[str]:
    """What the database would refuse in one statement; empty when it accepts it."""
    found = [f"unknown attribute {name}" for name in sorted(set(statement) - KNOWN)]

    def has(name: str) -> bool:
        return statement.get(name) not in (None, "", [])

    def text(name: str, limit: int, required: bool = False) -> None:
        if required and not has(name):
            found.append(f"{name} is required")
        elif has(name) and (not isinstance(statement[name], str) or len(statement[name]) > limit):
            found.append(f"{name} is not a text of at most {limit} characters")

    def one_of(name: str, allowed: set[str], required: bool = False) -> None:
        if required and not has(name):
            found.append(f"{name} is required")
        elif has(name) and statement[name] not in allowed:
            found.append(f"{name} {statement[name]!r} is not allowed")

    def all_of(name: str, allowed: set[str], required: bool = False) -> None:
        value = statement.get(name)
        if required and not value:
            found.append(f"{name} is required")
        elif value is not None and (not isinstance(value, list) or not set(value) <= allowed):
            found.append(f"{name} {value!r} is not a list of allowed values")

    def day(name: str, earliest: str | None, required: bool = False) -> None:
        if required and not has(name):
            found.append(f"{name} is required")
            return
        if not has(name):
            return
        try:
            value = datetime.datetime.strptime(statement[name], "%Y-%m-%d").date().isoformat()
        except (TypeError, ValueError):
            found.append(f"{name} is not YYYY-MM-DD")
            return
        if value != statement[name] or (earliest and value < earliest) or value > "2038-01-01":
            found.append(f"{name} {statement[name]} is out of range")

    decisions = ("decision_visibility", "decision_monetary", "decision_provision", "decision_account")
    if not any(has(name) for name in decisions):
        found.append("one of decision_visibility, decision_monetary, decision_provision, decision_account is required")
    all_of("decision_visibility", DECISION_VISIBILITIES)
    other_visibility = "DECISION_VISIBILITY_OTHER" in (statement.get("decision_visibility") or [])
    if other_visibility:
        text("decision_visibility_other", 500, required=True)
    elif "decision_visibility_other" in statement:
        found.append("decision_visibility_other is excluded unless the visibility is other")
    one_of("decision_monetary", DECISION_MONETARIES)
    one_of("decision_provision", DECISION_PROVISIONS)
    one_of("decision_account", DECISION_ACCOUNTS)

    one_of("decision_ground", DECISION_GROUNDS, required=True)
    illegal = statement.get("decision_ground") == "DECISION_GROUND_ILLEGAL_CONTENT"
    incompatible = statement.get("decision_ground") == "DECISION_GROUND_INCOMPATIBLE_CONTENT"
    for name, limit, applies in [("illegal_content_legal_ground", 500, illegal),
                                 ("illegal_content_explanation", 2000, illegal),
                                 ("incompatible_content_ground", 500, incompatible),
                                 ("incompatible_content_explanation", 2000, incompatible)]:
        if applies:
            text(name, limit, required=True)
        elif name in statement:
            found.append(f"{name} is excluded under {statement.get('decision_ground')}")
    if "incompatible_content_illegal" in statement:
        if not incompatible:
            found.append("incompatible_content_illegal is excluded unless the ground is incompatible content")
        one_of("incompatible_content_illegal", INCOMPATIBLE_CONTENT_ILLEGALS)

    all_of("content_type", CONTENT_TYPES, required=True)
    if "CONTENT_TYPE_OTHER" in (statement.get("content_type") or []):
        text("content_type_other", 500, required=True)
    one_of("category", CATEGORIES, required=True)
    all_of("category_addition", CATEGORIES)
    all_of("territorial_scope", EUROPEAN_COUNTRY_CODES)
    day("content_date", "2000-01-01", required=True)
    day("application_date", "2020-01-01", required=True)
    for name in ("end_date_account_restriction", "end_date_monetary_restriction", "end_date_service_restriction",
                 "end_date_visibility_restriction"):
        day(name, None)
    text("decision_facts", 5000, required=True)
    one_of("source_type", SOURCE_TYPES, required=True)
    text("source_identity", 500)
    one_of("automated_detection", AUTOMATED_DETECTIONS, required=True)
    one_of("automated_decision", AUTOMATED_DECISIONS, required=True)
    text("puid", 500, required=True)
    if has("puid") and not PUID.match(statement["puid"]):
        found.append("puid has characters outside letters, digits, - and _")
    return found


def body_problems(body: dict[str, Any]) -> list[str]:
    """What the bulk endpoint would refuse in a request body: 1 to 100 statements, each valid, puids unique."""
    statements = body.get("statements")
    if set(body) != {"statements"} or not isinstance(statements, list) or not 1 <= len(statements) <= 100:
        return ["a body is {\"statements\": [...]} with 1 to 100 statements"]
    found = [f"statement {index}: {problem}" for index, statement in enumerate(statements)
             for problem in problems(statement)]
    puids = [statement.get("puid") for statement in statements]
    if len(set(puids)) != len(puids):
        found.append("puids repeat within the body")
    return found
