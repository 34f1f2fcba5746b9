"""A deal's whole digital footprint as one timeline (SPEC §10), for its post-mortem.

What belongs to the deal: its follow-ups, and its customer's follow-ups tied to no deal since the
deal was created (a follow-up of another deal of the customer is that deal's); the actions,
documents and transcripts of the same scope; its stage changes, evidence (revoked too, marked),
signal hits (by deal, or by one of those follow-ups; retired hits left out), its losses and their
materials. One statement per source, each capped at the CAP most recent entries and carrying the
uncapped count, so a deal with thousands of follow-ups costs the same number of statements.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from salescore.models import (
    ActionRecord,
    Document,
    Evidence,
    FollowUp,
    Opportunity,
    PostMortem,
    PostMortemMaterial,
    SignalHit,
    StageChange,
    Transcript,
)
from salescore.postmortem.defaults import MATERIAL_LABELS

CAP = 200
EXCERPT = 200
QUOTE_CODES = ("quote_submitted", "quote_confirmed")
# Tiebreak of entries at the same moment: the order things happen in within one conversation.
KIND_ORDER = {k: i for i, k in enumerate(("follow_up", "transcript", "action", "quote", "signal", "stage_change",
                                          "evidence", "document", "loss", "material"))}


def _excerpt(column: Any) -> Any:
    return sa.func.substr(column, 1, EXCERPT)


def _in_scope(deal: Opportunity, model: Any, at: Any) -> sa.ColumnElement[bool]:
    """The deal's own rows, or its customer's rows tied to no deal since the deal was created."""
    return sa.and_(
        model.tenant_id == deal.tenant_id,
        sa.or_(model.opportunity_id == deal.id,
               sa.and_(model.customer_id == deal.customer_id, model.opportunity_id.is_(None),
                       at >= deal.created_at)),
    )


def _follow_up_ids(deal: Opportunity) -> sa.Select[Any]:
    return sa.select(FollowUp.id).where(_in_scope(deal, FollowUp, FollowUp.occurred_at), FollowUp.deleted_at.is_(None))


@dataclass(frozen=True)
class Source:
    name: str
    # Columns `at`, `id`, `user_id` and whatever `shape` reads.
    stmt: sa.Select[Any]
    # row -> (kind, title, summary, details)
    shape: Callable[[Any], tuple[str, str, str | None, dict[str, Any]]]


def _sources(deal: Opportunity, reason_labels: dict[str, str]) -> list[Source]:
    f, a, s, e, h, t, d = FollowUp, ActionRecord, StageChange, Evidence, SignalHit, Transcript, Document
    pm, m = PostMortem, PostMortemMaterial
    actions = sa.select(a.occurred_at.label("at"), a.id, a.user_id, a.code, a.fields, a.follow_up_id).where(
        _in_scope(deal, a, a.occurred_at), a.deleted_at.is_(None))
    return [
        Source("follow_up", sa.select(
            f.occurred_at.label("at"), f.id, f.user_id, f.channel, _excerpt(f.summary).label("text"),
            f.opportunity_id, f.created_via,
        ).where(_in_scope(deal, f, f.occurred_at), f.deleted_at.is_(None)),
            lambda r: ("follow_up", r.channel, r.text or None,
                       {"channel": r.channel, "opportunity_id": r.opportunity_id, "created_via": r.created_via})),
        Source("action", actions.where(a.code.not_in(QUOTE_CODES)),
               lambda r: ("action", r.code, None, {"code": r.code, "fields": r.fields, "follow_up_id": r.follow_up_id})),
        Source("quote", actions.where(a.code.in_(QUOTE_CODES)),
               lambda r: ("quote", r.code, None, {"code": r.code, "fields": r.fields, "follow_up_id": r.follow_up_id})),
        Source("stage_change", sa.select(
            s.at, s.id, s.by_id.label("user_id"), s.from_stage, s.to_stage, s.via, s.compliant, s.follow_up_id,
        ).where(s.tenant_id == deal.tenant_id, s.opportunity_id == deal.id),
            lambda r: ("stage_change", f"{r.from_stage or '—'} → {r.to_stage or '—'}", None,
                       {"from_stage": r.from_stage, "to_stage": r.to_stage, "via": r.via, "compliant": r.compliant,
                        "follow_up_id": r.follow_up_id})),
        Source("evidence", sa.select(
            e.occurred_at.label("at"), e.id, e.created_by.label("user_id"), e.node, e.note,
            _excerpt(e.text).label("text"), e.attachment_ids, e.revoked_at, e.revoke_reason,
        ).where(e.tenant_id == deal.tenant_id, e.opportunity_id == deal.id),
            lambda r: ("evidence", r.node, r.text or r.note,
                       {"node": r.node, "note": r.note, "attachment_ids": r.attachment_ids,
                        "revoked": r.revoked_at is not None, "revoked_at": r.revoked_at,
                        "revoke_reason": r.revoke_reason})),
        Source("signal", sa.select(
            h.occurred_at.label("at"), h.id, h.user_id, h.signal, h.matched, h.source, h.source_id, h.follow_up_id,
        ).where(h.tenant_id == deal.tenant_id, h.deleted_at.is_(None),
                sa.or_(h.opportunity_id == deal.id, h.follow_up_id.in_(_follow_up_ids(deal)))),
            lambda r: ("signal", r.signal, r.matched,
                       {"signal": r.signal, "source": r.source, "source_id": r.source_id,
                        "follow_up_id": r.follow_up_id})),
        Source("transcript", sa.select(
            f.occurred_at.label("at"), t.id, t.created_by.label("user_id"), t.follow_up_id, t.format,
            _excerpt(t.text).label("text"),
        ).join(f, sa.and_(f.tenant_id == t.tenant_id, f.id == t.follow_up_id))
            .where(_in_scope(deal, f, f.occurred_at), f.deleted_at.is_(None)),
            lambda r: ("transcript", "transcript", r.text or None, {"follow_up_id": r.follow_up_id, "format": r.format})),
        Source("document", sa.select(
            d.created_at.label("at"), d.id, d.owner_id.label("user_id"), d.kind, d.title, d.status, d.attachment_id,
        ).where(_in_scope(deal, d, d.created_at)),
            lambda r: ("document", r.title, None,
                       {"kind": r.kind, "status": r.status, "attachment_id": r.attachment_id})),
        Source("loss", sa.select(
            pm.lost_at.label("at"), pm.id, pm.requested_by.label("user_id"), pm.reason, pm.competitor,
            _excerpt(pm.note).label("text"), pm.completed_at, pm.withdrawn_at,
        ).where(pm.tenant_id == deal.tenant_id, pm.opportunity_id == deal.id),
            lambda r: ("loss", reason_labels.get(r.reason, r.reason), r.text or None,
                       {"reason": r.reason, "competitor": r.competitor, "completed_at": r.completed_at,
                        "withdrawn_at": r.withdrawn_at})),
        Source("material", sa.select(
            m.created_at.label("at"), m.id, m.created_by.label("user_id"), m.kind, _excerpt(m.text).label("text"),
            m.attachment_ids, m.transcript_id, m.post_mortem_id,
        ).where(m.tenant_id == deal.tenant_id, m.opportunity_id == deal.id),
            lambda r: ("material", MATERIAL_LABELS.get(r.kind, r.kind), r.text or None,
                       {"kind": r.kind, "attachment_ids": r.attachment_ids, "transcript_id": r.transcript_id,
                        "post_mortem_id": r.post_mortem_id})),
    ]


async def timeline(
    session: AsyncSession, deal: Opportunity, reason_labels: dict[str, str]
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """(entries oldest first, uncapped count per source)."""
    entries: list[dict[str, Any]] = []
    counts: dict[str, int] = {}
    for source in _sources(deal, reason_labels):
        inner = source.stmt.subquery(source.name)
        stmt = (sa.select(inner, sa.func.count().over().label("total"))
                .order_by(inner.c.at.desc(), inner.c.id.desc()).limit(CAP))
        rows = (await session.execute(stmt)).all()
        counts[source.name] = rows[0].total if rows else 0
        for row in rows:
            kind, title, summary, details = source.shape(row)
            entries.append({"at": row.at, "kind": kind, "id": row.id, "title": title,
                            "summary": summary[:EXCERPT] if summary else None,
                            "user_id": row.user_id, "details": details})
    entries.sort(key=lambda x: (x["at"], KIND_ORDER[x["kind"]], str(x["id"])))
    return entries, counts
