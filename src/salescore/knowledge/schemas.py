"""Knowledge-base entries in and out, and promoting one to a playbook script."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from salescore.kit.schemas import InModel, OutModel, Tag

Kind = Literal["requirement", "sop", "script", "case"]
CitationKind = Literal["post_mortem", "customer", "follow_up", "opportunity"]
Title = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Body = Annotated[str, StringConstraints(max_length=20_000)]
Tags = Annotated[list[Tag], Field(max_length=20)]
# A playbook script as the signal configuration keeps it (SPEC §9: 1-3 scripts per playbook).
SCRIPT_MAX_LENGTH = 500


class Citation(InModel):
    kind: CitationKind
    id: uuid.UUID


Citations = Annotated[list[Citation], Field(max_length=20)]


class KnowledgeEntryCreate(InModel):
    kind: Kind
    title: Title
    body: Body = ""
    tags: Tags = Field([], description="e.g. an industry: its `case` entries appear in that industry's documents")
    customer_id: uuid.UUID | None = Field(None, description="A customer you can see")
    citations: Citations = Field([], description="Records the entry rests on; each must be visible to you")


class KnowledgeEntryUpdate(InModel):
    kind: Kind | None = None
    title: Title | None = None
    body: Body | None = None
    tags: Tags | None = None
    customer_id: uuid.UUID | None = None
    citations: Citations | None = None


class CitationRead(OutModel):
    kind: str
    id: uuid.UUID


class KnowledgeEntryRead(OutModel):
    id: uuid.UUID
    kind: str
    title: str
    body: str
    tags: list[str]
    customer_id: uuid.UUID | None
    citations: list[CitationRead]
    content: dict[str, Any]
    source: dict[str, Any]
    created_by: uuid.UUID | None = Field(description="The author (null: written by the system)")
    read_only: bool = Field(description="Kept current by the system (a customer's requirement entry)")
    version: int
    created_at: datetime
    updated_at: datetime


class PromoteIn(InModel):
    signal: Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")] = Field(
        description="The signal whose playbook gets the script, e.g. budget_not_approved")
    script: Annotated[str, StringConstraints(min_length=1, max_length=SCRIPT_MAX_LENGTH)] | None = Field(
        None, description=f"Default: the entry's body, trimmed to {SCRIPT_MAX_LENGTH} characters")


class PromoteOut(OutModel):
    entry_id: uuid.UUID
    signal: str
    version: int = Field(description="The signal configuration version that carries the script")
