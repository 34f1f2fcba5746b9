"""The tenant's analytics thresholds and definitions (§10): the SPEC's defaults until a director
changes them. Kept in tenant.settings under `analytics` (a key PATCH /tenant leaves alone); every
figure that depends on one reports the value it used, so a number can be checked by hand.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from pydantic import Field, StrictFloat, StrictInt, StringConstraints, model_validator
from sqlalchemy.ext.asyncio import AsyncSession

from salescore.analytics import process_health_repository
from salescore.audit.service import record, snapshot
from salescore.kit.principal import Principal
from salescore.kit.schemas import InModel
from salescore.models import Tenant
from salescore.tenancy import service as tenancy

SETTINGS_KEY = "analytics"

Code = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Share = Annotated[StrictFloat | StrictInt, Field(ge=0, le=1)]
Days = Annotated[StrictInt, Field(ge=1, le=366)]
Hours = Annotated[StrictFloat | StrictInt, Field(gt=0, le=24 * 30)]
Codes = Annotated[list[Code], Field(min_length=1, max_length=50)]
Channel = Annotated[str, StringConstraints(pattern=r"^(call|meeting|email|wechat|visit|demo|other)$")]


class RedCheck(InModel):
    window_days: Days = Field(30, description="Quotes submitted in this many days before as_of")
    confirm_hours: Hours = Field(24, description="A quote counts as confirmed when `quote_confirmed` follows "
                                                 "on the same deal within this many hours")
    max_unconfirmed_share: Share = Field(0.35, description="Alert when the unconfirmed share is above this")


class YellowCheck(InModel):
    window_days: Days = Field(90, description="Deals whose contract was signed in this many days before as_of")
    max_median_workdays: Annotated[StrictFloat | StrictInt, Field(ge=0, le=366)] = Field(
        5, description="Alert when the median workdays from signing to first payment is above this")


class GreenCheck(InModel):
    window_days: Days = Field(90, description="Customers without any follow-up in this many days before as_of")
    grade: Annotated[str, StringConstraints(pattern=r"^[ABC]$")] = Field("A", description="The grade watched")
    max_customers: Annotated[StrictInt, Field(ge=0, le=1_000_000)] = Field(
        12, description="Alert when more customers than this go without follow-up")


class BoardSettings(InModel):
    red: RedCheck = RedCheck()
    yellow: YellowCheck = YellowCheck()
    green: GreenCheck = GreenCheck()


class KpiSettings(InModel):
    effective_channels: Annotated[list[Channel], Field(min_length=1, max_length=7)] = Field(
        ["call", "visit", "meeting", "wechat"],
        description="Follow-up channels that count as an effective follow-up (lead response, process health)")
    first_response_hours_sales: Hours = Field(4, description="Healthy lead → first effective follow-up median, "
                                                             "sales teams")
    first_response_hours_store: Hours = Field(0.5, description="Healthy median for store teams")
    stage_from: Code = Field("样机测试", description="Stage X of the stage transition rate")
    stage_to: Code = Field("终审", description="Stage Y (or later) of the stage transition rate")
    min_stage_transition_rate: Share = Field(0.65, description="Healthy stage transition rate (at least)")
    min_action_compliance_rate: Share = Field(0.82, description="Healthy action compliance rate (at least)")
    entry_latency_hours: Hours = Field(2, description="A follow-up entered within this many hours of occurring "
                                                      "counts as timely")

    @model_validator(mode="after")
    def _distinct_stages(self) -> KpiSettings:
        if self.stage_from == self.stage_to:
            raise ValueError("stage_to must differ from stage_from")
        return self


class ProcessHealthSettings(InModel):
    window_days: Days = Field(30, description="Each day's index counts the rep's records in this many days "
                                              "up to and including that day")
    objection_codes: Codes = Field(["objection_handled"], description="Action codes that are objection records")
    proposal_codes: Codes = Field(["proposal_sent", "solution_3d_provided", "tech_requirement_update"],
                                  description="Action codes that are proposal customization")


class AnalyticsSettings(InModel):
    board: BoardSettings = BoardSettings()
    kpis: KpiSettings = KpiSettings()
    process_health: ProcessHealthSettings = ProcessHealthSettings()


DEFAULTS = AnalyticsSettings()


def settings_of(tenant: Tenant) -> AnalyticsSettings:
    stored = (tenant.settings or {}).get(SETTINGS_KEY)
    return AnalyticsSettings.model_validate(stored) if stored else DEFAULTS


async def current(session: AsyncSession, tenant_id: uuid.UUID) -> AnalyticsSettings:
    return settings_of(await tenancy.get_tenant(session, tenant_id))


async def replace(session: AsyncSession, principal: Principal, data: AnalyticsSettings) -> AnalyticsSettings:
    """The whole document at once (sections left out take their defaults). Audited; never commits."""
    tenant = await tenancy.get_tenant(session, principal.tenant_id)
    await tenancy.lock_tenant(session, tenant)
    before = snapshot(tenant)
    old = settings_of(tenant)
    if old.process_health != data.process_health or old.kpis.effective_channels != data.kpis.effective_channels:
        # the stored process-health days were computed with the old definition: recompute when asked
        await process_health_repository.lock_days(session, tenant.id)
        await process_health_repository.forget_days(session, tenant.id)
    stored: dict[str, Any] = data.model_dump(mode="json")
    tenant.settings = {**(tenant.settings or {}), SETTINGS_KEY: stored}
    await session.flush()
    record(session, principal, action="update", entity="tenant", obj=tenant, before=before, tenant_id=tenant.id,
           event_type="analytics_settings.updated")
    return settings_of(tenant)
