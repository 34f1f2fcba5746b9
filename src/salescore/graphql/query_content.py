"""Root fields of stored content: documents, document templates, attachments (metadata) and the
knowledge base."""

from __future__ import annotations

from dataclasses import asdict

import strawberry
from strawberry import Info

from salescore.attachment import repository as attachment_repo
from salescore.document import repository as document_repo
from salescore.document import template_service
from salescore.document.schemas import DocumentTemplateRead
from salescore.graphql import content_types as ct
from salescore.graphql import filters
from salescore.graphql.connections import DEFAULT_FIRST, Connection
from salescore.graphql.context import ctx
from salescore.graphql.forecast_types import read_as
from salescore.graphql.filters import DocumentFilter, KnowledgeFilter
from salescore.graphql.resolve import Id, connection, lookup
from salescore.graphql.types import After, First
from salescore.knowledge import repository as knowledge_repo
from salescore.models import Attachment, Document, KnowledgeEntry


@strawberry.type
class ContentQuery:
    @strawberry.field(description="Generated documents of the customers the caller may see, newest first.")
    async def documents(
        self,
        info: Info,
        first: First = DEFAULT_FIRST,
        after: After = None,
        filter: DocumentFilter | None = None,
    ) -> Connection[ct.Document]:
        c = ctx(info)
        return await connection(
            c, filters.documents(c.principal, filter), Document, ct.Document.from_row, first, after
        )

    @strawberry.field
    async def document(self, info: Info, id: Id) -> ct.Document | None:
        return await lookup(ctx(info), document_repo.documents, Document, id, ct.Document)

    @strawberry.field(
        description="The document templates that apply: the built-ins, overlaid by the tenant's own versions "
        "and codes (readable by everyone), by code."
    )
    async def document_templates(self, info: Info) -> list[ct.DocumentTemplate]:
        c = ctx(info)
        principal = c.principal
        templates = await c.run(lambda session: template_service.list_templates(session, principal))
        return [ct.DocumentTemplate.from_dict(read_as(DocumentTemplateRead, asdict(t))) for t in templates]

    @strawberry.field(description="A file's metadata: the uploader and the people who see their records.")
    async def attachment(self, info: Info, id: Id) -> ct.Attachment | None:
        return await lookup(ctx(info), attachment_repo.attachments, Attachment, id, ct.Attachment)

    @strawberry.field(description="产品部知识库, newest first.")
    async def knowledge_entries(
        self,
        info: Info,
        first: First = DEFAULT_FIRST,
        after: After = None,
        filter: KnowledgeFilter | None = None,
    ) -> Connection[ct.KnowledgeEntry]:
        c = ctx(info)
        stmt = filters.knowledge_entries(c.principal, filter)
        return await connection(c, stmt, KnowledgeEntry, ct.KnowledgeEntry.from_row, first, after)

    @strawberry.field
    async def knowledge_entry(self, info: Info, id: Id) -> ct.KnowledgeEntry | None:
        return await lookup(ctx(info), knowledge_repo.entries, KnowledgeEntry, id, ct.KnowledgeEntry)
