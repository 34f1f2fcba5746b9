"""HTTP for automation rules: readable by every user ("做到什么程度会触发什么支持"), edited by directors/admins."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from fastapi import APIRouter, Query, Response, status

from salescore.kit.deps import ConfigWriterDep, PrincipalDep, SessionDep
from salescore.kit.etag import IfMatchHeader, check_if_match, set_etag
from salescore.kit.openapi import PROBLEM_RESPONSES
from salescore.kit.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page, paginate
from salescore.models import Rule, RuleRun
from salescore.rules import repository as repo
from salescore.rules import service
from salescore.rules.schemas import RuleCreate, RuleRead, RuleRunRead, RuleTestIn, RuleTestOut, RuleUpdate

router = APIRouter(prefix="/api/v1/rules", tags=["rules"], responses=PROBLEM_RESPONSES)
RunStatus = Literal["scheduled", "succeeded", "failed", "skipped", "dead"]


@router.get("", response_model=list[RuleRead])
async def list_rules(session: SessionDep, principal: PrincipalDep) -> list[Rule]:
    return list(await session.scalars(repo.rules(principal).order_by(Rule.position, Rule.created_at, Rule.id)))


@router.post("", response_model=RuleRead, status_code=status.HTTP_201_CREATED)
async def create_rule(session: SessionDep, principal: ConfigWriterDep, data: RuleCreate, response: Response) -> Rule:
    rule = await service.create_rule(session, principal, data)
    set_etag(response, rule.version)
    return rule


@router.get("/{rule_id}", response_model=RuleRead)
async def get_rule(session: SessionDep, principal: PrincipalDep, rule_id: uuid.UUID, response: Response) -> Rule:
    rule = await repo.get_rule(session, principal, rule_id)
    set_etag(response, rule.version)
    return rule


@router.patch("/{rule_id}", response_model=RuleRead)
async def update_rule(
    session: SessionDep, principal: ConfigWriterDep, rule_id: uuid.UUID, data: RuleUpdate, response: Response,
    if_match: IfMatchHeader = None,
) -> Rule:
    rule = await repo.get_rule(session, principal, rule_id)
    check_if_match(if_match, rule.version)
    rule = await service.update_rule(session, principal, rule, data)
    set_etag(response, rule.version)
    return rule


@router.delete("/{rule_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_rule(
    session: SessionDep, principal: ConfigWriterDep, rule_id: uuid.UUID, if_match: IfMatchHeader = None
) -> None:
    rule = await repo.get_rule(session, principal, rule_id)
    check_if_match(if_match, rule.version)
    await service.delete_rule(session, principal, rule)


@router.post("/{rule_id}/test", response_model=RuleTestOut)
async def test_rule(session: SessionDep, principal: ConfigWriterDep, rule_id: uuid.UUID, data: RuleTestIn) -> dict[str, Any]:
    """Dry run: whether the event triggers the rule, whether the condition holds, and what each action would
    do (who, what, when) — nothing is written."""
    rule = await repo.get_rule(session, principal, rule_id)
    result = await service.dry_run(session, principal, rule, data)
    await session.rollback()  # belt and braces: a dry run leaves nothing behind
    return result


@router.get("/{rule_id}/runs", response_model=Page[RuleRunRead])
async def list_runs(
    session: SessionDep, principal: PrincipalDep, rule_id: uuid.UUID, limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None, status_: RunStatus | None = Query(None, alias="status"),
) -> Page[RuleRunRead]:
    """Every run of the rule, newest first: status, attempts, error, and what each action did. What the
    actions did (titles, people, records) is shown to directors and admins; everyone else sees each
    action's kind and status, as a rule's runs may concern records outside their visibility."""
    await repo.get_rule(session, principal, rule_id)
    rows, nxt = await paginate(session, repo.runs_of(principal, rule_id, status_), RuleRun, limit=limit, cursor=cursor)
    items = [RuleRunRead.model_validate(row) for row in rows]
    if not principal.can_configure:
        for item in items:
            item.results = [{k: r.get(k) for k in ("index", "kind", "status")} for r in item.results]
    return Page[RuleRunRead](items=items, next_cursor=nxt)
