"""Isolation, generated from the route table (§2, §15).

Every /api/v1 route that takes an id is called, with every method it serves, with real ids of
records in tenant A:

* by an admin of tenant B (the strongest caller of another tenant) -> 404 problem+json,
  byte-for-byte the answer for ids that do not exist;
* by colleagues in tenant A outside the owner's reach (a rep and a manager of another team) -> the
  same 404 for owned records (customers, contacts, follow-ups, opportunities, todos, API keys);
  notifications are personal, so even the owner's manager, the director and the admin get 404.

Deliberate exception: users and teams form the org chart, readable by the whole tenant (and
writable by admins only, which answers 403 before any lookup), so the same-tenant check skips
routes whose ids are all users/teams. Every attack is followed by the owner re-reading the
records: still 200 and unchanged, so a leaking write cannot hide behind a lucky status code.

A route whose path parameter has no factory in KINDS fails here: add one, so no route ships
without its isolation proven.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import TypeAdapter, ValidationError

from salescore.app import create_app
from salescore.config import Settings
from tests.rules.support import emit_event
from tests.support import Actor, Harness, Org

API_PREFIX = "/api/v1/"
WRITE_METHODS = {"POST", "PUT", "PATCH"}
PARAM = re.compile(r"{([^}:]+)(?::[^}]+)?}")

# The org chart is tenant-wide: the same-tenant outsider check does not apply to these ids.
TENANT_WIDE = frozenset({"user_id", "team_id", "template_id", "pipeline_id", "rule_id", "entry_id"})
# Personal records: nobody but their user reads them, not even an admin.
PERSONAL = frozenset({"notification_id"})
# Records of the tenant's administration (outbound channels, jobs): an admin makes and reads them; a
# colleague who may not is refused with 403 before any lookup, so only other tenants are tested.
ADMIN_OWNED = frozenset({"webhook_id", "robot_id", "delivery_id", "job_id"})


# --- the records -----------------------------------------------------------------------------

@dataclass
class World:
    h: Harness
    org: Org
    intruder: Actor  # admin of tenant B
    ids: dict[str, str] = field(default_factory=dict)

    @property
    def owner(self) -> Actor:
        return self.org.reps[0]

    def owner_of(self, names: tuple[str, ...]) -> Actor:
        return self.org.admin if any(n in ADMIN_OWNED for n in names) else self.owner

    async def id(self, name: str) -> str:
        if name not in self.ids:
            if name not in KINDS:
                pytest.fail(
                    f"path parameter {{{name}}} has no factory in tests/api/test_isolation.py KINDS: "
                    "add one (how to create the record, how its owner reads it) so the route's "
                    "isolation is proven"
                )
            self.ids[name] = await KINDS[name].create(self)
        return self.ids[name]

    async def post(self, actor: Actor, path: str, body: dict[str, Any]) -> dict[str, Any]:
        r = await self.h.client.post(path, json=body, headers=actor.headers)
        assert r.status_code == 201, (path, r.text)
        return r.json()


async def _customer(w: World) -> str:
    return (await w.h.customer(w.owner))["id"]


async def _contact(w: World) -> str:
    customer = await w.id("customer_id")
    contact = await w.post(w.owner, f"/api/v1/customers/{customer}/contacts", {"name": "张工", "decision_role": "technical"})
    return contact["id"]


async def _opportunity(w: World) -> str:
    return (await w.h.opportunity(w.owner, await w.id("customer_id")))["id"]


async def _follow_up(w: World) -> str:
    body = {"customer_id": await w.id("customer_id"), "opportunity_id": await w.id("opportunity_id"),
            "channel": "visit", "summary": "现场拜访", "contact_ids": [await w.id("contact_id")]}
    follow_up = (await w.post(w.owner, "/api/v1/follow-ups", body))["id"]
    # With its call transcript, so the transcript route has something to guard.
    await w.post(w.owner, f"/api/v1/follow-ups/{follow_up}/transcript", {"text": "客户：我们再比较一下友商。"})
    return follow_up


async def _todo(w: World) -> str:
    body = {"title": "发送报价", "customer_id": await w.id("customer_id"), "opportunity_id": await w.id("opportunity_id")}
    return (await w.post(w.owner, "/api/v1/todos", body))["id"]


async def _notification(w: World) -> str:
    # A todo from the owner's manager raises a reminder card for the owner.
    await w.post(w.org.managers[0], "/api/v1/todos", {"title": "补充客户资料", "assignee_id": w.owner.user_id})
    await w.h.drain()
    r = await w.h.client.get("/api/v1/notifications", headers=w.owner.headers)
    assert r.status_code == 200 and r.json()["items"], r.text
    return r.json()["items"][0]["id"]


async def _user(w: World) -> str:
    return w.owner.user_id


async def _team(w: World) -> str:
    assert w.owner.team_id == w.org.teams[0]
    return w.org.teams[0]


async def _api_key(w: World) -> str:
    return (await w.post(w.owner, "/api/v1/api-keys", {"name": "CRM 同步"}))["id"]


async def _attachment(w: World) -> str:
    # Uploaded as a file of the owner's evidence, so it serves both /attachments/{id} and the
    # evidence file route.
    deal_id, evidence_id = await w.id("opportunity_id"), await w.id("evidence_id")
    r = await w.h.client.get(f"/api/v1/opportunities/{deal_id}/evidence/{evidence_id}", headers=w.owner.headers)
    return r.json()["attachment_ids"][0]


async def _evidence(w: World) -> str:
    deal_id = await w.id("opportunity_id")
    files = {"files": ("客户需求.txt", "需求：滤芯 200 支，交期两周".encode(), "text/plain")}
    r = await w.h.client.post(f"/api/v1/opportunities/{deal_id}/evidence", headers=w.owner.headers,
                              data={"node": "technical_agreement", "text": "技术协议已签"}, files=files)
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def _template(w: World) -> str:
    r = await w.h.client.get("/api/v1/action-templates", headers=w.owner.headers)
    return next(t["id"] for t in r.json() if t["code"] == "customer_visit")


async def _pipeline(w: World) -> str:
    r = await w.h.client.get("/api/v1/pipelines", headers=w.owner.headers)
    return next(p["id"] for p in r.json() if not p["is_default"])


async def _report(w: World) -> str:
    customer = await w.id("customer_id")
    body = {"date": "2026-11-02", "items": [{"customer_id": customer, "action_code": "customer_visit"}],
            "progress": {"customer_id": customer, "note": "客户确认下周报价"}}
    return (await w.post(w.owner, "/api/v1/daily-reports", body))["id"]


async def _document(w: World) -> str:
    customer = await w.id("customer_id")
    await w.post(w.owner, "/api/v1/follow-ups", {"customer_id": customer, "channel": "wechat",
                                                 "actions": [{"code": "solution_3d_provided", "fields": {}}]})
    await w.h.drain()
    r = await w.h.client.get(f"/api/v1/documents?customer_id={customer}", headers=w.owner.headers)
    assert r.status_code == 200 and r.json()["items"], r.text
    return r.json()["items"][0]["id"]


async def _rule(w: World) -> str:
    r = await w.h.client.get("/api/v1/rules", headers=w.owner.headers)
    return next(rule["id"] for rule in r.json() if rule["code"] == "grade_a_executive_visit")


async def _kb_entry(w: World) -> str:
    # The default grade-A rule copies the customer's requirements into the knowledge base.
    customer = await w.id("customer_id")
    await emit_event(w.h, w.owner.tenant_id, "customer.grade_changed", "customer", customer,
                     {"customer_id": customer, "old": "B", "new": "A", "score": 0.8})
    r = await w.h.client.get(f"/api/v1/knowledge-base?customer_id={customer}", headers=w.owner.headers)
    assert r.status_code == 200 and r.json()["items"], r.text
    return r.json()["items"][0]["id"]


async def _webhook(w: World) -> str:
    body = {"url": "http://127.0.0.1:9/hooks/isolation", "event_types": ["customer.*"]}
    return (await w.post(w.org.admin, "/api/v1/webhooks", body))["id"]


async def _robot(w: World) -> str:
    body = {"name": "华东销售群", "url": "http://127.0.0.1:9/cgi-bin/webhook/send?key=isolation-key"}
    return (await w.post(w.org.admin, "/api/v1/wecom-robots", body))["id"]


async def _delivery(w: World) -> str:
    webhook = await w.id("webhook_id")
    await w.h.customer(w.owner)  # a customer.* event for the subscription
    await w.h.drain()
    r = await w.h.client.get(f"/api/v1/webhooks/{webhook}/deliveries", headers=w.org.admin.headers)
    assert r.status_code == 200 and r.json()["items"], r.text
    return r.json()["items"][0]["id"]


async def _job(w: World) -> str:
    r = await w.h.client.post("/api/v1/health-model/recompute", headers=w.org.admin.headers)
    assert r.status_code == 202, r.text
    return r.json()["id"]


async def _material(w: World) -> str:
    # The owner's deal is lost (awaiting its post-mortem) with one material carrying a file.
    deal_id = await w.id("opportunity_id")
    r = await w.h.client.post(f"/api/v1/opportunities/{deal_id}/lose", json={"reason": "price"},
                              headers=w.owner.headers)
    assert r.status_code == 201, r.text
    files = {"files": ("复盘.txt", "客户选了友商的方案".encode(), "text/plain")}
    r = await w.h.client.post(f"/api/v1/opportunities/{deal_id}/post-mortem/materials", headers=w.owner.headers,
                              data={"kind": "meeting_notes", "text": "复盘会纪要"}, files=files)
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def _material_file(w: World) -> str:
    deal_id, material_id = await w.id("opportunity_id"), await w.id("material_id")
    r = await w.h.client.get(f"/api/v1/opportunities/{deal_id}/post-mortem", headers=w.owner.headers)
    return next(m for m in r.json()["materials"] if m["id"] == material_id)["attachment_ids"][0]


def _admin_reader(template: str) -> Callable[[World], Awaitable[dict[str, Any]]]:
    async def read(w: World) -> dict[str, Any]:
        return await _read_one(w, template.format(**w.ids), w.org.admin)

    return read


async def _read_one(w: World, path: str, actor: Actor | None = None) -> dict[str, Any]:
    r = await w.h.client.get(path, headers=(actor or w.owner).headers)
    assert r.status_code == 200, (path, r.text)
    return r.json()


async def _read_api_key(w: World) -> dict[str, Any]:
    r = await w.h.client.get("/api/v1/api-keys?limit=200", headers=w.owner.headers)
    assert r.status_code == 200, r.text
    keys = [k for k in r.json()["items"] if k["id"] == w.ids["key_id"]]
    assert len(keys) == 1, "the owner no longer sees their API key"
    return keys[0]


@dataclass(frozen=True)
class Kind:
    create: Callable[[World], Awaitable[str]]
    # How the owner reads the record (200 + its JSON), before and after every attack.
    read: Callable[[World], Awaitable[dict[str, Any]]]


def _reader(template: str) -> Callable[[World], Awaitable[dict[str, Any]]]:
    async def read(w: World) -> dict[str, Any]:
        return await _read_one(w, template.format(**w.ids))

    return read


KINDS: dict[str, Kind] = {
    "customer_id": Kind(_customer, _reader("/api/v1/customers/{customer_id}")),
    "contact_id": Kind(_contact, _reader("/api/v1/customers/{customer_id}/contacts/{contact_id}")),
    "opportunity_id": Kind(_opportunity, _reader("/api/v1/opportunities/{opportunity_id}")),
    "follow_up_id": Kind(_follow_up, _reader("/api/v1/follow-ups/{follow_up_id}")),
    "todo_id": Kind(_todo, _reader("/api/v1/todos/{todo_id}")),
    "notification_id": Kind(_notification, _reader("/api/v1/notifications/{notification_id}")),
    "user_id": Kind(_user, _reader("/api/v1/users/{user_id}")),
    "team_id": Kind(_team, _reader("/api/v1/teams/{team_id}")),
    "key_id": Kind(_api_key, _read_api_key),
    "attachment_id": Kind(_attachment, _reader("/api/v1/attachments/{attachment_id}")),
    "template_id": Kind(_template, _reader("/api/v1/action-templates/{template_id}")),
    "pipeline_id": Kind(_pipeline, _reader("/api/v1/pipelines/{pipeline_id}")),
    "report_id": Kind(_report, _reader("/api/v1/daily-reports/{report_id}")),
    "document_id": Kind(_document, _reader("/api/v1/documents/{document_id}")),
    "rule_id": Kind(_rule, _reader("/api/v1/rules/{rule_id}")),
    "entry_id": Kind(_kb_entry, _reader("/api/v1/knowledge-base/{entry_id}")),
    "webhook_id": Kind(_webhook, _admin_reader("/api/v1/webhooks/{webhook_id}")),
    "robot_id": Kind(_robot, _admin_reader("/api/v1/wecom-robots/{robot_id}")),
    "delivery_id": Kind(_delivery, _admin_reader("/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}")),
    "job_id": Kind(_job, _admin_reader("/api/v1/jobs/{job_id}")),
    "evidence_id": Kind(_evidence, _reader("/api/v1/opportunities/{opportunity_id}/evidence/{evidence_id}")),
    "material_id": Kind(_material, _reader("/api/v1/opportunities/{opportunity_id}/post-mortem")),
    "file_id": Kind(_material_file, _reader("/api/v1/opportunities/{opportunity_id}/post-mortem")),
}

# Valid bodies by input model, each a visible change, so a body 422 cannot mask the 404 and a
# write that leaked would show in the owner's re-read. Models that accept {} need no entry.
BODIES: dict[str, dict[str, Any]] = {
    "ContactCreate": {"name": "越权联系人", "decision_role": "finance"},
    "ContactUpdate": {"name": "越权修改"},
    "CustomerUpdate": {"name": "越权修改", "lifecycle": "lost"},
    "FollowUpUpdate": {"summary": "越权修改"},
    "OpportunityUpdate": {"name": "越权修改", "status": "lost"},
    "TodoUpdate": {"title": "越权修改", "status": "cancelled"},
    "UserUpdate": {"name": "越权修改"},
    "TeamUpdate": {"name": "越权修改"},
    "TemplateUpdate": {"label": "越权修改"},
    "PipelineUpdate": {"name": "越权修改"},
    "StageMove": {"stage": "报价"},
    "DailyReportAmend": {"items": [{"customer_id": str(uuid.UUID(int=1)), "action_code": "customer_visit"}],
                         "progress": {"customer_id": str(uuid.UUID(int=1)), "note": "越权修改"}},
    "DocumentResponseIn": {"response": "需修改部位", "parts": ["越权"]},
    "KnowledgeEntryUpdate": {"title": "越权修改"},
    "PromoteIn": {"signal": "budget_not_approved", "script": "越权话术"},
    "RuleUpdate": {"name": "越权修改", "enabled": False},
    "RuleTestIn": {"event": {"type": "customer.updated"}},
    "WebhookUpdate": {"description": "越权修改"},
    "RobotUpdate": {"name": "越权修改"},
    "RevokeIn": {"reason": "越权撤销"},
    # Multipart forms (FastAPI names their models Body_<route>): sent as form fields.
    "Body_add_evidence_api_v1_opportunities__opportunity_id__evidence_post": {
        "node": "down_payment", "text": "越权证据"},
    "LoseIn": {"reason": "other", "note": "越权丢单"},
    "Body_add_material_api_v1_opportunities__opportunity_id__post_mortem_materials_post": {
        "kind": "competitor_note", "text": "越权材料"},
}


# --- the route table -------------------------------------------------------------------------

@dataclass(frozen=True)
class Call:
    method: str
    path: str
    params: tuple[str, ...]
    body_model: Any

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    def body(self) -> dict[str, Any] | None:
        if self.body_model is None:
            return None
        name = getattr(self.body_model, "__name__", repr(self.body_model))
        body = BODIES.get(name, {})
        try:
            TypeAdapter(self.body_model).validate_python(body)
        except ValidationError as exc:
            pytest.fail(f"{self.label}: add a valid {name} body to BODIES in test_isolation.py ({exc})")
        return body

    async def url(self, w: World) -> str:
        values = {name: await w.id(name) for name in self.params}
        return PARAM.sub(lambda m: values[m.group(1)], self.path)

    def ghost_url(self) -> str:
        return PARAM.sub(lambda _: str(uuid.uuid4()), self.path)


def _calls() -> list[Call]:
    calls = []
    for ctx in iter_route_contexts(create_app(Settings()).routes):
        route = ctx.original_route
        if not isinstance(route, APIRoute) or not ctx.path.startswith(API_PREFIX):
            continue
        params = tuple(PARAM.findall(ctx.path))
        if not any(name.endswith("_id") for name in params):
            continue
        body_model = route.body_field.field_info.annotation if route.body_field else None
        for method in sorted(ctx.methods or ()):
            calls.append(Call(method, ctx.path, params, body_model))
    return calls


CALLS = _calls()
READS = [c for c in CALLS if c.method == "GET"]


def _outsiders(call: Call) -> list[str]:
    if all(name in TENANT_WIDE for name in call.params) or any(name in ADMIN_OWNED for name in call.params):
        return []
    names = ["rep of another team", "manager of another team"]
    if any(name in PERSONAL for name in call.params):
        names += ["owner's manager", "director", "admin"]
    return names


def _outsider(w: World, name: str) -> Actor:
    return {
        "rep of another team": w.org.reps[2],
        "manager of another team": w.org.managers[1],
        "owner's manager": w.org.managers[0],
        "director": w.org.director,
        "admin": w.org.admin,
    }[name]


OUTSIDER_CASES = [(call, name) for call in CALLS for name in _outsiders(call)]


@pytest.fixture(scope="module")
async def world(app: Any, client: Any, settings: Settings) -> World:
    h = Harness(app, client, settings)
    org = await h.org()
    assert org.reps[0].team_id == org.teams[0] and org.reps[2].team_id == org.teams[1]
    w = World(h, org, intruder=await h.signup("另一家公司"))
    for call in CALLS:
        for name in call.params:
            if name in KINDS:
                await w.id(name)
    return w


async def _attack(w: World, call: Call, attacker: Actor) -> None:
    url = await call.url(w)
    before = {name: await KINDS[name].read(w) for name in call.params}
    body = call.body()
    form = getattr(call.body_model, "__name__", "").startswith("Body_")
    send = {"data": body} if form else {"json": body}
    r = await w.h.client.request(call.method, url, **send, headers=attacker.headers)
    assert r.status_code == 404, f"{call.label} as {attacker.role} of {attacker.tenant_id}: {r.status_code} {r.text}"
    assert r.headers["content-type"].startswith("application/problem+json"), r.headers
    problem = r.json()
    assert problem["status"] == 404
    # Indistinguishable from ids that never existed.
    ghost = await w.h.client.request(call.method, call.ghost_url(), **send, headers=attacker.headers)
    assert (ghost.status_code, ghost.json()) == (404, problem)
    after = {name: await KINDS[name].read(w) for name in call.params}
    assert after == before, f"{call.label} as an outsider changed the record"


def test_route_table_has_id_routes() -> None:
    """The walk finds the routes (a broken walk must not make every test below vacuous)."""
    labels = {c.label for c in CALLS}
    assert "GET /api/v1/customers/{customer_id}" in labels
    assert "DELETE /api/v1/customers/{customer_id}/contacts/{contact_id}" in labels
    assert len(CALLS) >= 25


@pytest.mark.parametrize("call", CALLS, ids=lambda c: c.label)
async def test_other_tenant_gets_404(world: World, call: Call) -> None:
    await _attack(world, call, world.intruder)


@pytest.mark.parametrize(
    ("call", "outsider"), OUTSIDER_CASES, ids=[f"{c.label} as {n}" for c, n in OUTSIDER_CASES]
)
async def test_same_tenant_outsider_gets_404(world: World, call: Call, outsider: str) -> None:
    await _attack(world, call, _outsider(world, outsider))


@pytest.mark.parametrize("call", READS, ids=lambda c: c.label)
async def test_owner_still_reads(world: World, call: Call) -> None:
    r = await world.h.client.get(await call.url(world), headers=world.owner_of(call.params).headers)
    assert r.status_code == 200, r.text


async def test_org_chart_is_tenant_wide(world: World) -> None:
    """The documented exception: a rep of another team reads the owner's user and team."""
    rep = world.org.reps[2]
    for path in (f"/api/v1/users/{world.owner.user_id}", f"/api/v1/teams/{world.org.teams[0]}"):
        assert (await world.h.client.get(path, headers=rep.headers)).status_code == 200
