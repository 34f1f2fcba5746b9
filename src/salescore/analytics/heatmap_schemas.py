"""Response shape of the interaction heatmap (客户互动热力图)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import ConfigDict, Field

from salescore.analytics.schemas import Period
from salescore.kit.schemas import OutModel


class HeatColumn(OutModel):
    model_config = ConfigDict(populate_by_name=True)

    key: str = Field(description="week: the week's Monday (YYYY-MM-DD); weekday: 1 (Monday) .. 7 (Sunday)")
    label: str = Field(description="week: the Monday's date; weekday: the day's name (Accept-Language)")
    from_: date | None = Field(alias="from", description="First day of the window in this column (a week may "
                                                         "be clipped to the window); null: none")
    to: date | None = Field(description="Last day of the window in this column")
    days: int = Field(description="Days of the window in this column: < 7 for a clipped week; for a weekday, "
                                  "how many such days the window holds")


class HeatCell(OutModel):
    col: str = Field(description="The column key")
    count: int = Field(description="Interactions (follow-ups) in this row and column")
    customers: int | None = Field(description="Distinct customers touched in this row and column; "
                                              "rows=rep only (null for rows=customer)")


class HeatTotal(OutModel):
    count: int = Field(description="Interactions")
    customers: int = Field(description="Distinct customers touched")


class HeatColumnTotal(HeatTotal):
    col: str


class HeatRow(OutModel):
    id: uuid.UUID = Field(description="The user (rows=rep) or the customer (rows=customer)")
    label: str = Field(description="The user's or customer's name")
    total: int = Field(description="Interactions of this row over the window")
    customers: int | None = Field(description="rows=rep: distinct customers touched over the window")
    team_id: uuid.UUID | None = Field(description="rows=rep: the user's current team")
    team_name: str | None
    owner_id: uuid.UUID | None = Field(description="rows=customer: the customer's owner")
    owner_name: str | None
    grade: str | None = Field(description="rows=customer: the customer's current grade")
    cells: list[HeatCell] = Field(description="One per column, in column order, zeros included")
    last_interaction_at: datetime | None = Field(description="The row's latest interaction in the window")


class InteractionHeatmap(Period):
    rows: str = Field(description="rep | customer")
    cols: str = Field(description="week | weekday")
    timezone: str = Field(description="The tenant time zone weeks, weekdays and days are taken in")
    channels: list[str] | None = Field(description="The channels counted; null: all")
    columns: list[HeatColumn]
    items: list[HeatRow]
    column_totals: list[HeatColumnTotal] = Field(
        description="Per column over every visible interaction matching the filters -- including rows "
                    "left out by `limit`")
    total: HeatTotal = Field(
        description="Over the whole window, every visible interaction matching the filters")
    max: int = Field(description="The largest cell count among the listed rows (0 when none): the top of "
                                 "the colour scale")
    row_count: int = Field(description="Rows there are: rows=rep every listed user; rows=customer the "
                                       "customers with at least one interaction")
    truncated: bool = Field(description="rows=customer: more customers had interactions than `limit`")
