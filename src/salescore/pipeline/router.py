"""HTTP for pipelines: readable by everyone, written by directors and admins."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Response, status

from salescore.kit.deps import ConfigWriterDep, PrincipalDep, SessionDep
from salescore.kit.etag import IfMatchHeader, check_if_match, set_etag
from salescore.kit.i18n import Lang, LangDep, label_of
from salescore.kit.openapi import PROBLEM_RESPONSES
from salescore.models import Pipeline
from salescore.pipeline import repository as repo
from salescore.pipeline import service
from salescore.pipeline.schemas import PipelineClone, PipelineCreate, PipelineRead, PipelineUpdate

router = APIRouter(prefix="/api/v1/pipelines", tags=["pipelines"], responses=PROBLEM_RESPONSES)


def _read(pipeline: Pipeline, lang: Lang) -> dict[str, Any]:
    return {
        **{c.key: getattr(pipeline, c.key) for c in Pipeline.__table__.columns},
        "stages": [
            {**s, "label": label_of(s, lang), "labels": {"zh-CN": s.get("label") or s["code"], "en": s.get("label_en") or s.get("label") or s["code"]}}
            for s in pipeline.stages
        ],
    }


@router.get("", response_model=list[PipelineRead])
async def list_pipelines(session: SessionDep, principal: PrincipalDep, lang: LangDep) -> list[dict[str, Any]]:
    stmt = repo.pipelines(principal).order_by(Pipeline.is_default.desc(), Pipeline.created_at, Pipeline.id)
    return [_read(p, lang) for p in await session.scalars(stmt)]


@router.post("", response_model=PipelineRead, status_code=status.HTTP_201_CREATED)
async def create_pipeline(
    session: SessionDep, principal: ConfigWriterDep, lang: LangDep, data: PipelineCreate, response: Response
) -> dict[str, Any]:
    pipeline = await service.create_pipeline(session, principal, data)
    set_etag(response, pipeline.version)
    return _read(pipeline, lang)


@router.get("/{pipeline_id}", response_model=PipelineRead)
async def get_pipeline(
    session: SessionDep, principal: PrincipalDep, lang: LangDep, pipeline_id: uuid.UUID, response: Response
) -> dict[str, Any]:
    pipeline = await repo.get_pipeline(session, principal, pipeline_id)
    set_etag(response, pipeline.version)
    return _read(pipeline, lang)


@router.patch("/{pipeline_id}", response_model=PipelineRead)
async def update_pipeline(
    session: SessionDep,
    principal: ConfigWriterDep,
    lang: LangDep,
    pipeline_id: uuid.UUID,
    data: PipelineUpdate,
    response: Response,
    if_match: IfMatchHeader = None,
) -> dict[str, Any]:
    pipeline = await repo.get_pipeline(session, principal, pipeline_id)
    check_if_match(if_match, pipeline.version)
    pipeline = await service.update_pipeline(session, principal, pipeline, data)
    set_etag(response, pipeline.version)
    return _read(pipeline, lang)


@router.post("/{pipeline_id}/clone", response_model=PipelineRead, status_code=status.HTTP_201_CREATED)
async def clone_pipeline(
    session: SessionDep, principal: ConfigWriterDep, lang: LangDep, pipeline_id: uuid.UUID, response: Response,
    data: PipelineClone | None = None,
) -> dict[str, Any]:
    """Copy a pipeline (a region takes HQ's path and changes a few fields)."""
    source = await repo.get_pipeline(session, principal, pipeline_id)
    clone = await service.clone_pipeline(session, principal, source, data or PipelineClone())
    set_etag(response, clone.version)
    return _read(clone, lang)


@router.delete("/{pipeline_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_pipeline(
    session: SessionDep, principal: ConfigWriterDep, pipeline_id: uuid.UUID, if_match: IfMatchHeader = None
) -> None:
    pipeline = await repo.get_pipeline(session, principal, pipeline_id)
    check_if_match(if_match, pipeline.version)
    await service.delete_pipeline(session, principal, pipeline)
