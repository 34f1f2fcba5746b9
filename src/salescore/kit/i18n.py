"""Label language from Accept-Language: zh-CN by default, English on request; codes never change."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Depends, Header

Lang = Literal["zh", "en"]


def pick_language(header: str | None) -> Lang:
    """The best of zh/en by q-value; anything else (or nothing) is zh-CN."""
    best: tuple[float, Lang] = (0.0, "zh")
    for part in (header or "").split(","):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                continue
        lang: Lang | None = "en" if tag.lower().startswith("en") else "zh" if tag.lower().startswith("zh") else None
        if lang is not None and q > best[0]:
            best = (q, lang)
    return best[1]


def language(
    accept_language: Annotated[
        str | None,
        Header(alias="Accept-Language",
               description="zh-CN (default) or en: the language of labels; codes never change"),
    ] = None,
) -> Lang:
    return pick_language(accept_language)


LangDep = Annotated[Lang, Depends(language)]


def label_of(item: dict[str, Any], lang: Lang) -> str:
    """`label` is zh-CN; `label_en` its English twin (falls back to zh when missing)."""
    if lang == "en" and item.get("label_en"):
        return str(item["label_en"])
    return str(item.get("label", ""))
