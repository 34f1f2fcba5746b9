"""GraphQL types of post-mortems (证据复盘, §10): a lost deal's declared loss and its evidence package.

Read from the tables directly (postmortem.service shapes the REST answer with its timeline, which
is not batched): a post-mortem and its materials are visible wherever their deal is (graphql.scopes),
and the figures REST derives -- status, locked, the kinds present and missing -- are derived alike.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Self

import strawberry
from strawberry import Info

from salescore.graphql.content_types import Attachment
from salescore.graphql.context import ctx
from salescore.graphql.signal_types import Transcript
from salescore.graphql.types import FromRow, Opportunity, User, _one
from salescore.models.postmortem import MATERIAL_KINDS, REQUIRED_KINDS
from salescore.postmortem.defaults import MATERIAL_LABELS

KINDS_HELP = " | ".join(MATERIAL_KINDS)


@strawberry.type(description="One piece of a post-mortem's evidence package: files and/or text of one kind.")
class PostMortemMaterial(FromRow):
    id: strawberry.ID
    post_mortem_id: strawberry.ID
    kind: str = strawberry.field(description=KINDS_HELP)
    label: str = strawberry.field(description="The kind's label, e.g. 沟通录音文字稿")
    text: str | None
    attachment_ids: list[strawberry.ID] = strawberry.field(
        description="Its files (the bytes: GET /api/v1/opportunities/{id}/post-mortem/materials/"
        "{material_id}/files/{file_id})"
    )
    transcript_id: strawberry.ID | None = strawberry.field(description="A call transcript cited as material")
    created_by: strawberry.ID | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: Any, **overrides: Any) -> Self:
        return super().from_row(
            row,
            label=MATERIAL_LABELS.get(row.kind, row.kind),
            attachment_ids=[strawberry.ID(str(a)) for a in row.attachment_ids or []],
            **overrides,
        )

    @strawberry.field(description="Its files' metadata (readable wherever the deal is).")
    async def attachments(self, info: Info) -> list[Attachment]:
        rows = await ctx(info).loaders.record_file.load_many([str(a) for a in self.attachment_ids])
        return [Attachment.from_row(row) for row in rows if row is not None]

    @strawberry.field(description="The cited transcript, when the caller may see its follow-up.")
    async def transcript(self, info: Info) -> Transcript | None:
        return await _one(ctx(info).loaders.transcript, self.transcript_id, Transcript)

    @strawberry.field
    async def creator(self, info: Info) -> User | None:
        return await _one(ctx(info).loaders.user, self.created_by, User)


@strawberry.type(description="证据复盘: a declared loss and the evidence package that must back it.")
class PostMortem(FromRow):
    id: strawberry.ID
    opportunity_id: strawberry.ID
    status: str = strawberry.field(
        description="pending: the deal is lost_pending_review; completed: the package held enough kinds and "
        "the deal became lost (locked); withdrawn: the deal was reopened or won before that"
    )
    reason: str = strawberry.field(description="A code of the tenant's loss-reason list")
    competitor: str | None
    note: str
    lost_at: datetime
    owner_id: strawberry.ID = strawberry.field(description="The deal's owner when it was lost")
    stage: str | None = strawberry.field(description="The deal's stage when it was lost")
    requested_by: strawberry.ID | None
    created_at: datetime
    completed_at: datetime | None
    withdrawn_at: datetime | None
    locked: bool = strawberry.field(description="No more materials: completed or withdrawn")
    required_kinds: int = strawberry.field(description="Distinct kinds a package needs to complete")

    @classmethod
    def from_row(cls, row: Any, **overrides: Any) -> Self:
        status = "completed" if row.completed_at else "withdrawn" if row.withdrawn_at else "pending"
        return super().from_row(
            row, status=status, locked=status != "pending", required_kinds=REQUIRED_KINDS, **overrides
        )

    async def _kinds(self, info: Info) -> list[str]:
        rows = await ctx(info).loaders.materials_of_post_mortem.load(self.id)
        present = {row.kind for row in rows}
        return [k for k in MATERIAL_KINDS if k in present]

    @strawberry.field(description="From the tenant's current list (the code itself if no longer listed)")
    async def reason_label(self, info: Info) -> str:
        return (await ctx(info).loaders.loss_reason_labels()).get(self.reason, self.reason)

    @strawberry.field(description="Oldest first.")
    async def materials(self, info: Info) -> list[PostMortemMaterial]:
        rows = await ctx(info).loaders.materials_of_post_mortem.load(self.id)
        return [PostMortemMaterial.from_row(row) for row in rows]

    @strawberry.field(description=f"Kinds the package holds, in the order {KINDS_HELP}")
    async def kinds_present(self, info: Info) -> list[str]:
        return await self._kinds(info)

    @strawberry.field(description="Kinds the package does not hold yet")
    async def kinds_missing(self, info: Info) -> list[str]:
        present = await self._kinds(info)
        return [k for k in MATERIAL_KINDS if k not in present]

    @strawberry.field(description="How many more distinct kinds complete the package (0 once completed)")
    async def kinds_needed(self, info: Info) -> int:
        if self.status == "completed":
            return 0
        return max(0, REQUIRED_KINDS - len(await self._kinds(info)))

    @strawberry.field
    async def opportunity(self, info: Info) -> Opportunity | None:
        return await _one(ctx(info).loaders.opportunity, self.opportunity_id, Opportunity)

    @strawberry.field
    async def owner(self, info: Info) -> User | None:
        return await _one(ctx(info).loaders.user, self.owner_id, User)
