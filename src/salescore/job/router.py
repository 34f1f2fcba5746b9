"""HTTP for jobs: their status and result."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from salescore.job import service
from salescore.job.schemas import JobRead
from salescore.kit.deps import PrincipalDep, SessionDep
from salescore.kit.openapi import PROBLEM_RESPONSES
from salescore.models import Job

router = APIRouter(prefix="/api/v1/jobs", tags=["jobs"], responses=PROBLEM_RESPONSES)


@router.get(
    "/{job_id}",
    response_model=JobRead,
    summary="A background job's status and result",
    description=(
        "`status` goes queued → running → succeeded | failed; `result` holds the job's figures once it "
        "succeeded, `error` why it failed (a failed job is not retried: start a new one). Readable by "
        "the user who started it and by directors and admins."
    ),
)
async def get_job(session: SessionDep, principal: PrincipalDep, job_id: uuid.UUID) -> Job:
    return await service.get_job(session, principal, job_id)
