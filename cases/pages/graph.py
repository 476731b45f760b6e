"""The link chart's picture and table, shaped from what a link-chart document returned.

Nothing here reads the database or asks the policy: the document already holds only what the viewer may see
(an entity's claims are those of cases they may see; ``heldElsewhere`` is all they learn of the rest). This
module only turns that answer into nodes and edges for the drawing and rows for the table, with the labels in
the page's language, so the script that draws needs no translation of its own.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from console import labels


@dataclass
class Node:
    id: str
    type: str  # "case", "listing", "entity" or "held": the shape the drawing gives it
    label: str
    kind: str  # what it is, in words: "Case", "Phone number", "Held by another agency"…
    detail: str = ""
    href: str = ""
    focus: bool = False


@dataclass
class Edge:
    source: str
    target: str
    label: str = ""


@dataclass
class OtherCase:
    reference: str
    title: str
    agency: str
    roles: list[str]
    href: str


@dataclass
class IdentifierRow:
    id: str
    kind: str
    value: str
    roles: list[str]
    listings: list[str] = field(default_factory=list)
    cases: list[OtherCase] = field(default_factory=list)
    held_elsewhere: bool = False
    href: str = ""


@dataclass
class Chart:
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    rows: list[IdentifierRow] = field(default_factory=list)

    def add(self, node: Node) -> None:
        self.nodes.setdefault(node.id, node)

    def link(self, source: str, target: str, label: str = "") -> None:
        self.edges.append(Edge(source, target, label))

    def data(self) -> dict[str, Any]:
        """What the drawing script reads from the page's JSON block."""
        return {"nodes": [asdict(node) for node in self.nodes.values()], "edges": [asdict(e) for e in self.edges]}


def _role(name: str) -> str:
    return str(labels.label("entity_role", name))


def _case_node(case: dict[str, Any], focus: bool = False) -> Node:
    return Node(case["id"], "case", case["reference"], _("Case"), f"{case['title']} — {case['ownerAgency']['name']}",
                reverse("case-graph", args=[case["reference"]]), focus)


def _entity_node(entity: dict[str, Any], focus: bool = False) -> Node:
    matched_as = entity["normalised"] if entity["normalised"] != entity["value"] else ""
    return Node(entity["id"], "entity", entity["value"], str(labels.label("entity_kind", entity["kind"])),
                matched_as, reverse("entity-graph", args=[entity["id"]]), focus)


def _identifier(chart: Chart, entity: dict[str, Any], roles: list[str], center: str | None) -> IdentifierRow:
    """The entity's links to the other cases the viewer may see, and the marker when another agency holds it."""
    row = IdentifierRow(entity["id"], str(labels.label("entity_kind", entity["kind"])), entity["value"], roles,
                        held_elsewhere=entity["heldElsewhere"], href=reverse("entity-graph", args=[entity["id"]]))
    others: dict[str, OtherCase] = {}
    for claim in entity["claims"]:
        case = claim["case"]
        if case["id"] == center:
            continue
        chart.add(_case_node(case))
        chart.link(entity["id"], case["id"], _role(claim["role"]))
        other = others.setdefault(case["id"], OtherCase(case["reference"], case["title"], case["ownerAgency"]["name"],
                                                        [], reverse("case-graph", args=[case["reference"]])))
        other.roles.append(_role(claim["role"]))
    row.cases = list(others.values())
    if entity["heldElsewhere"]:
        marker = f"held:{entity['id']}"
        chart.add(Node(marker, "held", _("Held elsewhere"), _("Held by another agency"),
                       _("This identifier also appears in intelligence you cannot see.")))
        chart.link(entity["id"], marker)
    return row


def of_case(case: dict[str, Any]) -> Chart:
    """The case, its listings and identifiers, and the other cases the viewer may see that share them."""
    chart = Chart()
    chart.add(_case_node(case, focus=True))
    roles: dict[str, list[str]] = {}
    entities: dict[str, dict[str, Any]] = {}
    for claim in case["entityLinks"]:
        entity = claim["entity"]
        entities.setdefault(entity["id"], entity)
        roles.setdefault(entity["id"], []).append(_role(claim["role"]))
    for entity_id, entity in entities.items():
        chart.add(_entity_node(entity))
        chart.link(case["id"], entity_id, ", ".join(roles[entity_id]))
        chart.rows.append(_identifier(chart, entity, roles[entity_id], center=case["id"]))
    sold: dict[str, list[str]] = {}
    for listing in case["listings"]:
        title = listing["title"] or listing["url"]
        platform = (listing["platform"] or {}).get("name", "")
        chart.add(Node(listing["id"], "listing", title, _("Listing"), " — ".join(filter(None, [platform,
                                                                                           listing["url"]]))))
        chart.link(case["id"], listing["id"])
        seller = (listing["seller"] or {}).get("id")
        if seller in entities:
            chart.link(listing["id"], seller)
            sold.setdefault(seller, []).append(title)
    for row in chart.rows:
        row.listings = sold.get(row.id, [])
    return chart


def of_entity(entity: dict[str, Any]) -> Chart:
    """An identifier and the cases the viewer may see that speak of it."""
    chart = Chart()
    chart.add(_entity_node(entity, focus=True))
    chart.rows.append(_identifier(chart, entity, [], center=None))
    return chart
