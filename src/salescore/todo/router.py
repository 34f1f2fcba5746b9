"""HTTP for todos."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Query, Response, status

from salescore.kit.deps import PrincipalDep, SessionDep
from salescore.kit.etag import IfMatchHeader, check_if_match, set_etag
from salescore.kit.openapi import PROBLEM_RESPONSES
from salescore.kit.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page, paginate
from salescore.kit.schemas import AwareDatetime
from salescore.models import Todo
from salescore.todo import repository as repo
from salescore.todo import service
from salescore.todo.schemas import TodoComplete, TodoCreate, TodoRead, TodoStatus, TodoUpdate

router = APIRouter(prefix="/api/v1/todos", tags=["todos"], responses=PROBLEM_RESPONSES)


@router.post("", response_model=TodoRead, status_code=status.HTTP_201_CREATED)
async def create_todo(session: SessionDep, principal: PrincipalDep, data: TodoCreate, response: Response) -> Todo:
    todo = await service.create_todo(session, principal, data)
    set_etag(response, todo.version)
    return todo


@router.get("", response_model=Page[TodoRead])
async def list_todos(
    session: SessionDep,
    principal: PrincipalDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
    status_: Annotated[TodoStatus | None, Query(alias="status")] = None,
    assignee_id: uuid.UUID | None = None,
    customer_id: uuid.UUID | None = None,
    opportunity_id: uuid.UUID | None = None,
    source: Annotated[str | None, Query(min_length=1, max_length=16, description="e.g. manual")] = None,
    due_after: Annotated[AwareDatetime | None, Query(description="Due at or after this time")] = None,
    due_before: AwareDatetime | None = None,
    updated_since: AwareDatetime | None = None,
) -> Page[TodoRead]:
    stmt = repo.todo_list(
        principal, status=status_, assignee_id=assignee_id, customer_id=customer_id,
        opportunity_id=opportunity_id, due_before=due_before, updated_since=updated_since,
        source=source, due_after=due_after,
    )
    rows, nxt = await paginate(session, stmt, Todo, limit=limit, cursor=cursor)
    return Page[TodoRead](items=rows, next_cursor=nxt)  # type: ignore[arg-type]


@router.get("/{todo_id}", response_model=TodoRead)
async def get_todo(session: SessionDep, principal: PrincipalDep, todo_id: uuid.UUID, response: Response) -> Todo:
    todo = await repo.get_todo(session, principal, todo_id)
    set_etag(response, todo.version)
    return todo


@router.patch("/{todo_id}", response_model=TodoRead)
async def update_todo(
    session: SessionDep,
    principal: PrincipalDep,
    todo_id: uuid.UUID,
    data: TodoUpdate,
    response: Response,
    if_match: IfMatchHeader = None,
) -> Todo:
    todo = await repo.get_todo(session, principal, todo_id)
    check_if_match(if_match, todo.version)
    todo = await service.update_todo(session, principal, todo, data)
    set_etag(response, todo.version)
    return todo


@router.post("/{todo_id}/complete", response_model=TodoRead)
async def complete_todo(
    session: SessionDep,
    principal: PrincipalDep,
    todo_id: uuid.UUID,
    response: Response,
    data: Annotated[TodoComplete | None, Body(description="Optional: files to add before completing")] = None,
) -> Todo:
    todo = await repo.get_todo(session, principal, todo_id)
    todo = await service.complete_todo(session, principal, todo, data.attachment_ids if data else None)
    set_etag(response, todo.version)
    return todo


@router.delete("/{todo_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_todo(
    session: SessionDep, principal: PrincipalDep, todo_id: uuid.UUID, if_match: IfMatchHeader = None
) -> None:
    todo = await repo.get_todo(session, principal, todo_id)
    check_if_match(if_match, todo.version)
    await service.delete_todo(session, principal, todo)
