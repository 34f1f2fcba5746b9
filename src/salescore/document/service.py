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
from salescore.customer import service as customer_service
from salescore.document import repository as repo
from salescore.document import template_service
from salescore.document.compose import Source, compose, fill, values_for
from salescore.document.render import DOCX_TYPE, RENDERERS, render_docx
from salescore.document.schemas import DocumentCreate, DocumentResponseIn
from salescore.document.template_service import Template
from salescore.kit.errors import Conflict, Unprocessable
from salescore.kit.principal import Principal
from salescore.kit.types import new_id, utcnow
from salescore.models import Customer, Document, Opportunity
from salescore.opportunity import service as opportunity_service
from salescore.todo.system import create_system_todo, department_assignee, first_admin

RESPONSES = {"客户已阅": "read", "read": "read", "需修改部位": "revise", "revise": "revise"}
TECH_TODO_HOURS = 48


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


def _number(code: str, document_id: uuid.UUID) -> str:
    prefix = "".join(part[0] for part in code.split("_") if part).upper()[:6]
    return f"{prefix}-{utcnow():%Y%m%d}-{str(document_id)[:8].upper()}"


def _title(template_title: str, values: dict[str, Any], customer_name: str) -> str:
    title = fill(template_title, values).strip() or customer_name
    if customer_name not in title:
        title = f"{title}－{customer_name}"
    return title[:200]


async def generate(
    session: AsyncSession, *, template: Template, customer: Customer, deal: Opportunity | None, source: Source,
    principal: Principal | None, follow_up_id: uuid.UUID | None = None, action_id: uuid.UUID | None = None,
    dedupe_key: str | None = None,
) -> Document:
    """Fill the template from the customer's record, store the blocks, render the .docx from the
    same blocks as the attachment, and record `document.generated`."""
    document_id = new_id()
    values = await values_for(session, customer, deal, source, _number(template.code, document_id))
    title = _title(template.title, values, customer.name)
    blocks, cases = await compose(session, customer.tenant_id, fill(template.title, values) or title,
                                  template.sections, values)
    content = await asyncio.to_thread(render_docx, blocks)
    attachment = await attachment_service.store_generated(
        session, tenant_id=customer.tenant_id, user_id=source.user_id, data=content,
        filename=f"{title}.docx", content_type=DOCX_TYPE,
    )
    document = Document(
        id=document_id, tenant_id=customer.tenant_id, kind=template.code, title=title, customer_id=customer.id,
        opportunity_id=deal.id if deal else None, follow_up_id=follow_up_id, action_id=action_id,
        owner_id=source.user_id, attachment_id=attachment.id, status="pending", dedupe_key=dedupe_key,
        data={"values": values, "cases": cases, "signal": source.signal}, blocks=blocks,
        template_version=template.version, created_at=utcnow(),
    )
    session.add(document)
    await session.flush()
    record(session, principal, action="create", entity="document", obj=document, event_type="document.generated")
    return document


async def generate_for_action(
    session: AsyncSession, code: str, action: dict[str, Any], customer: Customer, deal: Opportunity | None
) -> Document:
    """The document an action's effect asks for (the tenant's template for `code`), once per action
    (a redelivered event finds it)."""
    key = f"action:{action['action_id']}:{code}"
    existing = await repo.by_dedupe_key(session, customer.tenant_id, key)
    if existing is not None:
        return existing
    template = await template_service.effective(session, customer.tenant_id, code)
    if template is None:
        raise Unprocessable.field("template", f"no document template {code!r}")
    return await generate(
        session, template=template, customer=customer, deal=deal,
        source=Source(user_id=uuid.UUID(action["user_id"]), action=action), principal=None,
        follow_up_id=uuid.UUID(action["follow_up_id"]), action_id=uuid.UUID(action["action_id"]), dedupe_key=key,
    )


async def create_document(session: AsyncSession, principal: Principal, data: DocumentCreate) -> Document:
    """A document on request (e.g. a playbook's linked action): a customer the caller can see (404
    otherwise), one of its deals (422 otherwise), a template of the tenant (422 otherwise)."""
    customer = await customer_service.get_customer(session, principal, data.customer_id)
    deal = None
    if data.opportunity_id is not None:
        deal = await opportunity_service.visible_opportunity(session, principal, data.opportunity_id)
        if deal.customer_id != customer.id:
            raise Unprocessable.field("opportunity_id", "this deal belongs to another customer")
    template = await template_service.effective(session, principal.tenant_id, data.template)
    if template is None:
        raise Unprocessable.field("template", "no document template with this code")
    return await generate(session, template=template, customer=customer, deal=deal,
                          source=Source(user_id=principal.user_id, signal=data.signal), principal=principal)


def render_text(document: Document, fmt: str) -> tuple[str, str, str]:
    """The document as Markdown or HTML from its stored blocks: (text, media type, file name)."""
    if not document.blocks:
        raise Conflict("this document was generated before its content was stored; download format=docx")
    render, media_type, suffix = RENDERERS[fmt]
    return render(document.blocks), media_type, f"{document.title}{suffix}"


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
