"""Pipeline configuration and stage moves. Never commits."""

from __future__ import annotations

import copy
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from salescore.audit.service import record, snapshot
from salescore.kit.crud import reject_nulls
from salescore.kit.errors import Conflict, FieldError, Forbidden, Unprocessable
from salescore.kit.principal import Principal
from salescore.kit.types import new_id, utcnow
from salescore.models import Opportunity, Pipeline, StageChange, Tenant, User
from salescore.pipeline import repository as repo
from salescore.pipeline import rules
from salescore.pipeline.defaults import DEFAULT_PIPELINES
from salescore.pipeline.schemas import PipelineClone, PipelineCreate, PipelineUpdate, StageIn
from salescore.postmortem import service as postmortem_service
from salescore.tenancy.service import register_tenant_seeder


@register_tenant_seeder
async def seed_default_pipelines(session: AsyncSession, tenant: Tenant, admin: User) -> None:
    now = utcnow()
    for spec in DEFAULT_PIPELINES:
        session.add(Pipeline(id=new_id(), tenant_id=tenant.id, created_at=now, updated_at=now, **copy.deepcopy(spec)))
    await session.flush()


def _stages(stages: list[StageIn], known_actions: set[str] | None) -> list[dict[str, Any]]:
    errors: list[FieldError] = []
    seen: set[str] = set()
    out = []
    for i, stage in enumerate(stages):
        if stage.code in seen:
            errors.append(FieldError(f"stages.{i}.code", "duplicate stage code"))
        seen.add(stage.code)
        if known_actions is not None:
            for j, code in enumerate(stage.required_actions):
                if code not in known_actions:
                    errors.append(FieldError(f"stages.{i}.required_actions.{j}", "no action template with this code"))
        item = stage.model_dump()
        item["label"] = stage.label or stage.code
        out.append(item)
    if errors:
        raise Unprocessable("invalid stages", errors=errors)
    return out


async def _known_actions(session: AsyncSession, principal: Principal) -> set[str]:
    from salescore.action.service import template_codes  # action builds on pipelines, not the reverse

    return await template_codes(session, principal.tenant_id)


async def create_pipeline(session: AsyncSession, principal: Principal, data: PipelineCreate) -> Pipeline:
    now = utcnow()
    pipeline = Pipeline(
        id=new_id(), tenant_id=principal.tenant_id, name=data.name, region=data.region,
        stages=_stages(data.stages, await _known_actions(session, principal)),
        is_default=data.is_default, created_at=now, updated_at=now,
    )
    session.add(pipeline)
    await session.flush()
    if pipeline.is_default:
        await repo.clear_default(session, principal.tenant_id, pipeline.id)
    record(session, principal, action="create", entity="pipeline", obj=pipeline)
    return pipeline


async def update_pipeline(
    session: AsyncSession, principal: Principal, pipeline: Pipeline, data: PipelineUpdate
) -> Pipeline:
    changes = data.model_dump(exclude_unset=True)
    reject_nulls(changes, ("name", "stages", "is_default"))
    if changes.get("is_default") is False and pipeline.is_default:
        raise Unprocessable.field("is_default", "make another pipeline the default instead")
    if "stages" in changes:
        changes["stages"] = _stages(data.stages or [], await _known_actions(session, principal))
    before = snapshot(pipeline)
    for key, value in changes.items():
        setattr(pipeline, key, value)
    await session.flush()
    if pipeline.is_default:
        await repo.clear_default(session, principal.tenant_id, pipeline.id)
    record(session, principal, action="update", entity="pipeline", obj=pipeline, before=before)
    return pipeline


async def clone_pipeline(
    session: AsyncSession, principal: Principal, source: Pipeline, data: PipelineClone
) -> Pipeline:
    now = utcnow()
    clone = Pipeline(
        id=new_id(), tenant_id=principal.tenant_id, name=data.name or f"{source.name}（副本）"[:100],
        region=data.region if data.region is not None else source.region,
        stages=copy.deepcopy(source.stages), is_default=False, cloned_from_id=source.id,
        created_at=now, updated_at=now,
    )
    session.add(clone)
    await session.flush()
    record(session, principal, action="create", entity="pipeline", obj=clone, extra={"cloned_from": str(source.id)})
    return clone


async def delete_pipeline(session: AsyncSession, principal: Principal, pipeline: Pipeline) -> None:
    if pipeline.is_default:
        raise Conflict("the default pipeline cannot be deleted; make another one the default first")
    if await repo.open_deals_using(session, principal.tenant_id, pipeline.id):
        raise Conflict("open deals still use this pipeline")
    before = snapshot(pipeline)
    pipeline.deleted_at = utcnow()
    await session.flush()
    record(session, principal, action="delete", entity="pipeline", obj=pipeline, before=before)


async def stage_codes_in_use(session: AsyncSession, tenant_id: uuid.UUID) -> set[str]:
    """Every stage code of the tenant's pipelines (an action's stage field may name any of them)."""
    return {code for p in await repo.all_pipelines(session, tenant_id) for code in rules.stage_codes(p)}


# --- deals ---------------------------------------------------------------------------------------

async def pipeline_for_new_deal(
    session: AsyncSession, principal: Principal, pipeline_id: uuid.UUID | None, stage: str | None
) -> tuple[uuid.UUID | None, str | None]:
    """The pipeline and stage a new deal starts in: the given ones (checked) or the defaults."""
    if pipeline_id is not None:
        pipeline = await repo.pipeline_by_id(session, principal.tenant_id, pipeline_id)
        if pipeline is None:
            raise Unprocessable.field("pipeline_id", "no such pipeline in this tenant")
    else:
        pipeline = await repo.default_pipeline(session, principal.tenant_id)
    if pipeline is None:
        return None, stage
    if stage is None:
        return pipeline.id, rules.stage_codes(pipeline)[0] if pipeline.stages else None
    if rules.stage_index(pipeline, stage) < 0:
        raise Unprocessable.field("stage", f"not a stage of {pipeline.name}: {', '.join(rules.stage_codes(pipeline))}")
    return pipeline.id, stage


async def record_first_stage(session: AsyncSession, principal: Principal, deal: Opportunity) -> None:
    """The creation move. A deal created directly in a later stage (an import, or a deal entered late)
    passed the stages before it: the move is compliant only when their requirements are met."""
    if deal.stage is not None:
        missing = await _unmet(session, deal, await _pipeline_of(session, deal), deal.stage) \
            if deal.pipeline_id is not None else []
        session.add(StageChange(
            id=new_id(), tenant_id=deal.tenant_id, opportunity_id=deal.id, pipeline_id=deal.pipeline_id,
            from_stage=None, to_stage=deal.stage, at=deal.created_at, by_id=principal.user_id, via="create",
            compliant=not missing,
        ))


async def _unmet(session: AsyncSession, deal: Opportunity, pipeline: Pipeline, to_stage: str) -> list[FieldError]:
    """Every requirement of the stages up to `to_stage` the deal does not meet (none when it is no later
    than the deal's current stage would need: callers ask for forward moves)."""
    target = rules.stage_index(pipeline, to_stage)
    if target < 0:
        return []
    needed = {code for code, _ in rules.requirements_through(pipeline, target)[1]}
    recorded = await repo.recorded_action_codes(session, deal.tenant_id, deal.id, needed) if needed else set()
    return rules.missing(deal, pipeline, target, recorded)


async def _pipeline_of(session: AsyncSession, deal: Opportunity) -> Pipeline:
    pipeline = None
    if deal.pipeline_id is not None:
        pipeline = await repo.pipeline_by_id(session, deal.tenant_id, deal.pipeline_id)
    if pipeline is None:
        pipeline = await repo.default_pipeline(session, deal.tenant_id)
    if pipeline is None:
        raise Unprocessable.field("pipeline_id", "the deal has no pipeline and the tenant has no default")
    return pipeline


async def move_stage(
    session: AsyncSession,
    principal: Principal,
    deal: Opportunity,
    to_stage: str,
    *,
    via: str = "api",
    at: datetime | None = None,
    follow_up_id: uuid.UUID | None = None,
    field_prefix: str = "",
    before: dict[str, Any] | None = None,
    override_reason: str | None = None,
) -> bool:
    """Move a deal to `to_stage` under its pipeline's rules; 422 lists every missing requirement.

    Moving forward needs the required fields and actions of every stage up to the target;
    moving back is free and reopens a closed deal (no stale won_at/lost_at is left behind).
    Writes the StageChange and the audit row (with `before`, when the caller changed the deal
    too). Returns False when the deal already was in that stage. A manager's `override_reason`
    lets a forward move through despite missing requirements, recorded as not compliant.
    """
    pipeline = await _pipeline_of(session, deal)
    target = rules.stage_index(pipeline, to_stage)
    if target < 0:
        raise Unprocessable.field(
            f"{field_prefix}stage", f"not a stage of {pipeline.name}: {', '.join(rules.stage_codes(pipeline))}"
        )
    if deal.status != "open" and via == "action":
        # A ticked action never undoes a win or a loss; reopening is a deliberate move.
        raise Unprocessable.field(
            f"{field_prefix}stage", f"the deal is {deal.status}; reopen it with POST /api/v1/opportunities/{deal.id}/stage"
        )
    before = before if before is not None else snapshot(deal)
    if deal.stage == to_stage and deal.pipeline_id == pipeline.id:
        if before != snapshot(deal):
            await session.flush()
            record(session, principal, action="update", entity="opportunity", obj=deal, before=before)
        return False
    current = rules.stage_index(pipeline, deal.stage)
    missing: list[FieldError] = []
    if target > current:
        errors = await _unmet(session, deal, pipeline, to_stage)
        if errors and override_reason is not None:
            if not (principal.is_manager or principal.sees_whole_tenant):
                raise Forbidden("only managers, directors and admins may override stage requirements")
            missing, errors = errors, []
        if errors:
            if field_prefix:  # set by an action: the stage field it carried is what failed
                errors = [FieldError(f"{field_prefix}stage", f"{e['field']}: {e['message']}") for e in errors]
            raise Unprocessable(f"stage {to_stage} needs: " + "; ".join(e["field"] for e in errors), errors=errors)
    events = ["opportunity.stage_changed"]
    was = deal.status
    if deal.status != "open":
        deal.status, deal.won_at, deal.lost_at, deal.lost_reason = "open", None, None, None
        events.append("opportunity.reopened")
    from_stage = deal.stage
    deal.stage, deal.pipeline_id = to_stage, pipeline.id
    session.add(StageChange(
        id=new_id(), tenant_id=deal.tenant_id, opportunity_id=deal.id, pipeline_id=pipeline.id,
        from_stage=from_stage, to_stage=to_stage, at=at or utcnow(), by_id=principal.user_id, via=via,
        follow_up_id=follow_up_id, compliant=not missing,
        override_reason=override_reason if missing else None,
    ))
    await session.flush()
    change: dict[str, Any] = {"from": from_stage, "to": to_stage, "via": via, "compliant": not missing}
    if missing:
        change |= {"override_reason": override_reason, "missing": [f"{e['field']}: {e['message']}" for e in missing]}
    record(session, principal, action="update", entity="opportunity", obj=deal, before=before,
           also_emit=tuple(events), extra={"stage_change": change})
    if was == "lost_pending_review":
        await postmortem_service.withdraw(session, principal, deal)
    return True


async def stage_history(session: AsyncSession, principal: Principal, opportunity_id: uuid.UUID) -> list[StageChange]:
    """Every move of a deal the caller has already been shown, oldest first."""
    return await repo.stage_history(session, principal, opportunity_id)


async def win(
    session: AsyncSession, principal: Principal, deal: Opportunity, won_at: datetime | None, amount: Decimal | None
) -> Opportunity:
    if deal.status == "won":
        raise Conflict("the deal is already won; move it to an earlier stage to reopen it")
    pipeline = await _pipeline_of(session, deal)
    before = snapshot(deal)
    was = deal.status
    moment = won_at or utcnow()
    deal.status, deal.won_at, deal.lost_at, deal.lost_reason = "won", moment, None, None
    if amount is not None:
        deal.amount = amount
    last = rules.last_stage(pipeline)
    events = ["opportunity.won"]
    if last is not None and deal.stage != last:
        # A win is a fact, never refused; skipping the last stages' requirements makes the move non-compliant.
        missing = await _unmet(session, deal, pipeline, last)
        session.add(StageChange(
            id=new_id(), tenant_id=deal.tenant_id, opportunity_id=deal.id, pipeline_id=pipeline.id,
            from_stage=deal.stage, to_stage=last, at=moment, by_id=principal.user_id, via="win",
            compliant=not missing,
        ))
        deal.stage, deal.pipeline_id = last, pipeline.id
        events.append("opportunity.stage_changed")
    await session.flush()
    record(session, principal, action="update", entity="opportunity", obj=deal, before=before, also_emit=tuple(events))
    if was == "lost_pending_review":
        await postmortem_service.withdraw(session, principal, deal)
    return deal
