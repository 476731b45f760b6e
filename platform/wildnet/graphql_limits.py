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
            cost = _selection_cost(node.selection_set, fragments, variables, set())
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


def _selection_cost(
    selection_set: SelectionSetNode | None,
    fragments: dict[str, FragmentDefinitionNode],
    variables: dict[str, Any],
    seen: set[str],
) -> int:
    if selection_set is None:
        return 0
    total = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            inner = _selection_cost(selection.selection_set, fragments, variables, seen)
            page = _page_size(selection, variables)
            if page is None and any(s.name.value == "edges" for s in _fields(selection.selection_set)):
                page = DEFAULT_PAGE
            total += 1 + inner * (page or 1)
        elif isinstance(selection, InlineFragmentNode):
            total += _selection_cost(selection.selection_set, fragments, variables, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in seen or name not in fragments:
                continue  # cycles are reported by the standard NoFragmentCycles rule
            total += _selection_cost(fragments[name].selection_set, fragments, variables, seen | {name})
    return total


def _fields(selection_set: SelectionSetNode | None) -> list[FieldNode]:
    if selection_set is None:
        return []
    return [s for s in selection_set.selections if isinstance(s, FieldNode)]
