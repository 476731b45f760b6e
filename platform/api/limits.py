"""Validation rules that bound what one GraphQL request may cost.

Depth alone does not stop a wide query (hundreds of aliases of one expensive field) nor a connection nested in a
connection with ``first: 100`` at each level. So three limits apply before execution: depth, the number of
aliases, and an estimated cost in which a field inside a connection page counts once per item it may return.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationRule,
    VariableNode,
)

#: A connection queried without ``first``/``last`` returns at most this many items (RELAY_CONNECTION_MAX_LIMIT).
DEFAULT_PAGE = 100


def alias_limit_rule(max_aliases: int) -> type[ValidationRule]:
    class AliasLimit(ValidationRule):
        def __init__(self, context: Any) -> None:
            super().__init__(context)
            self.count = 0

        def enter_field(self, node: FieldNode, *_args: Any) -> None:
            if node.alias is not None:
                self.count += 1
                if self.count == max_aliases + 1:
                    self.report_error(GraphQLError(f"Too many aliases: the limit is {max_aliases}."))

    return AliasLimit


def cost_limit_rule(max_cost: int) -> type[ValidationRule]:
    class CostLimit(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_args: Any) -> None:
            fragments = {
                d.name.value: d for d in self.context.document.definitions
                if isinstance(d, FragmentDefinitionNode)
            }
            variables = getattr(self.context, "variable_values", None) or {}
            cost = _Measure(fragments, variables).cost(node.selection_set, frozenset())
            if cost > max_cost:
                self.report_error(GraphQLError(
                    f"Query too expensive: estimated cost {cost} exceeds the limit of {max_cost}. "
                    "Ask for smaller pages or fewer nested connections."
                ))

    return CostLimit


def _page_size(node: FieldNode, variables: dict[str, Any]) -> int | None:
    """The page size a connection field asks for, or None if the field is not paginated."""
    for argument in node.arguments or ():
        if argument.name.value in {"first", "last"}:
            value = argument.value
            if isinstance(value, IntValueNode):
                return max(1, min(int(value.value), DEFAULT_PAGE))
            if isinstance(value, VariableNode):
                given = variables.get(value.name.value)
                return max(1, min(int(given), DEFAULT_PAGE)) if isinstance(given, int) else DEFAULT_PAGE
    return None


class _Measure:
    """Cost and depth of selections, each fragment measured once.

    Memoising fragments keeps the work linear in the document's size: a "fragment bomb" (each fragment
    spreading the previous one several times) would otherwise take exponential time to validate. Fragment
    cycles count as zero here; the standard ``NoFragmentCycles`` rule reports them.
    """

    def __init__(self, fragments: dict[str, FragmentDefinitionNode], variables: dict[str, Any]) -> None:
        self.fragments = fragments
        self.variables = variables
        self.costs: dict[str, int] = {}
        self.depths: dict[str, int] = {}

    def cost(self, selection_set: SelectionSetNode | None, seen: frozenset[str]) -> int:
        if selection_set is None:
            return 0
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                inner = self.cost(selection.selection_set, seen)
                page = _page_size(selection, self.variables)
                if page is None and any(s.name.value == "edges" for s in _fields(selection.selection_set)):
                    page = DEFAULT_PAGE
                total += 1 + inner * (page or 1)
            elif isinstance(selection, InlineFragmentNode):
                total += self.cost(selection.selection_set, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name in seen or name not in self.fragments:
                    continue
                if name not in self.costs:
                    self.costs[name] = self.cost(self.fragments[name].selection_set, seen | {name})
                total += self.costs[name]
        return total

    def depth(self, selection_set: SelectionSetNode | None, seen: frozenset[str]) -> int:
        """Fields nested below this selection; introspection fields (``__schema``…) count like any other."""
        if selection_set is None:
            return 0
        deepest = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                below = self.depth(selection.selection_set, seen)
                deepest = max(deepest, 1 + below if selection.selection_set is not None else 0)
            elif isinstance(selection, InlineFragmentNode):
                deepest = max(deepest, self.depth(selection.selection_set, seen))
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name in seen or name not in self.fragments:
                    continue
                if name not in self.depths:
                    self.depths[name] = self.depth(self.fragments[name].selection_set, seen | {name})
                deepest = max(deepest, self.depths[name])
        return deepest


def depth_limit_rule(max_depth: int) -> type[ValidationRule]:
    """Nesting of fields per operation, fragments included (replaces graphene's validator, which recurses
    through fragments without memoising them and fails on fragment cycles)."""

    class DepthLimit(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_args: Any) -> None:
            fragments = {
                d.name.value: d for d in self.context.document.definitions
                if isinstance(d, FragmentDefinitionNode)
            }
            depth = _Measure(fragments, {}).depth(node.selection_set, frozenset())
            if depth > max_depth:
                name = node.name.value if node.name else "anonymous"
                self.report_error(GraphQLError(f"'{name}' exceeds maximum operation depth of {max_depth}."))

    return DepthLimit


def _fields(selection_set: SelectionSetNode | None) -> list[FieldNode]:
    if selection_set is None:
        return []
    return [s for s in selection_set.selections if isinstance(s, FieldNode)]


def nesting_depth(query: str) -> int:
    """The deepest ``{``/``(``/``[`` nesting of a document, outside strings and comments, without parsing it.

    graphql-core's parser and validators recurse once per level, so a document nested thousands of levels deep
    would exhaust the interpreter's stack before any validation rule ran; this linear scan refuses it first.
    """
    depth = deepest = 0
    i, length = 0, len(query)
    while i < length:
        char = query[i]
        if char == "#":
            newline = query.find("\n", i)
            i = length if newline == -1 else newline
        elif query.startswith('"""', i):
            end = query.find('"""', i + 3)
            i = length if end == -1 else end + 2
        elif char == '"':
            i += 1
            while i < length and query[i] != '"':
                i += 2 if query[i] == "\\" else 1
        elif char in "{([":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "})]":
            depth -= 1
        i += 1
    return deepest


def nested_deeper_than(text: str, limit: int) -> bool:
    """Whether ``text`` nests deeper than ``limit`` (:func:`nesting_depth`), scanning it only when it could.

    A text with no more than ``limit`` opening brackets in all cannot nest deeper than that; counting them is
    done in C, where the scan walks the text character by character in Python, twice per request (the JSON body,
    then the document).
    """
    if text.count("{") + text.count("(") + text.count("[") <= limit:
        return False
    return nesting_depth(text) > limit
