"""Bad input never gets past the door, never half-writes, and always answers RFC 9457 (§13).

Every rejected request below is a 4xx `application/problem+json` whose `errors[].field` names
the offending field exactly; after a rejected create the list count is unchanged, after a
rejected update the record (and so its version) is unchanged. Then the HTTP edges: 401, 404,
405, 412, and Idempotency-Key replay / mismatch / in-flight.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.support import Actor, Harness

PROBLEM = "application/problem+json"
FUTURE = (datetime.now(UTC) + timedelta(days=2)).isoformat()
NAIVE = "2025-03-01T09:30:00"
PAST = "2025-03-01T09:30:00+08:00"
GHOST = "00000000-0000-4000-8000-000000000000"


@dataclass
class Tenant:
    h: Harness
    admin: Actor
    ids: dict[str, str]

    def path(self, template: str) -> str:
        return template.format(**self.ids)


@pytest.fixture(scope="module")
async def tenant(app: Any, client: Any, settings: Any) -> Tenant:
    h = Harness(app, client, settings)
    admin = await h.signup()
    team = await h.add_team(admin, "华东")
    rep = await h.add_user(admin, "rep", team)
    customer = await h.customer(admin)
    deal = await h.opportunity(admin, customer["id"])

    async def post(path: str, body: dict[str, Any]) -> str:
        r = await h.client.post(path, json=body, headers=admin.headers)
        assert r.status_code == 201, r.text
        return r.json()["id"]

    ids = {
        "team_id": team, "user_id": rep.user_id, "customer_id": customer["id"], "opportunity_id": deal["id"],
        "contact_id": await post(f"/api/v1/customers/{customer['id']}/contacts", {"name": "张工"}),
        "follow_up_id": await post("/api/v1/follow-ups", {"customer_id": customer["id"], "channel": "call"}),
        "todo_id": await post("/api/v1/todos", {"title": "报价"}),
        "key_id": await post("/api/v1/api-keys", {"name": "ERP"}),
        "template_id": next(x["id"] for x in (await h.client.get(AT, headers=admin.headers)).json()
                            if x["code"] == "customer_visit"),
        "pipeline_id": next(x["id"] for x in (await h.client.get(P, headers=admin.headers)).json() if x["is_default"]),
        "strict_deal_id": (await h.opportunity(admin, customer["id"], pipeline_id=await h.strict_pipeline(admin)))["id"],
        "rule_id": next(x["id"] for x in (await h.client.get(RULES, headers=admin.headers)).json()
                        if x["code"] == "grade_a_executive_visit"),
    }
    return Tenant(h, admin, ids)


# --- the table -------------------------------------------------------------------------------

_UNSET: Any = object()


@dataclass(frozen=True)
class Bad:
    name: str
    method: str
    path: str
    field: str  # the exact errors[].field expected
    json: Any = _UNSET
    content: bytes | None = None
    content_type: str = "application/json"
    form: dict[str, str] | None = None
    status: int = 422
    # A create names the list whose count must not move; an update names the record that must
    # not change. Reads have nothing to guard.
    guard: str | None = None


C = "/api/v1/customers"
RULES = "/api/v1/rules"
RULE = "/api/v1/rules/{rule_id}"
CUSTOMER = "/api/v1/customers/{customer_id}"
CONTACTS = "/api/v1/customers/{customer_id}/contacts"
CONTACT = "/api/v1/customers/{customer_id}/contacts/{contact_id}"
F = "/api/v1/follow-ups"
FOLLOW_UP = "/api/v1/follow-ups/{follow_up_id}"
O = "/api/v1/opportunities"
DEAL = "/api/v1/opportunities/{opportunity_id}"
T = "/api/v1/todos"
TODO = "/api/v1/todos/{todo_id}"
U = "/api/v1/users"
USER = "/api/v1/users/{user_id}"
TEAMS = "/api/v1/teams"
TEAM = "/api/v1/teams/{team_id}"
KEYS = "/api/v1/api-keys"
AT = "/api/v1/action-templates"
TEMPLATE = "/api/v1/action-templates/{template_id}"
P = "/api/v1/pipelines"
PIPELINE = "/api/v1/pipelines/{pipeline_id}"
DR = "/api/v1/daily-reports"
TODAY = datetime.now(UTC).date().isoformat()


def _report(**fields: Any) -> dict[str, Any]:
    item = {"customer_id": "{customer_id}", "action_code": "customer_visit"}
    return {"date": "2026-11-02", "items": [item], "progress": {"customer_id": "{customer_id}", "note": "进展"},
            **fields}


def _item(**fields: Any) -> dict[str, Any]:
    return {"customer_id": "{customer_id}", "action_code": "customer_visit", **fields}


def _stage(code: str, **fields: Any) -> dict[str, Any]:
    return {"code": code, **fields}


def _fu(**fields: Any) -> dict[str, Any]:
    return {"customer_id": "{customer_id}", "channel": "call", **fields}


def _deal(**fields: Any) -> dict[str, Any]:
    return {"customer_id": "{customer_id}", "name": "新商机", **fields}


def _user(**fields: Any) -> dict[str, Any]:
    return {"name": "新人", "email": f"new-{uuid.uuid4().hex[:8]}@example.com", "password": "correct-horse-1",
            "role": "rep", **fields}


def _rule(**overrides: Any) -> dict[str, Any]:
    return {"name": "规则", "trigger": {"event": "customer.updated"},
            "actions": [{"kind": "notify", "to": ["owner"], "title": "x"}], **overrides}


CASES = [
    # customers: types, unknown fields, sizes, enums, ids, times, malformed bodies
    Bad("customer name wrong type", "POST", C, "name", {"name": 123}, guard=C),
    Bad("customer unknown field", "POST", C, "nickname", {"name": "甲", "nickname": "乙"}, guard=C),
    Bad("customer name 10k chars", "POST", C, "name", {"name": "名" * 10_000}, guard=C),
    Bad("customer NUL in name", "POST", C, "name", {"name": "甲\x00乙"}, guard=C),
    Bad("customer NUL in custom JSON", "POST", C, "custom", {"name": "甲", "custom": {"k": ["\x00"]}}, guard=C),
    Bad("customer lifecycle enum", "POST", C, "lifecycle", {"name": "甲", "lifecycle": "vip"}, guard=C),
    Bad("customer owner bad uuid", "POST", C, "owner_id", {"name": "甲", "owner_id": "not-a-uuid"}, guard=C),
    Bad("customer owner unknown", "POST", C, "owner_id", {"name": "甲", "owner_id": GHOST}, guard=C),
    Bad("customer team unknown", "POST", C, "team_id", {"name": "甲", "team_id": GHOST}, guard=C),
    Bad("customer negative purchase", "POST", C, "annual_purchase", {"name": "甲", "annual_purchase": -5}, guard=C),
    Bad("customer tags not a list", "POST", C, "tags", {"name": "甲", "tags": "a,b"}, guard=C),
    Bad("customer nested bool", "POST", C, "requirements.drawings",
        {"name": "甲", "requirements": {"drawings": "maybe"}}, guard=C),
    Bad("customer nested unknown", "POST", C, "external_refs.0.url",
        {"name": "甲", "external_refs": [{"system": "crm", "id": "1", "url": "x"}]}, guard=C),
    Bad("customer created_at future", "POST", C, "created_at", {"name": "甲", "created_at": FUTURE}, guard=C),
    Bad("customer created_at naive", "POST", C, "created_at", {"name": "甲", "created_at": NAIVE}, guard=C),
    Bad("customer created_at before year 1 in UTC", "POST", C, "created_at",
        {"name": "甲", "created_at": "0001-01-01T00:00:00+08:00"}, guard=C),
    Bad("customer created_at unix time", "POST", C, "created_at", {"name": "甲", "created_at": 1_700_000_000}, guard=C),
    Bad("malformed JSON", "POST", C, "body", content='{"name": "甲",'.encode(), guard=C),
    Bad("JSON array body", "POST", C, "body", [], guard=C),
    Bad("JSON sent as text/plain", "POST", C, "body", content='{"name": "甲"}'.encode(), content_type="text/plain", guard=C),
    Bad("customer patch null name", "PATCH", CUSTOMER, "name", {"name": None}, guard=CUSTOMER),
    Bad("customer patch enum", "PATCH", CUSTOMER, "lifecycle", {"lifecycle": "vip"}, guard=CUSTOMER),
    Bad("customer patch unknown field", "PATCH", CUSTOMER, "grade", {"grade": "A"}, guard=CUSTOMER),
    Bad("customer patch owner unknown", "PATCH", CUSTOMER, "owner_id",
        {"name": "改名", "owner_id": GHOST}, guard=CUSTOMER),
    Bad("customer path bad uuid", "GET", f"{C}/not-a-uuid", "customer_id"),
    Bad("customer delete bad uuid", "DELETE", f"{C}/12345", "customer_id"),
    Bad("list limit 0", "GET", f"{C}?limit=0", "limit"),
    Bad("list limit 201", "GET", f"{C}?limit=201", "limit"),
    Bad("list limit not a number", "GET", f"{C}?limit=ten", "limit"),
    Bad("list bad cursor", "GET", f"{C}?cursor=bm90LWEtY3Vyc29y", "cursor"),
    Bad("list oversize cursor", "GET", f"{C}?cursor={'a' * 600}", "cursor"),
    Bad("list filter bad uuid", "GET", f"{C}?owner_id=me", "owner_id"),
    Bad("list filter enum", "GET", f"{C}?lifecycle=vip", "lifecycle"),
    Bad("list updated_since naive", "GET", f"{C}?updated_since={NAIVE}", "updated_since"),
    Bad("list updated_since unix time", "GET", f"{C}?updated_since=0.5", "updated_since"),
    Bad("list NUL in query", "GET", f"{C}?q=%00", "q"),
    # contacts
    Bad("contact role enum", "POST", CONTACTS, "decision_role", {"name": "李", "decision_role": "boss"}, guard=CONTACTS),
    Bad("contact email", "POST", CONTACTS, "email", {"name": "李", "email": "not-an-email"}, guard=CONTACTS),
    Bad("contact on bad customer uuid", "POST", f"{C}/xyz/contacts", "customer_id", {"name": "李"}),
    Bad("contact patch long phone", "PATCH", CONTACT, "phone", {"phone": "1" * 40}, guard=CONTACT),
    Bad("contact path bad uuid", "GET", f"{CUSTOMER}/contacts/nope", "contact_id"),
    # follow-ups
    Bad("follow-up channel enum", "POST", F, "channel", _fu(channel="fax"), guard=F),
    Bad("follow-up summary > 5000", "POST", F, "summary", _fu(summary="记" * 5001), guard=F),
    Bad("follow-up occurred_at future", "POST", F, "occurred_at", _fu(occurred_at=FUTURE), guard=F),
    Bad("follow-up occurred_at naive", "POST", F, "occurred_at", _fu(occurred_at=NAIVE), guard=F),
    Bad("follow-up customer bad uuid", "POST", F, "customer_id", _fu(customer_id="abc"), guard=F),
    Bad("follow-up customer unknown", "POST", F, "customer_id", _fu(customer_id=GHOST), guard=F),
    Bad("follow-up contact unknown", "POST", F, "contact_ids.0", _fu(contact_ids=[GHOST]), guard=F),
    Bad("follow-up opportunity unknown", "POST", F, "opportunity_id", _fu(opportunity_id=GHOST), guard=F),
    Bad("follow-up action code", "POST", F, "actions.0.code", _fu(actions=[{"code": "Bad Code"}]), guard=F),
    Bad("follow-up missing channel", "POST", F, "channel", {"customer_id": "{customer_id}"}, guard=F),
    Bad("follow-up patch future", "PATCH", FOLLOW_UP, "occurred_at", {"occurred_at": FUTURE}, guard=FOLLOW_UP),
    Bad("follow-up patch contact unknown", "PATCH", FOLLOW_UP, "contact_ids.0",
        {"summary": "改", "contact_ids": [GHOST]}, guard=FOLLOW_UP),
    Bad("follow-up list bad time", "GET", f"{F}?occurred_from=yesterday", "occurred_from"),
    Bad("follow-up list channel enum", "GET", f"{F}?channel=fax", "channel"),
    # opportunities
    Bad("deal currency", "POST", O, "currency", _deal(currency="rmb"), guard=O),
    Bad("deal amount", "POST", O, "amount", _deal(amount="a lot"), guard=O),
    Bad("deal forecast enum", "POST", O, "rep_forecast_category", _deal(rep_forecast_category="maybe"), guard=O),
    Bad("deal created_at future", "POST", O, "created_at", _deal(created_at=FUTURE), guard=O),
    Bad("deal close date", "POST", O, "expected_close_date", _deal(expected_close_date="next month"), guard=O),
    Bad("deal customer unknown", "POST", O, "customer_id", _deal(customer_id=GHOST), guard=O),
    Bad("deal patch status enum", "PATCH", DEAL, "status", {"status": "lost_pending_review"}, guard=DEAL),
    Bad("deal patch won_at without won", "PATCH", DEAL, "won_at", {"name": "改", "won_at": PAST}, guard=DEAL),
    Bad("deal patch lost_at naive", "PATCH", DEAL, "lost_at", {"status": "lost", "lost_at": NAIVE}, guard=DEAL),
    Bad("deal list status enum", "GET", f"{O}?status=closed", "status"),
    # post-mortems (§10)
    Bad("deal patch lost reason not listed", "PATCH", DEAL, "lost_reason", {"status": "lost", "lost_reason": "价格"},
        guard=DEAL),
    Bad("deal lose reason not listed", "POST", DEAL + "/lose", "reason", {"reason": "too_expensive"}, guard=DEAL),
    Bad("deal lose in the future", "POST", DEAL + "/lose", "lost_at", {"reason": "price", "lost_at": FUTURE},
        guard=DEAL),
    Bad("deal lose unknown field", "POST", DEAL + "/lose", "winner", {"reason": "price", "winner": "友商"}, guard=DEAL),
    Bad("material kind enum", "POST", DEAL + "/post-mortem/materials", "kind", form={"kind": "gossip", "text": "x"},
        guard=DEAL),
    Bad("loss reasons duplicate", "PUT", "/api/v1/loss-reasons", "items.1.code",
        {"items": [{"code": "other", "label": "其他"}, {"code": "other", "label": "又是其他"}]}, guard="/api/v1/loss-reasons"),
    Bad("loss reasons without other", "PUT", "/api/v1/loss-reasons", "items",
        {"items": [{"code": "price", "label": "价格"}]}, guard="/api/v1/loss-reasons"),
    Bad("loss analytics reversed period", "GET", "/api/v1/analytics/loss-reasons?from=2026-05-01&to=2026-04-01", "to"),
    # todos
    Bad("todo empty title", "POST", T, "title", {"title": ""}, guard=T),
    Bad("todo due_at text", "POST", T, "due_at", {"title": "事", "due_at": "tomorrow"}, guard=T),
    Bad("todo assignee unknown", "POST", T, "assignee_id", {"title": "事", "assignee_id": GHOST}, guard=T),
    Bad("todo customer bad uuid", "POST", T, "customer_id", {"title": "事", "customer_id": "123"}, guard=T),
    Bad("todo patch status done", "PATCH", TODO, "status", {"status": "done"}, guard=TODO),
    Bad("todo patch null title", "PATCH", TODO, "title", {"title": None}, guard=TODO),
    # users and teams
    Bad("user email", "POST", U, "email", _user(email="nobody"), guard=U),
    Bad("user role enum", "POST", U, "role", _user(role="ceo"), guard=U),
    Bad("user short password", "POST", U, "password", _user(password="short"), guard=U),
    Bad("user team unknown", "POST", U, "team_id", _user(team_id=GHOST), guard=U),
    Bad("user patch department enum", "PATCH", USER, "department", {"department": "sales-ops"}, guard=USER),
    Bad("user patch team unknown", "PATCH", USER, "team_id", {"name": "改", "team_id": GHOST}, guard=USER),
    Bad("team kind enum", "POST", TEAMS, "kind", {"name": "西南", "kind": "shop"}, guard=TEAMS),
    Bad("team manager unknown", "POST", TEAMS, "manager_id", {"name": "西南", "manager_id": GHOST}, guard=TEAMS),
    Bad("team patch empty name", "PATCH", TEAM, "name", {"name": ""}, guard=TEAM),
    Bad("team patch null kind", "PATCH", TEAM, "kind", {"kind": None}, guard=TEAM),
    # API keys
    Bad("api key scope enum", "POST", KEYS, "scopes.0", {"name": "ERP", "scopes": ["admin"]}, guard=KEYS),
    Bad("api key no scopes", "POST", KEYS, "scopes", {"name": "ERP", "scopes": []}, guard=KEYS),
    Bad("api key name too long", "POST", KEYS, "name", {"name": "k" * 101}, guard=KEYS),
    Bad("api key revoke bad uuid", "DELETE", f"{KEYS}/abc", "key_id"),
    # auth
    Bad("signup email", "POST", "/api/v1/auth/signup", "email",
        {"tenant_name": "公司", "name": "人", "email": "nope", "password": "correct-horse-1"}),
    Bad("signup unknown field", "POST", "/api/v1/auth/signup", "plan",
        {"tenant_name": "公司", "name": "人", "email": "a@example.com", "password": "correct-horse-1", "plan": "pro"}),
    Bad("token missing password", "POST", "/api/v1/auth/token", "password", form={"username": "a@example.com"}),
    Bad("token sent as JSON", "POST", "/api/v1/auth/token", "username",
        {"username": "a@example.com", "password": "correct-horse-1"}),
    Bad("events bad cursor", "GET", "/api/v1/events?after=abc", "after"),
    Bad("audit limit", "GET", "/api/v1/audit-log?limit=500", "limit"),
    # actions recorded on follow-ups (§4)
    Bad("action unknown code", "POST", F, "actions.0.code", _fu(actions=[{"code": "teleport"}]), guard=F),
    Bad("action field wrong type", "POST", F, "actions.0.fields.count",
        _fu(actions=[{"code": "phone_new_customer", "fields": {"count": "three"}}]), guard=F),
    Bad("action required field missing", "POST", F, "actions.0.fields.decision_maker_role",
        _fu(actions=[{"code": "proposal_sent", "fields": {"core_need": "降本"}}]), guard=F),
    Bad("action text too long", "POST", F, "actions.0.fields.core_need",
        _fu(actions=[{"code": "proposal_sent", "fields": {"core_need": "需" * 16, "decision_maker_role": "finance"}}]),
        guard=F),
    Bad("action impossible date", "POST", F, "actions.0.fields.date",
        _fu(actions=[{"code": "demo_scheduled", "fields": {"date": "2026-02-30"}}]), guard=F),
    Bad("action unknown field", "POST", F, "actions.0.fields.colour",
        _fu(actions=[{"code": "customer_visit", "fields": {"colour": "red"}}]), guard=F),
    Bad("action attachment not an id", "POST", F, "actions.0.fields.screenshot",
        _fu(actions=[{"code": "payment_reminder_sent", "fields": {"screenshot": "pic.png"}}]), guard=F),
    Bad("action attachment unknown", "POST", F, "actions.0.fields.screenshot",
        _fu(actions=[{"code": "payment_reminder_sent", "fields": {"screenshot": GHOST}}]), guard=F),
    Bad("action stage not in pipeline", "POST", F, "actions.0.fields.stage",
        _fu(opportunity_id="{opportunity_id}",
            actions=[{"code": "contract_push", "fields": {"stage": "谈判", "expected_sign_date": "2027-01-01"}}]),
        guard=DEAL),
    Bad("action number too large", "POST", F, "actions.0.fields.count",
        _fu(actions=[{"code": "phone_new_customer", "fields": {"count": 10**400}}]), guard=F),
    Bad("action text field not text", "POST", F, "actions.0.fields.note",
        _fu(actions=[{"code": "internal_collab", "fields": {"department": "tech", "note": {"a": [1]}}}]), guard=F),
    # action templates
    Bad("template sync type mismatch", "POST", AT, "sync.0.field",
        {"code": "x_d", "label": "丁", "fields": [{"key": "when", "label": "何时", "type": "text"}],
         "sync": [{"target": "opportunity.expected_close_date", "field": "when"}]}, guard=AT),
    Bad("template forecast options", "POST", AT, "sync.0.field",
        {"code": "x_e", "label": "戊", "fields": [{"key": "c", "label": "C", "type": "enum",
                                                   "options": [{"value": "surely", "label": "稳"}]}],
         "sync": [{"target": "opportunity.rep_forecast_category", "field": "c"}]}, guard=AT),
    Bad("template code pattern", "POST", AT, "code", {"code": "Bad Code", "label": "坏"}, guard=AT),
    Bad("template field type", "POST", AT, "fields.0.type",
        {"code": "x_a", "label": "甲", "fields": [{"key": "a", "label": "A", "type": "color"}]}, guard=AT),
    Bad("template enum without options", "POST", AT, "fields.0.options",
        {"code": "x_b", "label": "乙", "fields": [{"key": "a", "label": "A", "type": "enum"}]}, guard=AT),
    Bad("template sync target", "POST", AT, "sync.0.target",
        {"code": "x_c", "label": "丙", "fields": [{"key": "a", "label": "A", "type": "text"}],
         "sync": [{"target": "customer.owner_id", "field": "a"}]}, guard=AT),
    Bad("template code taken", "POST", AT, "code", {"code": "customer_visit", "label": "拜访"}, status=409, guard=AT),
    Bad("template patch null label", "PATCH", TEMPLATE, "label", {"label": None}, guard=TEMPLATE),
    Bad("template patch bool as number", "PATCH", TEMPLATE, "enabled", {"enabled": 0}, guard=TEMPLATE),
    # pipelines and stage moves (§5)
    Bad("pipeline without stages", "POST", P, "stages", {"name": "空流程", "stages": []}, guard=P),
    Bad("pipeline duplicate stage", "POST", P, "stages.1.code",
        {"name": "重复", "stages": [_stage("初谈"), _stage("初谈")]}, guard=P),
    Bad("pipeline unknown required action", "POST", P, "stages.0.required_actions.0",
        {"name": "流程", "stages": [_stage("初谈", required_actions=["teleport"])]}, guard=P),
    Bad("pipeline sla zero", "POST", P, "stages.0.sla_hours",
        {"name": "流程", "stages": [_stage("初谈", sla_hours=0)]}, guard=P),
    Bad("pipeline patch default off", "PATCH", PIPELINE, "is_default", {"is_default": False}, guard=PIPELINE),
    Bad("stage unknown", "POST", DEAL + "/stage", "stage", {"stage": "谈判"}, guard=DEAL),
    Bad("stage missing requirements", "POST", O + "/{strict_deal_id}/stage", "required_actions.quote_confirmed",
        {"stage": "签约"}, guard=O + "/{strict_deal_id}"),
    Bad("deal patch stage with status", "PATCH", DEAL, "stage", {"stage": "报价", "status": "won"}, guard=DEAL),
    Bad("stage move in the future", "POST", DEAL + "/stage", "at", {"stage": "报价", "at": FUTURE}, guard=DEAL),
    Bad("win in the future", "POST", DEAL + "/win", "won_at", {"won_at": FUTURE}, guard=DEAL),
    Bad("deal pipeline unknown", "POST", O, "pipeline_id", _deal(pipeline_id=GHOST), guard=O),
    Bad("deal stage not in pipeline", "POST", O, "stage", _deal(stage="谈判"), guard=O),
    # daily reports (§5)
    Bad("report more than 3 items", "POST", DR, "items", _report(items=[_item()] * 4), guard=DR),
    Bad("report no items", "POST", DR, "items", _report(items=[]), guard=DR),
    Bad("report progress missing", "POST", DR, "progress",
        {"date": "2026-11-02", "items": [_item()]}, guard=DR),
    Bad("report progress note empty", "POST", DR, "progress.note",
        _report(progress={"customer_id": "{customer_id}", "note": ""}), guard=DR),
    Bad("report impossible date", "POST", DR, "date", _report(date="2026-02-30"), guard=DR),
    Bad("report date as unix time", "POST", DR, "date", _report(date=1_700_000_000), guard=DR),
    Bad("report date in the future", "POST", DR, "date", _report(date="2099-01-01"), guard=DR),
    Bad("report date long ago", "POST", DR, "date", _report(date="1900-01-01"), guard=DR),
    Bad("report unknown action", "POST", DR, "items.0.action_code", _report(items=[_item(action_code="teleport")]),
        guard=DR),
    Bad("report field wrong type", "POST", DR, "items.0.fields.count",
        _report(items=[_item(action_code="phone_new_customer", fields={"count": True})]), guard=DR),
    Bad("report customer unknown", "POST", DR, "items.0.customer_id", _report(items=[_item(customer_id=GHOST)]),
        guard=DR),
    Bad("report progress customer unknown", "POST", DR, "progress.customer_id",
        _report(progress={"customer_id": GHOST, "note": "进展"}), guard=DR),
    Bad("report list bad date", "GET", f"{DR}?from=yesterday", "from"),
    Bad("context bad uuid", "GET", f"{C}/nope/context", "customer_id"),
    Bad("tenant deadline time", "PATCH", "/api/v1/tenant", "settings.daily_report_deadline.time",
        {"settings": {"daily_report_deadline": {"time": "25:00"}}}),
    # rules (§7)
    Bad("rule condition syntax", "POST", RULES, "condition", _rule(condition="payload.new == "), guard=RULES),
    Bad("rule condition calls python", "POST", RULES, "condition",
        _rule(condition="__import__('os').system('id')"), guard=RULES),
    Bad("rule condition NUL", "POST", RULES, "condition", _rule(condition="payload.x == '\x00'"), guard=RULES),
    Bad("rule unknown action kind", "POST", RULES, "actions.0", _rule(actions=[{"kind": "sql"}]), guard=RULES),
    Bad("rule todo assignee", "POST", RULES, "actions.0.create_todo.assignee",
        _rule(actions=[{"kind": "create_todo", "title": "x", "assignee": "everyone"}]), guard=RULES),
    Bad("rule todo due hours as text", "POST", RULES, "actions.0.create_todo.due.in_hours",
        _rule(actions=[{"kind": "create_todo", "title": "x", "due": {"in_hours": "48"}}]), guard=RULES),
    Bad("rule webhook id", "POST", RULES, "actions.0.webhook.subscription_id",
        _rule(actions=[{"kind": "webhook", "subscription_id": "nope"}]), guard=RULES),
    Bad("rule trigger missing", "POST", RULES, "trigger", {"name": "x", "actions": [{"kind": "kb_sync"}]}, guard=RULES),
    Bad("rule patch null name", "PATCH", RULE, "name", {"name": None}, guard=RULE),
    Bad("rule patch enabled as number", "PATCH", RULE, "enabled", {"enabled": 1}, guard=RULE),
    Bad("rule patch condition", "PATCH", RULE, "condition", {"condition": "a ==== b"}, guard=RULE),
    Bad("rule test without event", "POST", RULE + "/test", "event", {}),
    Bad("rule runs bad status", "GET", RULE + "/runs?status=exploded", "status"),
    Bad("kb bad kind", "GET", "/api/v1/knowledge-base?kind=gossip", "kind"),
    Bad("kb limit zero", "GET", "/api/v1/knowledge-base?limit=0", "limit"),
]



def _fill(value: Any, t: Tenant) -> Any:
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return t.ids[value[1:-1]]
    if isinstance(value, dict):
        return {k: _fill(v, t) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, t) for v in value]
    return value


async def _guarded(t: Tenant, guard: str) -> Any:
    """A list's size, or a record's whole JSON (so also its version)."""
    is_list = not guard.endswith("}")
    r = await t.h.client.get(t.path(guard) + ("?limit=200" if is_list else ""), headers=t.admin.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    if is_list:  # a page, or a plain list (configuration)
        return len(body["items"] if isinstance(body, dict) else body)
    return body


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
async def test_bad_input_is_a_problem_naming_the_field(tenant: Tenant, case: Bad) -> None:
    t = tenant
    before = await _guarded(t, case.guard) if case.guard else None
    kwargs: dict[str, Any] = {"headers": dict(t.admin.headers)}
    if case.form is not None:
        kwargs["data"] = case.form
    elif case.content is not None:
        kwargs["content"] = case.content
        kwargs["headers"]["Content-Type"] = case.content_type
    elif case.json is not _UNSET:
        kwargs["json"] = _fill(case.json, t)
    r = await t.h.client.request(case.method, t.path(case.path), **kwargs)

    assert r.status_code == case.status, r.text
    assert r.headers["content-type"].startswith(PROBLEM), r.headers
    problem = r.json()
    assert problem["status"] == case.status and problem["type"].startswith("https://")
    assert case.field in [e["field"] for e in problem["errors"]], problem
    assert "Traceback" not in r.text
    if case.guard:
        assert await _guarded(t, case.guard) == before, "a rejected request changed data"


# --- HTTP edges ------------------------------------------------------------------------------

async def test_no_token_is_401_problem(tenant: Tenant) -> None:
    for path in ("/api/v1/customers", "/api/v1/me", tenant.path(CUSTOMER)):
        r = await tenant.h.client.get(path)
        assert r.status_code == 401 and r.headers["content-type"].startswith(PROBLEM), r.text
        assert r.headers["www-authenticate"] == "Bearer"
    r = await tenant.h.client.get("/api/v1/customers", headers={"Authorization": "Bearer not-a-jwt"})
    assert r.status_code == 401 and r.json()["status"] == 401


async def test_unknown_route_is_404_problem(tenant: Tenant) -> None:
    r = await tenant.h.client.get("/api/v1/no-such-thing", headers=tenant.admin.headers)
    assert r.status_code == 404 and r.headers["content-type"].startswith(PROBLEM)
    assert r.json()["status"] == 404


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("DELETE", C, "GET, POST"),
        ("PUT", CUSTOMER, "DELETE, GET, PATCH"),
        ("POST", "/api/v1/me", "GET"),
        ("GET", "/api/v1/auth/token", "POST"),
    ],
)
async def test_wrong_method_is_405_problem_listing_the_resource_methods(
    tenant: Tenant, method: str, path: str, allow: str
) -> None:
    r = await tenant.h.client.request(method, tenant.path(path), headers=tenant.admin.headers)
    assert r.status_code == 405 and r.headers["content-type"].startswith(PROBLEM), r.text
    assert r.json()["status"] == 405
    assert r.headers["allow"] == allow


async def test_stale_if_match_is_412_and_changes_nothing(tenant: Tenant) -> None:
    t = tenant
    url = t.path(CUSTOMER)
    current = (await t.h.client.get(url, headers=t.admin.headers))
    etag, record = current.headers["etag"], current.json()
    stale = f'"{record["version"] - 1}"' if record["version"] > 1 else '"999"'
    r = await t.h.client.patch(url, json={"name": "过期修改"}, headers={**t.admin.headers, "If-Match": stale})
    assert r.status_code == 412 and r.headers["content-type"].startswith(PROBLEM), r.text
    assert (await t.h.client.get(url, headers=t.admin.headers)).json() == record
    ok = await t.h.client.patch(url, json={"industry": "精密模具"}, headers={**t.admin.headers, "If-Match": etag})
    assert ok.status_code == 200 and ok.json()["version"] == record["version"] + 1


# --- Idempotency-Key -------------------------------------------------------------------------

async def _count(t: Tenant, path: str) -> int:
    return await _guarded(t, path)


async def test_idempotent_retry_replays_the_first_answer_once(tenant: Tenant) -> None:
    t = tenant
    before = await _count(t, C)
    headers = {**t.admin.headers, "Idempotency-Key": f"create-{uuid.uuid4()}"}
    body = {"name": "幂等客户", "industry": "快消"}
    first = await t.h.client.post(C, json=body, headers=headers)
    second = await t.h.client.post(C, json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.content == first.content
    assert second.headers["etag"] == first.headers["etag"]
    assert second.headers.get("idempotent-replayed") == "true"
    assert await _count(t, C) == before + 1

    other = await t.h.client.post(C, json={**body, "name": "另一个"}, headers=headers)
    assert other.status_code == 422 and other.headers["content-type"].startswith(PROBLEM)
    assert [e["field"] for e in other.json()["errors"]] == ["Idempotency-Key"]
    assert await _count(t, C) == before + 1


async def test_idempotency_key_is_validated(tenant: Tenant) -> None:
    t = tenant
    before = await _count(t, C)
    for key in ("k" * 256, "bad\x01key"):
        r = await t.h.client.post(C, json={"name": "甲"}, headers={**t.admin.headers, "Idempotency-Key": key})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "Idempotency-Key", r.text
    assert await _count(t, C) == before


async def test_retry_while_the_first_is_in_flight_is_409(tenant: Tenant) -> None:
    """The first request is held at its response start (claimed, not finished) while the
    retry arrives, driven over raw ASGI so the interleaving is exact, not timing-dependent."""
    t = tenant
    before = await _count(t, C)
    key = f"inflight-{uuid.uuid4()}"
    body = json.dumps({"name": "并发客户"}).encode()
    headers = [
        (b"authorization", t.admin.headers["Authorization"].encode()),
        (b"content-type", b"application/json"),
        (b"idempotency-key", key.encode()),
    ]
    started, release = asyncio.Event(), asyncio.Event()

    async def held_send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            started.set()
            await release.wait()

    first = asyncio.create_task(_asgi_post(t.h.app, C, body, headers, held_send))
    await asyncio.wait_for(started.wait(), timeout=10)
    try:
        status, response_headers, payload = await _asgi_post(t.h.app, C, body, headers)
    finally:
        release.set()
        await first
    assert status == 409, payload
    assert dict(response_headers)[b"content-type"].startswith(PROBLEM.encode())
    assert json.loads(payload)["errors"][0]["field"] == "Idempotency-Key"
    # Once the first finished, a retry replays its answer; one customer exists.
    replay = await t.h.client.post(C, content=body, headers={**t.admin.headers, "Idempotency-Key": key,
                                                             "Content-Type": "application/json"})
    assert replay.status_code == 201 and replay.headers.get("idempotent-replayed") == "true"
    assert await _count(t, C) == before + 1


async def _asgi_post(
    app: Any, path: str, body: bytes, headers: list[tuple[bytes, bytes]], send: Any = None
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "", "query_string": b"",
        "headers": [(b"host", b"test"), *headers], "client": ("127.0.0.1", 50000), "server": ("test", 80),
    }
    sent = False
    result: dict[str, Any] = {"body": b""}

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()  # no disconnect while the app is working
        return {"type": "http.disconnect"}

    async def collect(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            result["status"], result["headers"] = message["status"], list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            result["body"] += message.get("body", b"")
        if send is not None:
            await send(message)

    await app(scope, receive, collect)
    return result["status"], result["headers"], result["body"]
