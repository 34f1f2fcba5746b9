"""Query limits, checked before anything runs, so an abusive query fails fast instead of timing out.

* depth: at most MAX_DEPTH nested selection levels (introspection excluded);
* size: at most MAX_TOKENS tokens and MAX_ALIASES aliases per document;
* cost: the number of objects a query may return, estimated from the schema: a connection field
  yields `first` (default 50, capped at 200) objects per parent, any other list of objects
  LIST_ESTIMATE (or, for a list its service caps, the cap: CAPPED_LISTS), a to-one relation one.
  Each nested level multiplies. Above MAX_COST the query is refused with a `QUERY_TOO_COSTLY` error.
* computed fields: a root field that computes over every deal the caller may see (a forecast prices
  and simulates them all) answers with a few objects but works like a large page, so it costs
  COMPUTED_COST per forecast it runs on top of its objects: one for `forecast` and
  `forecastHeatmap`, one per month for `forecastAccuracy` (a backtest each, up to MAX_MONTHS).
  One request may do the work of REST's largest call (24 months of accuracy), not many copies.
  The §10 aggregates over a whole window (`threeColorBoard`, `kpis`, `processHealth`, `diagnosis`) cost one each.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import date
from functools import partial
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLList,
    GraphQLObjectType,
    InlineFragmentNode,
    IntValueNode,
    NullValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    ValidationContext,
    ValidationRule,
    VariableNode,
    get_named_type,
    get_nullable_type,
)
from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter, SchemaExtension

from salescore.forecast.accuracy import MAX_MONTHS
from salescore.graphql.connections import DEFAULT_FIRST, MAX_FIRST
from salescore.postmortem.service import MAX_MATERIALS
from salescore.signal.schemas import MAX_SIGNALS

MAX_DEPTH = 10
MAX_TOKENS = 5_000
MAX_ALIASES = 30
MAX_COST = 50_000
LIST_ESTIMATE = 10
COMPUTED_COST = 2_000
DEFAULT_ACCURACY_MONTHS = 6
MAX_SECTIONS = 30  # document.schemas.DocumentTemplateIn
# (type, field) of lists whose length the service caps.
CAPPED_LISTS = {
    ("Query", "forecastSnapshots"): 200,
    ("ForecastHeatmap", "risks"): 200,
    ("ForecastAccuracy", "months"): MAX_MONTHS,
    ("SignalConfig", "signals"): MAX_SIGNALS,
    ("PostMortem", "materials"): MAX_MATERIALS,
    ("DocumentTemplate", "sections"): MAX_SECTIONS,
}
UNKNOWN = object()


def _argument(field: FieldNode, name: str, variables: Mapping[str, Any]) -> Any:
    """A literal or variable argument's value; None when absent or null; UNKNOWN otherwise."""
    for arg in field.arguments or ():
        if arg.name.value != name:
            continue
        if isinstance(arg.value, VariableNode):
            return variables.get(arg.value.name.value)
        if isinstance(arg.value, StringValueNode):
            return arg.value.value
        if isinstance(arg.value, IntValueNode):
            return int(arg.value.value)
        return None if isinstance(arg.value, NullValueNode) else UNKNOWN
    return None


def _month_index(value: Any) -> int | None:
    try:
        year, month = (int(part) for part in str(value).split("-"))
    except ValueError:
        return None
    return year * 12 + month - 1 if 1 <= month <= 12 else None


def _months(field: FieldNode, variables: Mapping[str, Any]) -> int:
    """How many months `forecastAccuracy(from, to)` backtests at most (REST's defaults: the six
    months to last month); the worst case when an argument can't be read."""
    since, until = _argument(field, "from", variables), _argument(field, "to", variables)
    if until is None:
        today = date.today()
        until_index: int | None = today.year * 12 + today.month - 2  # last month
    else:
        until_index = _month_index(until)
    if since is None:
        return DEFAULT_ACCURACY_MONTHS
    since_index = _month_index(since)
    if since_index is None or until_index is None:
        return MAX_MONTHS
    return max(1, min(until_index - since_index + 1, MAX_MONTHS))


def _one(field: FieldNode, variables: Mapping[str, Any]) -> int:
    return 1


# Root fields that compute over the caller's deals: how many forecasts a call runs.
COMPUTED: dict[str, Callable[[FieldNode, Mapping[str, Any]], int]] = {
    "forecast": _one,
    "forecastHeatmap": _one,
    "forecastAccuracy": _months,
    # whole-window aggregates of §10; the quick-screen also backtests last month's forecast
    "threeColorBoard": _one,
    "diagnosis": _one,
    "kpis": _one,
    "processHealth": _one,
}


def _first(field: FieldNode, variables: Mapping[str, Any]) -> int:
    for arg in field.arguments or ():
        if arg.name.value != "first":
            continue
        value: Any = None
        if isinstance(arg.value, IntValueNode):
            value = int(arg.value.value)
        elif isinstance(arg.value, VariableNode):
            value = variables.get(arg.value.name.value, DEFAULT_FIRST)
        if not isinstance(value, int):
            return MAX_FIRST  # unknown: assume the worst
        return max(1, min(value, MAX_FIRST))
    return DEFAULT_FIRST


class _Estimator:
    def __init__(self, context: ValidationContext, variables: Mapping[str, Any]) -> None:
        self.schema = context.schema
        self.variables = variables
        self.fragments = {
            d.name.value: d for d in context.document.definitions if isinstance(d, FragmentDefinitionNode)
        }

    def cost(
        self,
        selections: SelectionSetNode | None,
        parent: Any,
        factor: int,
        seen: frozenset[str] = frozenset(),
    ) -> int:
        if selections is None or not isinstance(parent, GraphQLObjectType):
            return 0
        total = 0
        for node in selections.selections:
            if isinstance(node, FieldNode):
                total += self._field(node, parent, factor, seen)
            elif isinstance(node, InlineFragmentNode):
                scope = (
                    self.schema.get_type(node.type_condition.name.value) if node.type_condition else parent
                )
                total += self.cost(node.selection_set, scope, factor, seen)
            elif isinstance(node, FragmentSpreadNode):
                name = node.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in seen:
                    continue
                scope = self.schema.get_type(fragment.type_condition.name.value)
                total += self.cost(fragment.selection_set, scope, factor, seen | {name})
            if total > MAX_COST:
                break  # no need to finish counting
        return total

    def _field(self, node: FieldNode, parent: GraphQLObjectType, factor: int, seen: frozenset[str]) -> int:
        if node.name.value.startswith("__"):
            return 0
        definition = parent.fields.get(node.name.value)
        if definition is None:
            return 0  # validation reports unknown fields
        returned = get_named_type(definition.type)
        if not isinstance(returned, GraphQLObjectType):
            return 0  # scalars and enums are free
        work = 0
        if parent is self.schema.query_type and node.name.value in COMPUTED:
            work = factor * COMPUTED_COST * COMPUTED[node.name.value](node, self.variables)
        if returned.name.endswith("Connection"):
            return factor + self.cost(
                node.selection_set, returned, factor * _first(node, self.variables), seen
            )
        is_list = isinstance(get_nullable_type(definition.type), GraphQLList)
        if is_list and not parent.name.endswith("Connection"):  # `edges` is counted by its connection
            factor *= CAPPED_LISTS.get((parent.name, node.name.value), LIST_ESTIMATE)
        return work + factor + self.cost(node.selection_set, returned, factor, seen)


def _cost_rule(variables: Mapping[str, Any]) -> type[ValidationRule]:
    class QueryCostRule(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            estimator = _Estimator(context, variables)
            for definition in context.document.definitions:
                if not isinstance(definition, OperationDefinitionNode):
                    continue
                defaults = {
                    d.variable.name.value: int(d.default_value.value)
                    for d in definition.variable_definitions or ()
                    if isinstance(d.default_value, IntValueNode)
                }
                estimator.variables = {**defaults, **variables}
                root = context.schema.get_root_type(definition.operation)
                cost = estimator.cost(definition.selection_set, root, 1)
                if cost > MAX_COST:
                    context.report_error(
                        GraphQLError(
                            f"query too costly: about {cost} objects or more (limit {MAX_COST}); "
                            "ask for smaller pages (`first`) or fewer nested lists",
                            definition,
                            extensions={"code": "QUERY_TOO_COSTLY", "cost": cost, "limit": MAX_COST},
                        )
                    )

    return QueryCostRule


class QueryCostLimiter(SchemaExtension):
    """Adds the cost rule with this request's variables, so `first: $n` counts as sent."""

    def on_operation(self) -> Iterator[None]:
        variables = self.execution_context.variables or {}
        self.execution_context.validation_rules = (
            *self.execution_context.validation_rules,
            _cost_rule(variables),
        )
        yield


def limit_extensions() -> list[Any]:
    """Factories (one instance per request, as strawberry recommends)."""
    return [
        partial(MaxTokensLimiter, max_token_count=MAX_TOKENS),
        partial(MaxAliasesLimiter, max_alias_count=MAX_ALIASES),
        partial(QueryDepthLimiter, max_depth=MAX_DEPTH),
        QueryCostLimiter,
    ]
