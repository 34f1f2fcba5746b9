from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import EmailStr, Field, StrictBool, StringConstraints

from salescore.kit.schemas import CustomJSON, InModel, Name, OutModel, PastDatetime, Tag

Lifecycle = Literal["lead", "prospect", "customer", "lost"]
DecisionRole = Literal["technical", "procurement", "finance", "executive", "user", "other"]
Short = Annotated[str, StringConstraints(max_length=100)]
Money = Annotated[Decimal, Field(ge=0, le=Decimal("1e15"), max_digits=18, decimal_places=2)]


class Requirements(InModel):
    """需求明确度: has the customer provided drawings, technical parameters, a budget range?"""

    drawings: StrictBool = False
    tech_params: StrictBool = False
    budget_range: StrictBool = False


class ExternalRef(InModel):
    system: Annotated[str, StringConstraints(min_length=1, max_length=50)]
    id: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class CustomerBase(InModel):
    industry: Short | None = None
    tags: Annotated[list[Tag], Field(max_length=50)] = []
    region: Short | None = None
    country: Short | None = None
    city: Short | None = None
    lifecycle: Lifecycle = "lead"
    source: Short | None = None
    annual_purchase: Money | None = None
    requirements: Requirements = Requirements()
    external_refs: Annotated[list[ExternalRef], Field(max_length=20)] = []
    custom: CustomJSON = {}


class CustomerCreate(CustomerBase):
    name: Name
    owner_id: uuid.UUID | None = Field(None, description="Defaults to the caller.")
    team_id: uuid.UUID | None = Field(None, description="Defaults to the owner's team.")
    created_at: PastDatetime | None = Field(None, description="Historical creation time (imports); never in the future.")


class CustomerUpdate(InModel):
    name: Name | None = None
    industry: Short | None = None
    tags: Annotated[list[Tag], Field(max_length=50)] | None = None
    region: Short | None = None
    country: Short | None = None
    city: Short | None = None
    owner_id: uuid.UUID | None = None
    team_id: uuid.UUID | None = None
    lifecycle: Lifecycle | None = None
    source: Short | None = None
    annual_purchase: Money | None = None
    requirements: Requirements | None = None
    external_refs: Annotated[list[ExternalRef], Field(max_length=20)] | None = None
    custom: CustomJSON | None = None


class RequirementsRead(OutModel):
    drawings: bool = False
    tech_params: bool = False
    budget_range: bool = False


class ExternalRefRead(OutModel):
    system: str
    id: str


class CustomerRead(OutModel):
    id: uuid.UUID
    name: str
    industry: str | None
    tags: list[str]
    region: str | None
    country: str | None
    city: str | None
    owner_id: uuid.UUID | None
    team_id: uuid.UUID | None
    lifecycle: Lifecycle
    source: str | None
    annual_purchase: Decimal | None
    requirements: RequirementsRead
    grade: Literal["A", "B", "C"] | None
    health_score: float | None
    graded_at: datetime | None
    external_refs: list[ExternalRefRead]
    custom: dict[str, Any]
    version: int
    created_at: datetime
    updated_at: datetime


Phone = Annotated[str, StringConstraints(max_length=32)]


class ContactCreate(InModel):
    name: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    title: Short | None = None
    decision_role: DecisionRole = "other"
    phone: Phone | None = None
    wechat: Annotated[str, StringConstraints(max_length=64)] | None = None
    email: EmailStr | None = None


class ContactUpdate(InModel):
    name: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = None
    title: Short | None = None
    decision_role: DecisionRole | None = None
    phone: Phone | None = None
    wechat: Annotated[str, StringConstraints(max_length=64)] | None = None
    email: EmailStr | None = None


class ContactRead(OutModel):
    id: uuid.UUID
    customer_id: uuid.UUID
    name: str
    title: str | None
    decision_role: DecisionRole
    phone: str | None
    wechat: str | None
    email: str | None
    version: int
    created_at: datetime
    updated_at: datetime
