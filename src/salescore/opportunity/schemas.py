from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from salescore.customer.schemas import ExternalRef, ExternalRefRead, Money
from salescore.kit.schemas import CustomJSON, InModel, Name, OutModel, PastDatetime

Status = Literal["open", "won", "lost_pending_review", "lost"]
ForecastClaim = Literal["pipeline", "best_case", "commit"]
ForecastCategory = Literal["unqualified", "pipeline", "best_case", "commit"]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
Short = Annotated[str, StringConstraints(max_length=100)]
Competitor = Annotated[str, StringConstraints(min_length=1, max_length=100)]


class OpportunityCreate(InModel):
    customer_id: uuid.UUID
    name: Name
    owner_id: uuid.UUID | None = Field(None, description="Defaults to the caller.")
    pipeline_id: uuid.UUID | None = None
    stage: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    amount: Money | None = None
    currency: Currency = "CNY"
    expected_close_date: date | None = None
    product_line: Short | None = None
    competitors: Annotated[list[Competitor], Field(max_length=20)] = []
    rep_forecast_category: ForecastClaim | None = None
    external_refs: Annotated[list[ExternalRef], Field(max_length=20)] = []
    custom: CustomJSON = {}
    created_at: PastDatetime | None = Field(None, description="Historical creation time (imports).")
    status: Literal["open", "won", "lost"] = Field(
        "open", description="Import a closed deal: `won`/`lost` with its historical won_at/lost_at (default now)."
    )
    won_at: PastDatetime | None = None
    lost_at: PastDatetime | None = None
    lost_reason: Annotated[str, StringConstraints(max_length=64)] | None = None
    contract_signed_at: PastDatetime | None = None


class OpportunityUpdate(InModel):
    name: Name | None = None
    owner_id: uuid.UUID | None = None
    stage: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    amount: Money | None = None
    currency: Currency | None = None
    expected_close_date: date | None = None
    status: Literal["open", "won", "lost"] | None = Field(
        None,
        description=(
            "`won` stamps won_at (now unless given). `lost` declares a loss like POST /opportunities/{id}/lose: "
            "the deal goes to `lost_pending_review` (lost_at now unless given, lost_reason a code of the tenant's "
            "loss-reason list, default `other`) and becomes `lost` only once its post-mortem package is complete; "
            "on a deal already lost it changes nothing, and on a won deal it answers 409 (reopen it first). "
            "`open` reopens and clears the stamps (a pending post-mortem is withdrawn)."
        ),
    )
    won_at: PastDatetime | None = None
    lost_at: PastDatetime | None = Field(
        None, description="With status=lost; on a deal imported as lost it may be corrected alone"
    )
    lost_reason: Annotated[str, StringConstraints(max_length=64)] | None = Field(
        None, description="With status=lost; on a deal imported as lost it may be corrected alone"
    )
    product_line: Short | None = None
    competitors: Annotated[list[Competitor], Field(max_length=20)] | None = None
    rep_forecast_category: ForecastClaim | None = None
    external_refs: Annotated[list[ExternalRef], Field(max_length=20)] | None = None
    custom: CustomJSON | None = None


class WinProbability(OutModel):
    mean: float = Field(description="Mean of the Beta posterior (SPEC §8)")
    low: float = Field(description="Its 10th percentile")
    high: float = Field(description="Its 90th percentile")


class OpportunityRead(OutModel):
    id: uuid.UUID
    customer_id: uuid.UUID
    owner_id: uuid.UUID
    name: str
    pipeline_id: uuid.UUID | None
    stage: str | None
    amount: Decimal | None
    currency: str
    expected_close_date: date | None
    status: Status
    product_line: str | None
    competitors: list[str]
    rep_forecast_category: ForecastClaim | None
    maturity: float = Field(description="商机成熟度: the highest coefficient among the deal's unrevoked evidence")
    forecast_category: ForecastCategory = Field(description="What the evidence says (the rep's claim is rep_forecast_category)")
    evidenced_nodes: list[str] = Field(description="Evidence nodes the deal's unrevoked evidence covers, in model order")
    win_probability: WinProbability = Field(
        description="Calibrated from closed deals at the checkpoint nearest this deal's days to close; "
        "won = 1, lost = 0"
    )
    quote_submitted_at: datetime | None
    quote_confirmed_at: datetime | None
    contract_signed_at: datetime | None
    won_at: datetime | None
    lost_at: datetime | None
    lost_reason: str | None
    external_refs: list[ExternalRefRead]
    custom: dict[str, Any]
    version: int
    created_at: datetime
    updated_at: datetime
