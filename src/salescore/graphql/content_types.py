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


@strawberry.type(description="产品部知识库: an entry, readable by the whole tenant.")
class KnowledgeEntry(FromRow):
    id: strawberry.ID
    kind: str = strawberry.field(description="requirement | sop | script | case")
    title: str
    body: str
    tags: list[str]
    customer_id: strawberry.ID | None
    content: JSON
    source: JSON
    version: int
    created_at: datetime
    updated_at: datetime

    @strawberry.field(description="The customer it came from, when the caller may see that customer.")
    async def customer(self, info: Info) -> Customer | None:
        return await _one(ctx(info).loaders.customer, self.customer_id, Customer)
