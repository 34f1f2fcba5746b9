"""GraphQL isolation, generated from the schema (§2, §12), as tests/api/test_isolation.py is from
the route table.

Every root Query field argument of type ID -- `id`, `customerId`, ... and the ID fields of filter
inputs -- is given the id of a real record of tenant B, by an admin of tenant A (the strongest
caller of another tenant). The answer must be null, an empty list or an empty connection (the
analytics' team and user arguments, which REST answers with 422, a BAD_USER_INPUT error; the
forecasts' team and rep filters, which REST applies to the caller's own deals, figures that show
none of tenant B's deals). Each case first proves the record is there: tenant B's reader gets it
with the very same query.

The kind of record an argument names comes from its name (`id` on `customer` -> customer,
`ownerId` -> user). An argument whose kind has no factory in KINDS fails here: add one, so no
field ships without its isolation proven.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from graphql import (
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLObjectType,
    build_schema,
    get_named_type,
)

from salescore.config import Settings
from salescore.graphql.schema import schema
from tests.forecast.test_forecast_api import ago, close, month_after_next
from tests.graphql.gql import codes, gql
from tests.graphql.test_more_resources import make_document, make_kb_entry
from tests.rules.support import rule_by_code
from tests.support import Actor, Harness, Org

SCHEMA = build_schema(schema.as_str())
# Argument name stem -> the kind of record it names, where the two differ.
ALIASES = {"owner": "user", "assignee": "user"}
# Analytics check a team or user filter like REST does (422 there): a user-input error, no figures.
REFUSED = frozenset(
    {("dailyReportStats", "teamId"), ("actionEffectiveness", "teamId"), ("actionEffectiveness", "userId"),
     ("interactionHeatmap", "teamId"), ("interactionHeatmap", "ownerId"), ("threeColorBoard", "teamId"),
     ("kpis", "teamId"), ("processHealth", "teamId"), ("processHealth", "userId")}
)
FORECAST_PERIOD, FORECAST_MONTH = month_after_next()


@dataclass(frozen=True)
class Figures:
    """A forecast's `teamId` / `ownerId` narrow the caller's own deals (REST: no 422), so another
    tenant's id answers figures, not null: `selection` asks for what would show tenant B's deals,
    `shows` tells whether an answer does."""

    selection: str
    shows: Callable[[dict[str, Any]], bool]
    arguments: str = ""


FILTERED = {
    "forecast": Figures(
        "{ deals byOwner { ownerId } }", lambda f: f["deals"] > 0, f'period: "{FORECAST_PERIOD}"'
    ),
    "forecastAccuracy": Figures(
        "{ months { actualWon } }", lambda f: any(m["actualWon"] > 0 for m in f["months"])
    ),
    "forecastHeatmap": Figures(
        "{ rows { ownerId } risks { opportunityId } }", lambda f: bool(f["rows"] or f["risks"])
    ),
}


# --- tenant B's records --------------------------------------------------------------------------


@dataclass
class World:
    h: Harness
    org: Org  # tenant B
    intruder: Actor  # admin of tenant A
    ids: dict[str, str] = field(default_factory=dict)

    @property
    def owner(self) -> Actor:
        return self.org.reps[0]

    async def id(self, kind: str) -> str:
        if kind not in self.ids:
            self.ids[kind] = await KINDS[kind].create(self)
        return self.ids[kind]

    async def post(self, actor: Actor, path: str, body: dict[str, Any]) -> dict[str, Any]:
        r = await self.h.client.post(path, json=body, headers=actor.headers)
        assert r.status_code in (201, 202), (path, r.text)
        return r.json()


async def _customer(w: World) -> str:
    return (await w.h.customer(w.owner))["id"]


async def _contact(w: World) -> str:
    path = f"/api/v1/customers/{await w.id('customer')}/contacts"
    return (await w.post(w.owner, path, {"name": "张工", "decision_role": "technical"}))["id"]


async def _opportunity(w: World) -> str:
    deal = await w.h.opportunity(w.owner, await w.id("customer"))
    r = await w.h.client.post(
        f"/api/v1/opportunities/{deal['id']}/stage", json={"stage": "报价"}, headers=w.owner.headers
    )
    assert r.status_code == 200, r.text  # a stage change for stageChanges(opportunityId)
    return deal["id"]


async def _follow_up(w: World) -> str:
    body = {
        "customer_id": await w.id("customer"),
        "opportunity_id": await w.id("opportunity"),
        "channel": "visit",
        "summary": "现场拜访，客户说预算还没批",  # a signal hit for signalHits(filter)
        "contact_ids": [await w.id("contact")],
    }
    return (await w.post(w.owner, "/api/v1/follow-ups", body))["id"]


async def _todo(w: World) -> str:
    body = {
        "title": "发送报价",
        "customer_id": await w.id("customer"),
        "opportunity_id": await w.id("opportunity"),
    }
    return (await w.post(w.owner, "/api/v1/todos", body))["id"]


async def _notification(w: World) -> str:
    await w.post(
        w.org.managers[0], "/api/v1/todos", {"title": "补充客户资料", "assignee_id": w.owner.user_id}
    )
    await w.h.drain()
    r = await w.h.client.get("/api/v1/notifications", headers=w.owner.headers)
    assert r.status_code == 200 and r.json()["items"], r.text
    return r.json()["items"][0]["id"]


async def _report(w: World) -> str:
    customer = await w.id("customer")
    body = {
        "date": "2026-11-02",
        "items": [{"customer_id": customer, "action_code": "customer_visit"}],
        "progress": {"customer_id": customer, "note": "客户确认下周报价"},
    }
    return (await w.post(w.owner, "/api/v1/daily-reports", body))["id"]


async def _document(w: World) -> str:
    return (await make_document(w.h, w.owner, await w.id("customer"), await w.id("opportunity")))["id"]


async def _attachment(w: World) -> str:
    files = {"file": ("客户需求.txt", "需求：滤芯 200 支".encode(), "text/plain")}
    r = await w.h.client.post("/api/v1/attachments", files=files, headers=w.owner.headers)
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def _kb_entry(w: World) -> str:
    return (await make_kb_entry(w.h, w.owner, await w.id("customer")))["id"]


async def _rule(w: World) -> str:
    return (await rule_by_code(w.h, w.owner, "grade_a_executive_visit"))["id"]


async def _job(w: World) -> str:
    return (await w.post(w.org.admin, "/api/v1/health-model/recompute", {}))["id"]


async def _webhook(w: World) -> str:
    body = {"url": "http://127.0.0.1:9/hooks/isolation", "event_types": ["customer.*"]}
    return (await w.post(w.org.admin, "/api/v1/webhooks", body))["id"]


async def _robot(w: World) -> str:
    body = {"name": "华东销售群", "url": "http://127.0.0.1:9/cgi-bin/webhook/send?key=isolation-key"}
    return (await w.post(w.org.admin, "/api/v1/wecom-robots", body))["id"]


async def _forecast_deals(w: World) -> str:
    """An open deal closing in FORECAST_PERIOD and one won 40 days ago (a month the default accuracy
    range covers), of the rep whose team and id the forecasts' filters name."""
    customer = await w.id("customer")
    open_deal = await w.h.opportunity(w.owner, customer, expected_close_date=str(FORECAST_MONTH))
    won = await w.h.opportunity(w.owner, customer, created_at=ago(60))
    await close(w.h, w.owner, won["id"], "won", 40)
    return str(open_deal["id"])


async def _user(w: World) -> str:
    return w.owner.user_id


async def _team(w: World) -> str:
    return w.org.teams[0]


@dataclass(frozen=True)
class Kind:
    create: Callable[[World], Awaitable[str]]
    # Who in tenant B reads the record (the positive control): the admin unless it is personal.
    reader: Callable[[World], Actor] = lambda w: w.org.admin


KINDS: dict[str, Kind] = {
    "customer": Kind(_customer),
    "contact": Kind(_contact),
    "opportunity": Kind(_opportunity),
    "follow_up": Kind(_follow_up),
    "todo": Kind(_todo),
    "notification": Kind(_notification, reader=lambda w: w.owner),
    "report": Kind(_report),
    "user": Kind(_user),
    "team": Kind(_team),
    "document": Kind(_document),
    "attachment": Kind(_attachment, reader=lambda w: w.owner),
    "knowledge_entry": Kind(_kb_entry),
    "rule": Kind(_rule),
    "job": Kind(_job),
    "webhook": Kind(_webhook),
    "wecom_robot": Kind(_robot),
    "forecast_deals": Kind(_forecast_deals),
}
# Lists filtered by another record's id need rows of their own in tenant B for the positive control.
ROWS_OF = {
    "contacts": "contact",
    "opportunities": "opportunity",
    "followUps": "follow_up",
    "todos": "todo",
    "dailyReports": "report",
    "documents": "document",
    "knowledgeEntries": "knowledge_entry",
    "signalHits": "follow_up",
    **{name: "forecast_deals" for name in FILTERED},
}
# GraphQL names of kinds that differ from the factory's key.
KIND_NAMES = {
    "followUp": "follow_up",
    "dailyReport": "report",
    "knowledgeEntry": "knowledge_entry",
    "wecomRobot": "wecom_robot",
}


# --- the cases, from the schema ------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    field: str  # root Query field
    path: tuple[str, ...]  # ("id",) or ("filter", "customerId")
    arg_type: str  # the variable's type, e.g. ID! or ID
    kind: str

    @property
    def label(self) -> str:
        return f"{self.field}({'.'.join(self.path)})"

    @property
    def refused(self) -> bool:
        return (self.field, self.path[-1]) in REFUSED

    @property
    def figures(self) -> Figures | None:
        return FILTERED.get(self.field)

    def document(self) -> str:
        argument = (
            f"{self.path[0]}: $v" if len(self.path) == 1 else f"{self.path[0]}: {{ {self.path[1]}: $v }}"
        )
        selection = _selection(SCHEMA.query_type.fields[self.field])
        if self.figures is not None:
            argument = ", ".join(a for a in (argument, self.figures.arguments) if a)
            selection = self.figures.selection
        return f"query($v: {self.arg_type}) {{ {self.field}({argument}) {selection} }}"


def _selection(definition: GraphQLField) -> str:
    returned = get_named_type(definition.type)
    if not isinstance(returned, GraphQLObjectType):
        return ""
    if returned.name.endswith("Connection"):
        return "{ edges { node { __typename } } }"
    return "{ __typename }"


def _kind(field_name: str, arg_name: str) -> str:
    stem = field_name if arg_name == "id" else re.sub(r"Id$", "", arg_name)
    stem = ALIASES.get(stem, stem)
    return KIND_NAMES.get(stem, stem)


def _is_id(type_: Any) -> bool:
    return get_named_type(type_).name == "ID"


def _cases() -> list[Case]:
    cases = []
    for name, definition in SCHEMA.query_type.fields.items():
        for arg_name, arg in definition.args.items():
            if _is_id(arg.type):
                cases.append(Case(name, (arg_name,), str(arg.type), _kind(name, arg_name)))
                continue
            named = get_named_type(arg.type)
            if isinstance(named, GraphQLInputObjectType):
                for input_name, input_field in named.fields.items():
                    if _is_id(input_field.type):
                        path = (arg_name, input_name)
                        cases.append(Case(name, path, str(input_field.type), _kind(name, input_name)))
    return cases


CASES = _cases()


def _empty(case: Case, value: Any) -> bool:
    if case.figures is not None:
        return not case.figures.shows(value)
    return value is None or value == [] or (isinstance(value, dict) and value.get("edges") == [])


@pytest.fixture(scope="module")
async def world(app: Any, client: Any, settings: Settings) -> World:
    h = Harness(app, client, settings)
    return World(h, await h.org(), intruder=await h.signup("另一家公司"))


def test_the_walk_finds_the_id_arguments() -> None:
    """A broken walk must not make every test below vacuous."""
    labels = {c.label for c in CASES}
    expected = {
        "customer(id)",
        "document(id)",
        "webhook(id)",
        "wecomRobot(id)",
        "job(id)",
        "attachment(id)",
        "customerHealth(customerId)",
        "stageChanges(opportunityId)",
        "documents(filter.customerId)",
        "dailyReportStats(teamId)",
        "knowledgeEntries(filter.customerId)",
        "signalHits(filter.followUpId)",
        "signalHits(filter.opportunityId)",
        "forecast(teamId)",
        "forecastAccuracy(ownerId)",
        "forecastHeatmap(teamId)",
    }
    assert expected <= labels, expected - labels
    assert len(CASES) >= 35


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.label)
async def test_other_tenants_ids_read_nothing(world: World, case: Case) -> None:
    if case.kind not in KINDS:
        pytest.fail(
            f"{case.label}: no factory for records of kind {case.kind!r} in tests/graphql/test_isolation.py "
            "KINDS: add one (how to create the record in tenant B, who there reads it) so the field's "
            "isolation is proven"
        )
    variables = {"v": await world.id(case.kind)}
    if case.field in ROWS_OF:
        await world.id(ROWS_OF[case.field])
    query = case.document()

    own = await gql(world.h, KINDS[case.kind].reader(world), query, variables)
    assert not own.get("errors"), (case.label, own)
    if not case.refused:
        assert not _empty(case, own["data"][case.field]), f"{case.label}: tenant B's own reader got nothing"

    body = await gql(world.h, world.intruder, query, variables)
    if case.refused:
        assert codes(body) == ["BAD_USER_INPUT"] and body["data"] is None, (case.label, body)
        return
    assert not body.get("errors"), (case.label, body)
    leak = f"{case.label} leaks tenant B's data to tenant A: {body['data']}"
    assert _empty(case, body["data"][case.field]), leak
