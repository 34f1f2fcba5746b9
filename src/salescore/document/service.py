"""Generating documents from templates and recording the customer's response. Never commits."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from salescore.attachment import service as attachment_service
from salescore.audit.service import record, snapshot
from salescore.document import repository as repo
from salescore.document.schemas import DocumentResponseIn
from salescore.document.templates import DOCX_TYPE, TEMPLATES, render_docx
from salescore.kit.errors import Conflict, Unprocessable
from salescore.kit.principal import Principal
from salescore.kit.types import new_id, utcnow
from salescore.models import Customer, Document, Opportunity
from salescore.todo.system import create_system_todo, department_assignee, first_admin

RESPONSES = {"客户已阅": "read", "read": "read", "需修改部位": "revise", "revise": "revise"}
TECH_TODO_HOURS = 48


async def _fill(
    session: AsyncSession, customer: Customer, deal: Opportunity | None, action: dict[str, Any]
) -> dict[str, Any]:
    contacts = await repo.contacts_of(session, customer.tenant_id, customer.id)
    requirements = customer.requirements or {}
    fields = action.get("fields") or {}
    return {
        "customer_name": customer.name, "industry": customer.industry,
        "location": " ".join(x for x in (customer.country, customer.region, customer.city) if x) or None,
        "contacts": [f"{c.name}（{c.title or c.decision_role}）" for c in contacts],
        "opportunity_name": deal.name if deal else None, "stage": deal.stage if deal else None,
        "expected_close_date": deal.expected_close_date.isoformat() if deal and deal.expected_close_date else None,
        "product_line": deal.product_line if deal else None,
        "drawings": bool(requirements.get("drawings")), "tech_params": bool(requirements.get("tech_params")),
        "budget_range": bool(requirements.get("budget_range")),
        "solution_file": fields.get("solution_file"), "note": fields.get("note"),
        "provided_by": await repo.user_name(session, customer.tenant_id, uuid.UUID(action["user_id"])),
        "provided_on": action.get("occurred_at", "")[:10],
    }


async def customer_and_deal(
    session: AsyncSession, tenant_id: uuid.UUID, payload: dict[str, Any]
) -> tuple[Customer | None, Opportunity | None]:
    """The customer an action was about, and its deal: the one named, else the customer's only open deal."""
    customer = await session.scalar(
        sa.select(Customer).where(Customer.tenant_id == tenant_id, Customer.id == uuid.UUID(payload["customer_id"]))
    )
    deal_filter = (
        Opportunity.id == uuid.UUID(payload["opportunity_id"]) if payload.get("opportunity_id")
        # No deal named: the customer's only open deal is the one the document is about.
        else sa.and_(Opportunity.customer_id == customer.id, Opportunity.status == "open",
                     Opportunity.deleted_at.is_(None)) if customer is not None else sa.false()
    )
    deals = list(await session.scalars(
        sa.select(Opportunity).where(Opportunity.tenant_id == tenant_id, deal_filter).limit(2)
    ))
    return customer, deals[0] if len(deals) == 1 else None


async def generate_for_action(
    session: AsyncSession, code: str, action: dict[str, Any], customer: Customer, deal: Opportunity | None
) -> Document:
    """The document an action's effect asks for, once per action (a redelivered event finds it)."""
    key = f"action:{action['action_id']}:{code}"
    existing = await repo.by_dedupe_key(session, customer.tenant_id, key)
    if existing is not None:
        return existing
    data = await _fill(session, customer, deal, action)
    document_id = new_id()
    data["number"] = f"TC-{utcnow():%Y%m%d}-{str(document_id)[:8].upper()}"
    title = f"{TEMPLATES[code]['title']}－{customer.name}"[:200]
    content = await asyncio.to_thread(render_docx, code, data)
    user_id = uuid.UUID(action["user_id"])
    attachment = await attachment_service.store_generated(
        session, tenant_id=customer.tenant_id, user_id=user_id, data=content,
        filename=f"{TEMPLATES[code]['title']}-{customer.name}.docx", content_type=DOCX_TYPE,
    )
    document = Document(
        id=document_id, tenant_id=customer.tenant_id, kind=code, title=title, customer_id=customer.id,
        opportunity_id=deal.id if deal else None, follow_up_id=uuid.UUID(action["follow_up_id"]),
        action_id=uuid.UUID(action["action_id"]), owner_id=user_id, attachment_id=attachment.id, data=data,
        status="pending", dedupe_key=key, created_at=utcnow(),
    )
    session.add(document)
    await session.flush()
    record(session, None, action="create", entity="document", obj=document, event_type="document.generated")
    return document


async def respond(
    session: AsyncSession, principal: Principal, document: Document, data: DocumentResponseIn, customer_name: str
) -> Document:
    """Record the customer's answer and hand the follow-up work to the tech department (技术部)."""
    if document.status != "pending":
        raise Conflict("the customer's response to this document is already recorded")
    status = RESPONSES[data.response]
    if status == "revise" and not data.parts:
        raise Unprocessable.field("parts", "name at least one part to change (需修改部位)")
    before = snapshot(document)
    now = utcnow()
    # Reps "drive collaboration" instead of reporting: the response itself is the tech team's todo.
    assignee = await department_assignee(session, document.tenant_id, "tech")
    note = "" if assignee else "（未配置技术部人员，已转管理员）"
    assignee = assignee or await first_admin(session, document.tenant_id)
    if assignee is None:
        raise Conflict("nobody can take this over: add an active colleague with department tech")
    if status == "revise":
        title = f"3D方案修改：{customer_name}（{'、'.join(data.parts)}）{note}"
    else:
        title = f"客户已阅3D方案：{customer_name}，请准备技术确认{note}"
    todo = await create_system_todo(
        session, tenant_id=document.tenant_id, assignee_id=assignee, title=title,
        description=data.note or None, due_at=now + timedelta(hours=TECH_TODO_HOURS), source="document",
        source_ref=str(document.id), customer_id=document.customer_id, opportunity_id=document.opportunity_id,
        dedupe_key=f"document:{document.id}:response", principal=principal,
    )
    document.status, document.responded_at, document.responded_by = status, now, principal.user_id
    document.response = {"response": "需修改部位" if status == "revise" else "客户已阅", "parts": data.parts,
                         "note": data.note, "todo_id": str(todo.id)}
    await session.flush()
    record(session, principal, action="update", entity="document", obj=document, before=before,
           also_emit=("document.responded",))
    return document
