"""HTTP for the interaction heatmap (客户互动热力图, §10). Readable by every logged-in user;
visibility limits the rows."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from salescore.analytics import heatmap as service
from salescore.analytics.heatmap_schemas import InteractionHeatmap
from salescore.analytics.service import MAX_PERIOD_DAYS
from salescore.kit.csvexport import CSV_RESPONSE, FormatQuery, csv_response
from salescore.kit.deps import PrincipalDep, SessionDep
from salescore.kit.i18n import Lang, LangDep
from salescore.kit.openapi import PROBLEM_RESPONSES
from salescore.kit.schemas import IsoDate
from salescore.models.follow_up import CHANNELS

router = APIRouter(prefix="/api/v1/analytics", tags=["analytics"], responses=PROBLEM_RESPONSES)

_DESCRIPTION = f"""\
Interactions -- follow-ups not deleted, on customers not deleted, of any channel unless `channel` is
given -- whose `occurred_at` falls in the window (tenant time, `from` to `to` inclusive), counted per
row and column.

- rows=rep: one row per user the caller may see -- every active rep and manager, zero rows included,
  plus anyone else who recorded an interaction -- sorted by name. A follow-up counts for its user.
  Cells also carry `customers`, the distinct customers touched. `limit` does not apply.
- rows=customer: the `limit` customers (of those the caller may see) with the most interactions,
  ties by name then id; `truncated` says more had some. A follow-up counts for its customer.
- cols=week: one column per Monday-start week of tenant time touching the window, keyed by its
  Monday; the first and last may be clipped to the window (their `from`/`to`, `days` < 7).
  Default window: the {service.DEFAULT_WEEKS} weeks ending with the week of `to` (from that Monday to `to`).
- cols=weekday: columns 1 (Monday) .. 7 (Sunday) of tenant time; `days` says how often each occurs in
  the window. Default window: the {service.DEFAULT_WEEKDAY_DAYS} days ending `to`.

`to` defaults to today; at most {MAX_PERIOD_DAYS} days. `team_id`: only the team's current members'
follow-ups (rows=rep) or customers owned by them (rows=customer). `owner_id`: only that owner's
customers. `column_totals` and `total` cover every visible interaction matching the filters, also of
rows left out by `limit`; `max` is the largest listed cell (the colour scale). A rep sees their own
row, a manager their teams' members (or customers), directors and admins everyone.
`format=csv`: one line per row with one column per column label, then a total line."""

RowsQuery = Annotated[Literal["rep", "customer"], Query(description="One row per rep (user) or per customer")]
ColsQuery = Annotated[
    Literal["week", "weekday"], Query(description="Columns: Monday-start weeks or weekdays")
]
ChannelQuery = Annotated[
    list[Annotated[str, Query(max_length=200)]] | None,
    Query(description=f"Only these channels ({', '.join(CHANNELS)}); repeat it or separate by commas"),
]
TOTAL_LABEL: dict[Lang, str] = {"zh": "合计", "en": "Total"}


@router.get(
    "/interaction-heatmap",
    response_model=InteractionHeatmap,
    responses=CSV_RESPONSE,
    summary="Interaction heatmap: follow-ups per rep or customer × week or weekday",
    description=_DESCRIPTION,
)
async def interaction_heatmap(
    session: SessionDep,
    principal: PrincipalDep,
    lang: LangDep,
    rows: RowsQuery = "rep",
    cols: ColsQuery = "week",
    from_: Annotated[IsoDate | None, Query(alias="from", description="First day (tenant time)")] = None,
    to: Annotated[IsoDate | None, Query(description="Last day (tenant time); default: today")] = None,
    team_id: Annotated[uuid.UUID | None, Query(description="Only this team's current members")] = None,
    owner_id: Annotated[uuid.UUID | None, Query(description="Only this owner's customers")] = None,
    channel: ChannelQuery = None,
    limit: Annotated[int, Query(ge=1, le=service.MAX_LIMIT, description="rows=customer: how many")] = (
        service.DEFAULT_LIMIT
    ),
    format_: FormatQuery = "json",
) -> Any:
    body = await service.interaction_heatmap(
        session, principal, rows=rows, cols=cols, start=from_, end=to, team_id=team_id, owner_id=owner_id,
        channels=channel, limit=limit, lang=lang,
    )
    if format_ == "csv":
        return _csv(body, lang)
    return body


def _csv(body: dict[str, Any], lang: Lang) -> Response:
    """The wide table a director opens in Excel: a line per row, a column per week or weekday."""
    labels = [c["label"] for c in body["columns"]]
    extra = ["team_name", "customers"] if body["rows"] == "rep" else ["owner_name", "grade"]
    lines = [
        {"id": item["id"], "label": item["label"], **{k: item[k] for k in extra}, "total": item["total"],
         **{label: cell["count"] for label, cell in zip(labels, item["cells"], strict=True)},
         "last_interaction_at": item["last_interaction_at"]}
        for item in body["items"]
    ]
    lines.append({
        "id": None, "label": TOTAL_LABEL[lang], "total": body["total"]["count"],
        **({"customers": body["total"]["customers"]} if body["rows"] == "rep" else {}),
        **{label: t["count"] for label, t in zip(labels, body["column_totals"], strict=True)},
    })
    columns = ["id", "label", *extra, "total", *labels, "last_interaction_at"]
    name = f"interaction-heatmap-{body['rows']}-{body['cols']}-{body['from']}-{body['to']}"
    return csv_response(lines, name, columns)
