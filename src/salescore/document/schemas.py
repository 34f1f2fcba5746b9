"""Documents and document templates in and out, and the customer's response."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StrictInt, StringConstraints

from salescore.document.templates import PLACEHOLDERS, SECTION_KINDS
from salescore.kit.schemas import InModel, OutModel

Part = Annotated[str, StringConstraints(min_length=1, max_length=100)]
TemplateCode = Annotated[str, StringConstraints(min_length=2, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")]
SignalCode = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")]
PlaceholderKey = Literal[tuple(PLACEHOLDERS)]  # type: ignore[valid-type]
SectionKind = Literal[SECTION_KINDS]  # type: ignore[valid-type]
Label = Annotated[str, StringConstraints(min_length=1, max_length=100)]
Cell = Annotated[str, StringConstraints(max_length=500)]
Item = Annotated[str, StringConstraints(min_length=1, max_length=500)]


class DocumentResponseIn(InModel):
    response: Literal["客户已阅", "需修改部位", "read", "revise"] = Field(
        description="客户已阅 (read) or 需修改部位 (revise); either creates a todo for the tech department"
    )
    parts: Annotated[list[Part], Field(max_length=50)] = Field([], description="The parts to change (需修改部位)")
    note: Annotated[str, StringConstraints(max_length=2000)] = ""


class DocumentCreate(InModel):
    template: TemplateCode = Field(description="A document template code (GET /api/v1/document-templates)")
    customer_id: uuid.UUID = Field(description="A customer you can see; any other id answers 404")
    opportunity_id: uuid.UUID | None = Field(None, description="One of the customer's deals (else 422)")
    signal: SignalCode | None = Field(None, description="The customer signal that prompted it (e.g. budget_not_approved)")


class DocumentRead(OutModel):
    id: uuid.UUID
    kind: str = Field(description="The template code")
    title: str
    customer_id: uuid.UUID
    opportunity_id: uuid.UUID | None
    follow_up_id: uuid.UUID | None
    action_id: uuid.UUID | None
    owner_id: uuid.UUID | None
    attachment_id: uuid.UUID
    data: dict[str, Any] = Field(description="The values the document was filled with, as they stood")
    blocks: list[dict[str, Any]] = Field(description="The rendered content the downloads are made from")
    template_version: int | None = Field(description="The template version used (0: the built-in)")
    status: Literal["pending", "read", "revise"]
    response: dict[str, Any] | None
    responded_at: datetime | None
    responded_by: uuid.UUID | None
    created_at: datetime
    todo_id: uuid.UUID | None = Field(None, description="The tech department's todo the response created")


# --- templates ---------------------------------------------------------------------------------

class FieldRowIn(InModel):
    label: Label
    key: PlaceholderKey = Field(description="One of the documented placeholder keys")


class SectionIn(InModel):
    """One section; which attributes apply depends on `kind` (others are refused)."""

    heading: Annotated[str, StringConstraints(max_length=100)] = ""
    kind: SectionKind
    fields: Annotated[list[FieldRowIn], Field(min_length=1, max_length=50)] | None = Field(
        None, description="kind fields: label/key rows")
    text: Annotated[str, StringConstraints(min_length=1, max_length=5000)] | None = Field(
        None, description="kind text: paragraphs with ${key} placeholders; a line starting '- ' is a bullet")
    tag: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = Field(
        None, description="kind cases: the tag to match (default ${customer.industry})")
    limit: Annotated[StrictInt, Field(ge=1, le=10)] | None = Field(None, description="kind cases: how many (default 3)")
    empty_text: Annotated[str, StringConstraints(min_length=1, max_length=500)] | None = Field(
        None, description="kind cases: the line shown when there is no case")
    columns: Annotated[list[Label], Field(min_length=1, max_length=8)] | None = Field(None, description="kind table")
    rows: Annotated[list[Annotated[list[Cell], Field(max_length=8)]], Field(max_length=50)] | None = Field(
        None, description="kind table: one cell per column; an empty cell is a blank to fill in")
    items: Annotated[list[Item], Field(min_length=1, max_length=50)] | None = Field(None, description="kind checklist")


class DocumentTemplateIn(InModel):
    title: Annotated[str, StringConstraints(min_length=1, max_length=200)] = Field(
        description="May use ${key} placeholders, e.g. ${customer.name}项目立项支持包")
    description: Annotated[str, StringConstraints(max_length=1000)] = ""
    sections: Annotated[list[SectionIn], Field(min_length=1, max_length=30)]


class SectionRead(OutModel):
    heading: str
    kind: str
    fields: list[dict[str, str]] | None = None
    text: str | None = None
    tag: str | None = None
    limit: int | None = None
    empty_text: str | None = None
    columns: list[str] | None = None
    rows: list[list[str]] | None = None
    items: list[str] | None = None


class DocumentTemplateRead(OutModel):
    code: str
    title: str
    description: str
    sections: list[SectionRead]
    version: int = Field(description="0 while the built-in applies; the ETag")
    builtin: bool = Field(description="salescore ships a template with this code (DELETE goes back to it)")
    customized: bool = Field(description="The tenant's own version applies")
    updated_by: uuid.UUID | None
    updated_at: datetime | None
