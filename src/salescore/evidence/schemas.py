from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import Field, StrictBool, StrictFloat, StrictInt, StringConstraints

from salescore.kit.schemas import InModel, OutModel

NodeCode = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
Coefficient = Annotated[StrictFloat, Field(gt=0, le=1, allow_inf_nan=False)]
MAX_TEXT = 20_000  # a pasted email thread
MAX_NOTE = 2_000


class NodeIn(InModel):
    code: NodeCode
    label: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    label_en: Annotated[str, StringConstraints(max_length=100)] | None = None
    coefficient: Coefficient = Field(description="0 < c ≤ 1: how far a deal with this evidence has got")
    order: Annotated[StrictInt, Field(ge=0, le=1000)]
    requires_attachment: StrictBool = False


class ThresholdsIn(InModel):
    commit: Coefficient = Field(description="Maturity from which a deal is `commit`")
    best_case: Coefficient = Field(description="Maturity from which a deal is `best_case` (at most commit)")


class EvidenceModelIn(InModel):
    nodes: Annotated[list[NodeIn], Field(min_length=1, max_length=20)]
    thresholds: ThresholdsIn
    prior_strength: Annotated[StrictFloat | StrictInt, Field(gt=0, le=1000, allow_inf_nan=False)] = Field(
        10.0, description="k: how many closed deals the coefficient counts as in a win probability"
    )


class Node(OutModel):
    code: str
    label: str
    label_en: str | None = None
    coefficient: float
    order: int
    requires_attachment: bool


class Thresholds(OutModel):
    commit: float
    best_case: float


class EvidenceModelRead(OutModel):
    version: int
    is_default: bool = Field(description="True until the first PUT stores a tenant's own version")
    nodes: list[Node]
    thresholds: Thresholds
    prior_strength: float
    created_at: datetime | None
    created_by: uuid.UUID | None


class EvidenceRead(OutModel):
    id: uuid.UUID
    opportunity_id: uuid.UUID
    node: str
    label: str | None = Field(description="The node's label (null if the node left the model)")
    coefficient: float | None
    attachment_ids: list[uuid.UUID] = Field(
        description="Download each with GET /api/v1/opportunities/{id}/evidence/{evidence_id}/files/{attachment_id}"
    )
    text: str | None
    note: str | None
    occurred_at: datetime
    created_by: uuid.UUID | None
    created_at: datetime
    revoked_at: datetime | None
    revoked_by: uuid.UUID | None
    revoke_reason: str | None


class RevokeIn(InModel):
    reason: Annotated[str, StringConstraints(min_length=1, max_length=500, strip_whitespace=True)]


class EvidenceAdded(EvidenceRead):
    maturity: float = Field(description="The deal's maturity after this change")
    forecast_category: str = Field(description="The deal's forecast category after this change")
