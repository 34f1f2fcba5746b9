"""/healthz, /readyz, /metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from salescore.ops.metrics import render

router = APIRouter(tags=["ops"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "A dependency is unreachable"}})
async def readyz(request: Request) -> JSONResponse:
    """The database and the event queue are reachable."""
    runtime = request.app.state.runtime
    checks = {
        "database": "ok" if await runtime.ping_database() else "unavailable",
        "queue": "ok" if await runtime.queue.ping() else "unavailable",
    }
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks, "queue_kind": "in-process" if runtime.embedded else "arq"},
        status_code=200 if ready else 503,
    )


@router.get("/metrics", response_class=Response)
async def metrics() -> Response:
    """Prometheus exposition format."""
    body, content_type = render()
    return Response(body, media_type=content_type)
