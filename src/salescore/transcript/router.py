"""HTTP for call transcripts: `POST /api/v1/follow-ups/{id}/transcript` (plain text or JSON)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Request, Response, status
from pydantic import Field

from salescore.follow_up import service as follow_up_service
from salescore.kit.deps import PrincipalDep, SessionDep
from salescore.kit.errors import PayloadTooLarge, Unprocessable, UnsupportedMediaType
from salescore.kit.openapi import PROBLEM_RESPONSES, Problem
from salescore.kit.problems import PROBLEM_JSON
from salescore.kit.schemas import OutModel
from salescore.signal.schemas import Detection
from salescore.transcript import parse, service

router = APIRouter(prefix="/api/v1/follow-ups", tags=["follow-ups"], responses=PROBLEM_RESPONSES)
MAX_BODY = 2 * 1024 * 1024  # iFlytek results are verbose: a word per object


class Segment(OutModel):
    speaker: str | None
    start_ms: int | None
    end_ms: int | None
    text: str


class TranscriptRead(OutModel):
    id: uuid.UUID
    follow_up_id: uuid.UUID
    customer_id: uuid.UUID
    format: Literal["text", "segments", "iflytek"]
    text: str
    segments: list[Segment]
    version: int
    created_by: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    signals: Detection | None = Field(None, description="Signals found in the transcript (in the answer to a POST)")


_BODY_SCHEMA = {
    "oneOf": [
        {"type": "object", "properties": {"text": {"type": "string", "maxLength": parse.MAX_TEXT}},
         "required": ["text"]},
        {"type": "object", "properties": {"segments": {"type": "array", "items": {
            "type": "object", "properties": {"speaker": {"type": "string"}, "start_ms": {"type": "integer"},
                                             "end_ms": {"type": "integer"}, "text": {"type": "string"}},
            "required": ["text"]}}}, "required": ["segments"]},
        {"type": "object", "description": "An iFlytek lfasr result: {content: {orderResult}} or {data: [...]}"},
    ]
}


async def _body(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise PayloadTooLarge(f"a transcript request is at most {MAX_BODY} bytes")
    received = bytearray()
    async for chunk in request.stream():
        received.extend(chunk)
        if len(received) > MAX_BODY:
            raise PayloadTooLarge(f"a transcript request is at most {MAX_BODY} bytes")
    return bytes(received)


def _parsed(content_type: str, body: bytes) -> parse.Parsed:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Unprocessable.field("body", "not UTF-8 text") from exc
    if content_type in ("text/plain", "text/markdown"):
        return parse.from_plain(text)
    if content_type == "application/json" or content_type.endswith("+json"):
        try:
            document = json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise Unprocessable.field("body", "not valid JSON") from exc
        return parse.from_json(document)
    raise UnsupportedMediaType("send text/plain or application/json")


@router.post(
    "/{follow_up_id}/transcript",
    response_model=TranscriptRead,
    status_code=status.HTTP_201_CREATED,
    summary="Attach (or replace) the call's transcript",
    description=(
        "`text/plain`, or `application/json` as `{text}`, `{segments: [{speaker, start_ms, end_ms, text}]}`, "
        "or an iFlytek (讯飞) lfasr result as returned (`{content: {orderResult}}` or `{data: [{bg, ed, onebest, "
        "speaker}]}`). At most 50,000 characters of text (422) and 2 MiB of body (413). The transcript is "
        "scanned for signals like the follow-up's summary; a summary and its transcript count as one "
        "conversation. 201 when new, 200 when it replaced the earlier transcript."
    ),
    openapi_extra={"requestBody": {"required": True, "content": {
        "text/plain": {"schema": {"type": "string", "maxLength": parse.MAX_TEXT}},
        "application/json": {"schema": _BODY_SCHEMA},
    }}},
    responses={200: {"model": TranscriptRead, "description": "The earlier transcript was replaced"},
               413: {"model": Problem, "description": "The body is over 2 MiB", "content": {PROBLEM_JSON: {}}},
               415: {"model": Problem, "description": "Neither text nor JSON", "content": {PROBLEM_JSON: {}}}},
)
async def put_transcript(
    request: Request, session: SessionDep, principal: PrincipalDep, follow_up_id: uuid.UUID, response: Response
) -> dict[str, Any]:
    # An id the caller cannot see is a 404 whatever the body holds.
    follow_up = await follow_up_service.get_follow_up(session, principal, follow_up_id)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    parsed = _parsed(content_type, await _body(request))
    transcript, created = await service.put_transcript(session, principal, follow_up, parsed)
    if not created:
        response.status_code = status.HTTP_200_OK
    return service.read(transcript)


@router.get("/{follow_up_id}/transcript", response_model=TranscriptRead, summary="The call's transcript")
async def get_transcript(session: SessionDep, principal: PrincipalDep, follow_up_id: uuid.UUID) -> dict[str, Any]:
    return service.read(await service.get_transcript(session, principal, follow_up_id))
