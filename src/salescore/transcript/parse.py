"""Reading a transcript as sent: plain text, `{"text"}`, normalized `{"segments"}`, or the iFlytek
(讯飞) speech-to-text results a rep's phone or a call-recording integration forwards unchanged.

iFlytek shapes accepted:
- lfasr v2 `getResult`: {"content": {"orderResult": "<JSON>"}} whose `lattice[].json_1best` (a JSON
  string, or an object in `lattice2`) holds {"st": {"bg", "ed", "rl", "rt": [{"ws": [{"cw": [{"w"}]}]}]}};
- the older lfasr `getResult`: {"data": [{"bg", "ed", "onebest", "speaker"}]} (or that list as a JSON string).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from salescore.kit.errors import Unprocessable

MAX_TEXT = 50_000  # about three hours of conversation
MAX_SEGMENTS = 20_000


@dataclass
class Parsed:
    format: str
    text: str
    segments: list[dict[str, Any]] = field(default_factory=list)


def from_plain(body: str) -> Parsed:
    return _checked(Parsed("text", body.strip()))


def from_json(document: Any) -> Parsed:
    if not isinstance(document, dict):
        raise Unprocessable.field("body", "send a JSON object: {text}, {segments} or an iFlytek result")
    if isinstance(document.get("text"), str):
        return _checked(Parsed("text", document["text"].strip()))
    if "segments" in document:
        return _from_segments(document["segments"], "segments", "segments")
    content = document.get("content") if isinstance(document.get("content"), dict) else document
    if "orderResult" in content or "lattice" in content or "lattice2" in content:
        order = _maybe_json(content.get("orderResult", content), "content.orderResult")
        return _from_lattice(order)
    if "data" in document:
        return _from_segments(_maybe_json(document["data"], "data"), "data", "iflytek")
    raise Unprocessable.field("body", "expected `text`, `segments`, `content.orderResult` or `data`")


def _maybe_json(value: Any, path: str) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except (ValueError, RecursionError) as exc:
            raise Unprocessable.field(path, "not valid JSON") from exc
    return value


def _from_lattice(order: Any) -> Parsed:
    if not isinstance(order, dict):
        raise Unprocessable.field("content.orderResult", "expected an object with `lattice`")
    key = "lattice" if isinstance(order.get("lattice"), list) else "lattice2"
    lattice = order.get(key)
    if not isinstance(lattice, list):
        raise Unprocessable.field(f"content.orderResult.{key}", "expected a list")
    segments = []
    for index, entry in enumerate(lattice[:MAX_SEGMENTS]):
        path = f"content.orderResult.{key}.{index}.json_1best"
        best = _maybe_json(entry.get("json_1best") if isinstance(entry, dict) else None, path)
        st = best.get("st") if isinstance(best, dict) else None
        if not isinstance(st, dict):
            raise Unprocessable.field(path, "expected {st: {bg, ed, rt}}")
        words = [cw.get("w", "") for rt in _objects(st.get("rt"), path) for ws in _objects(rt.get("ws"), path)
                 for cw in _objects(ws.get("cw"), path)[:1]]
        segments.append(_segment(st.get("rl"), st.get("bg"), st.get("ed"), "".join(map(str, words)), path))
    return _joined("iflytek", segments)


def _objects(value: Any, path: str) -> list[dict[str, Any]]:
    """A list of objects in an iFlytek result (rt, ws, cw), or a 422 naming where it is not."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise Unprocessable.field(path, "expected {st: {rt: [{ws: [{cw: [{w}]}]}]}}")
    return value


def _from_segments(raw: Any, path: str, format_: str) -> Parsed:
    if not isinstance(raw, list):
        raise Unprocessable.field(path, "expected a list of segments")
    if len(raw) > MAX_SEGMENTS:
        raise Unprocessable.field(path, f"at most {MAX_SEGMENTS} segments")
    segments = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            raise Unprocessable.field(f"{path}.{index}", "expected an object")
        text = item.get("text", item.get("onebest"))
        if not isinstance(text, str):
            raise Unprocessable.field(f"{path}.{index}.text", "expected text (or iFlytek `onebest`)")
        segments.append(_segment(item.get("speaker"), item.get("start_ms", item.get("bg")),
                                 item.get("end_ms", item.get("ed")), text, f"{path}.{index}"))
    iflytek = format_ == "iflytek" or any("onebest" in item for item in raw)
    return _joined("iflytek" if iflytek else "segments", segments)


def _segment(speaker: Any, start: Any, end: Any, text: str, path: str) -> dict[str, Any]:
    return {"speaker": None if speaker in (None, "") else str(speaker)[:32],
            "start_ms": _millis(start, f"{path}.bg"), "end_ms": _millis(end, f"{path}.ed"), "text": text.strip()}


def _millis(value: Any, path: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError) as exc:
        raise Unprocessable.field(path, "expected milliseconds") from exc
    if not 0 <= number <= 10 * 24 * 3600 * 1000:
        raise Unprocessable.field(path, "out of range")
    return number


def _joined(format_: str, segments: list[dict[str, Any]]) -> Parsed:
    segments = [s for s in segments if s["text"]]
    return _checked(Parsed(format_, "\n".join(s["text"] for s in segments), segments))


def _checked(parsed: Parsed) -> Parsed:
    if not parsed.text:
        raise Unprocessable.field("text", "the transcript is empty")
    if len(parsed.text) > MAX_TEXT:
        raise Unprocessable.field("text", f"at most {MAX_TEXT} characters ({len(parsed.text)} sent)")
    if "\x00" in parsed.text:
        raise Unprocessable.field("text", "contains a NUL character")
    return parsed
