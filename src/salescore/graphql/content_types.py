"""GraphQL types of stored content: attachments (metadata only), generated documents and the
knowledge base. Same fields as the REST read schemas; relations go through loaders."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Self

import strawberry
from strawberry import Info
from strawberry.scalars import JSON

from salescore.graphql.context import ctx
from salescore.graphql.types import Customer, FollowUp, FromRow, Opportunity, User, _one


@strawberry.type(description="A stored file's metadata (the bytes: GET /api/v1/attachments/{id}/content).")
class Attachment(FromRow):
    id: strawberry.ID
    sha256: str
    size: int = strawberry.field(description="Bytes")
    content_type: str
    filename: str | None
    created_at: datetime


@strawberry.type(description="A generated document (e.g. 客户技术确认单), visible wherever its customer is.")
class Document(FromRow):
    id: strawberry.ID
    kind: str
    title: str
    customer_id: strawberry.ID
    opportunity_id: strawberry.ID | None
    follow_up_id: strawberry.ID | None
    action_id: strawberry.ID | None
    owner_id: strawberry.ID | None
    attachment_id: strawberry.ID
    data: JSON
    status: str = strawberry.field(description="pending | read | revise")
    response: JSON | None
    responded_at: datetime | None
    responded_by: strawberry.ID | None
    created_at: datetime
    todo_id: strawberry.ID | None = strawberry.field(
        description="The tech department's todo the response created"
    )

    @classmethod
    def from_row(cls, row: Any, **overrides: Any) -> Self:
        todo_id = (row.response or {}).get("todo_id")
        return super().from_row(
            row, todo_id=None if todo_id is None else strawberry.ID(str(todo_id)), **overrides
        )

    @strawberry.field
    async def customer(self, info: Info) -> Customer | None:
        return await _one(ctx(info).loaders.customer, self.customer_id, Customer)

    @strawberry.field
    async def opportunity(self, info: Info) -> Opportunity | None:
        return await _one(ctx(info).loaders.opportunity, self.opportunity_id, Opportunity)

    @strawberry.field
    async def follow_up(self, info: Info) -> FollowUp | None:
        return await _one(ctx(info).loaders.follow_up, self.follow_up_id, FollowUp)

    @strawberry.field
    async def owner(self, info: Info) -> User | None:
        return await _one(ctx(info).loaders.user, self.owner_id, User)

    @strawberry.field(description="The generated file (readable wherever the document is).")
    async def attachment(self, info: Info) -> Attachment | None:
        return await _one(ctx(info).loaders.record_file, self.attachment_id, Attachment)


@strawberry.type(description="A record a knowledge-base entry rests on.")
class Citation:
    kind: str = strawberry.field(description="post_mortem | customer | follow_up | opportunity")
    id: strawberry.ID


@strawberry.type(description="产品部知识库: an entry, readable by the whole tenant.")
class KnowledgeEntry(FromRow):
    id: strawberry.ID
    kind: str = strawberry.field(description="requirement | sop | script | case")
    title: str
    body: str
    tags: list[str]
    customer_id: strawberry.ID | None
    citations: list[Citation] = strawberry.field(
        description="Records the entry rests on (ids as stored; each was visible to its writer)"
    )
    content: JSON
    source: JSON
    created_by: strawberry.ID | None = strawberry.field(description="The author (null: the system)")
    read_only: bool = strawberry.field(description="Kept current by the system (a requirement entry)")
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Any, **overrides: Any) -> Self:
        citations = [
            Citation(kind=str(c.get("kind", "")), id=strawberry.ID(str(c.get("id", ""))))
            for c in row.citations or []
        ]
        return super().from_row(row, citations=citations, read_only=row.dedupe_key is not None, **overrides)

    @strawberry.field(description="The customer it came from, when the caller may see that customer.")
    async def customer(self, info: Info) -> Customer | None:
        return await _one(ctx(info).loaders.customer, self.customer_id, Customer)


@strawberry.type(description="A label/placeholder row of a `fields` section.")
class TemplateField:
    label: str
    key: str = strawberry.field(description="A placeholder key, e.g. customer.name")


@strawberry.type(description="A section of a document template; which attributes are set depends on `kind`.")
class TemplateSection:
    heading: str
    kind: str = strawberry.field(description="fields | text | cases | table | checklist")
    fields: list[TemplateField] | None = strawberry.field(description="kind fields: label/key rows")
    text: str | None = strawberry.field(description="kind text: paragraphs with ${key} placeholders")
    tag: str | None = strawberry.field(description="kind cases: the tag to match")
    limit: int | None = strawberry.field(description="kind cases: how many")
    empty_text: str | None = strawberry.field(description="kind cases: the line shown when there is no case")
    columns: list[str] | None = strawberry.field(description="kind table")
    rows: list[list[str]] | None = strawberry.field(description="kind table")
    items: list[str] | None = strawberry.field(description="kind checklist")

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Self:
        rows = raw.get("fields")
        return cls(
            heading=raw.get("heading", ""), kind=raw["kind"],
            fields=None if rows is None else [TemplateField(label=f["label"], key=f["key"]) for f in rows],
            **{k: raw.get(k) for k in ("text", "tag", "limit", "empty_text", "columns", "rows", "items")},
        )


@strawberry.type(description="A document template that applies: a built-in, or the tenant's own version.")
class DocumentTemplate:
    code: str
    title: str
    description: str
    sections: list[TemplateSection]
    version: int = strawberry.field(description="0 while the built-in applies; REST's ETag")
    builtin: bool = strawberry.field(description="salescore ships a template with this code")
    customized: bool = strawberry.field(description="The tenant's own version applies")
    updated_by: strawberry.ID | None
    updated_at: datetime | None

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Self:
        updated_by = raw.get("updated_by")
        return cls(
            code=raw["code"], title=raw["title"], description=raw["description"], version=raw["version"],
            sections=[TemplateSection.from_dict(s) for s in raw["sections"]], builtin=raw["builtin"],
            customized=raw["customized"], updated_at=raw.get("updated_at"),
            updated_by=None if updated_by is None else strawberry.ID(str(updated_by)),
        )
