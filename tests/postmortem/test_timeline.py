"""The post-mortem's timeline: the deal's whole digital footprint, in order, bounded, in a constant
number of statements (SPEC §10)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from salescore.models import ActionRecord, Attachment, Document, SignalHit, StageChange, Transcript
from salescore.postmortem import timeline as footprint
from tests.postmortem.support import add, lose, post_mortem
from tests.support import Actor, Harness


def at(days: float) -> datetime:
    return datetime.now(UTC) - timedelta(days=days)


async def follow_up(h: Harness, rep: Actor, customer_id: str, days: float, **fields: Any) -> dict[str, Any]:
    body = {"customer_id": customer_id, "channel": "call", "summary": "电话沟通", "occurred_at": at(days).isoformat(),
            **fields}
    r = await h.client.post("/api/v1/follow-ups", json=body, headers=rep.headers)
    assert r.status_code == 201, r.text
    return r.json()


async def insert(h: Harness, *rows: Any) -> None:
    async with h.runtime.sessionmaker() as s:
        for row in rows:
            s.add(row)
            await s.flush()
        await s.commit()


@contextmanager
def statements(h: Harness) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    engine = h.runtime.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def footprint_of(h: Harness, rep: Actor) -> tuple[str, list[tuple[str, str]], dict[str, str]]:
    """A deal with one of everything, and (kind, id) of what its timeline must show, in order."""
    tenant, user = uuid.UUID(rep.tenant_id), uuid.UUID(rep.user_id)
    customer = (await h.customer(rep))["id"]
    deal = await h.opportunity(rep, customer, created_at=at(30).isoformat())
    other = await h.opportunity(rep, customer, created_at=at(30).isoformat())
    before = await follow_up(h, rep, customer, 40)  # the customer's, before the deal existed
    call = await follow_up(h, rep, customer, 20, opportunity_id=deal["id"], summary="报价沟通，客户嫌贵",
                           actions=[{"code": "quote_submitted", "fields": {"amount": 120000}}])
    visit = await follow_up(h, rep, customer, 15, channel="visit", summary="拜访客户")
    elsewhere = await follow_up(h, rep, customer, 12, opportunity_id=other["id"])
    r = await h.client.post(f"/api/v1/opportunities/{deal['id']}/stage", json={"stage": "报价", "at": at(10).isoformat()},
                            headers=rep.headers)
    assert r.status_code == 200, r.text
    evidence = []
    for days in (8, 6):
        r = await h.client.post(f"/api/v1/opportunities/{deal['id']}/evidence", headers=rep.headers,
                                data={"node": "requirement_confirmation", "text": "需求确认", "occurred_at": at(days).isoformat()})
        assert r.status_code == 201, r.text
        evidence.append(r.json()["id"])
    r = await h.client.post(f"/api/v1/opportunities/{deal['id']}/evidence/{evidence[0]}/revoke",
                            json={"reason": "录错"}, headers=rep.headers)
    assert r.status_code == 200, r.text

    transcript = Transcript(tenant_id=tenant, id=uuid.uuid4(), follow_up_id=uuid.UUID(call["id"]),
                            customer_id=uuid.UUID(customer), format="text", text="客户：你们的价格太高了。",
                            created_by=user)
    hit = SignalHit(tenant_id=tenant, id=uuid.uuid4(), customer_id=uuid.UUID(customer),
                    follow_up_id=uuid.UUID(call["id"]), source="transcript", source_id=transcript.id,
                    signal="price_objection", matched="价格太高", start=3, end=7, user_id=user, config_version=1,
                    occurred_at=at(20) + timedelta(minutes=1))
    retired = SignalHit(tenant_id=tenant, id=uuid.uuid4(), customer_id=uuid.UUID(customer),
                        opportunity_id=uuid.UUID(deal["id"]), source="follow_up", source_id=uuid.UUID(call["id"]),
                        signal="price_objection", matched="贵", start=0, end=1, config_version=1,
                        occurred_at=at(20), deleted_at=at(1))
    foreign = SignalHit(tenant_id=tenant, id=uuid.uuid4(), customer_id=uuid.UUID(customer),
                        opportunity_id=uuid.UUID(other["id"]), source="follow_up", source_id=uuid.UUID(elsewhere["id"]),
                        signal="price_objection", matched="贵", start=0, end=1, config_version=1, occurred_at=at(12))
    attachment = Attachment(tenant_id=tenant, id=uuid.uuid4(), sha256="0" * 64, size=1, content_type="text/plain",
                            uploaded_by=user)
    document = Document(tenant_id=tenant, id=uuid.uuid4(), kind="tech_confirmation", title="客户技术确认单",
                        customer_id=uuid.UUID(customer), opportunity_id=uuid.UUID(deal["id"]),
                        attachment_id=attachment.id, created_at=at(5))
    await insert(h, transcript, hit, retired, foreign, attachment, document)

    r = await lose(h, rep, deal["id"], reason="competitor", competitor="友商C", lost_at=at(2).isoformat())
    assert r.status_code == 201, r.text
    loss = r.json()["id"]
    r = await add(h, rep, deal["id"], "transcript", transcript_id=str(transcript.id))
    assert r.status_code == 201, r.text
    cited = r.json()
    r = await add(h, rep, deal["id"], "meeting_notes", text="复盘会：价格不是唯一原因")
    assert r.status_code == 201, r.text
    notes = r.json()["id"]

    moves = sa.select(StageChange.id).where(StageChange.tenant_id == tenant,
                                            StageChange.opportunity_id == uuid.UUID(deal["id"]))
    async with h.runtime.sessionmaker() as s:
        first_stage = await s.scalar(moves.where(StageChange.via == "create"))
        moved = await s.scalar(moves.where(StageChange.via != "create"))
        quote = await s.scalar(sa.select(ActionRecord.id).where(ActionRecord.tenant_id == tenant,
                                                                 ActionRecord.follow_up_id == uuid.UUID(call["id"])))
    expected = [
        ("stage_change", str(first_stage)), ("follow_up", call["id"]), ("transcript", str(transcript.id)),
        ("quote", str(quote)), ("signal", str(hit.id)), ("follow_up", visit["id"]), ("stage_change", str(moved)),
        ("evidence", evidence[0]), ("evidence", evidence[1]), ("document", str(document.id)), ("loss", loss),
        ("material", cited["id"]), ("material", notes),
    ]
    excluded = {"before": before["id"], "elsewhere": elsewhere["id"], "retired": str(retired.id),
                "foreign": str(foreign.id)}
    return deal["id"], expected, excluded


async def test_the_timeline_is_the_deals_whole_footprint_in_order(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    deal_id, expected, excluded = await footprint_of(h, rep)
    r = await post_mortem(h, org.managers[0], deal_id)
    assert r.status_code == 200, r.text
    body = r.json()
    entries = body["timeline"]
    known = {ident for _, ident in expected}
    # Signal detection of another domain may add hits of its own: only the known entries are ordered.
    assert [(e["kind"], e["id"]) for e in entries if e["id"] in known] == expected
    assert not {e["id"] for e in entries} & set(excluded.values())
    assert [e["at"] for e in entries] == sorted(e["at"] for e in entries)
    by_id = {e["id"]: e for e in entries}
    kinds = dict((ident, kind) for kind, ident in expected)
    revoked, active = (by_id[i] for i, k in kinds.items() if k == "evidence")
    assert (revoked["details"]["revoked"], revoked["details"]["revoke_reason"], active["details"]["revoked"]) == (
        True, "录错", False)
    quote = next(e for e in entries if e["kind"] == "quote")
    assert quote["title"] == "quote_submitted" and quote["details"]["fields"] == {"amount": 120000}
    loss = next(e for e in entries if e["kind"] == "loss")
    assert (loss["title"], loss["details"]["competitor"], loss["user_id"]) == ("竞品胜出", "友商C", rep.user_id)
    assert body["timeline_counts"]["follow_up"] == 2 and body["timeline_counts"]["quote"] == 1
    assert body["timeline_counts"]["action"] == 0 and body["timeline_cap"] == footprint.CAP
    assert body["kinds_present"] == ["transcript", "meeting_notes"] and body["status"] == "pending"


async def test_the_timeline_is_capped_per_source_and_costs_a_constant_number_of_statements(
    h: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    org = await h.org()
    rep = org.reps[0]
    deal_id, _, _ = await footprint_of(h, rep)
    await h.drain()
    with statements(h) as few:
        small = (await post_mortem(h, rep, deal_id)).json()
    deal = (await h.client.get(f"/api/v1/opportunities/{deal_id}", headers=rep.headers)).json()
    for days in (19, 18, 17, 16):
        await follow_up(h, rep, deal["customer_id"], days, opportunity_id=deal_id)
    await h.drain()
    with statements(h) as many:
        large = (await post_mortem(h, rep, deal_id)).json()
    assert large["timeline_counts"]["follow_up"] == small["timeline_counts"]["follow_up"] + 4
    assert len(many) == len(few), (len(few), len(many))

    monkeypatch.setattr(footprint, "CAP", 2)
    capped = (await post_mortem(h, rep, deal_id)).json()
    follow_ups = [e for e in capped["timeline"] if e["kind"] == "follow_up"]
    assert capped["timeline_cap"] == 2 and capped["timeline_counts"]["follow_up"] == 6
    # The most recent ones are kept.
    newest = sorted((e for e in large["timeline"] if e["kind"] == "follow_up"), key=lambda e: e["at"])[-2:]
    assert [e["id"] for e in follow_ups] == [e["id"] for e in newest]
