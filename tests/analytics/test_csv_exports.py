"""Every analytics endpoint answers `?format=csv`: the same figures as a table a director opens in Excel."""

from __future__ import annotations

import csv
import io

import pytest

from tests.analytics.test_three_color_board import act, at, deal_of
from tests.support import Harness

# path, extra params, columns the table must have, the row tags it must show
CASES = [
    ("daily-reports", {}, {"level", "submitted", "submission_rate"}, ("level", {"user", "total"})),
    ("action-effectiveness", {"from": "2026-10-01", "to": "2026-10-31"}, {"code", "times_used", "wins"}, None),
    ("grading-accuracy", {}, {"as_of", "accuracy", "baseline.accuracy"}, None),
    ("forecast", {}, {"level", "expected"}, ("level", {"total"})),
    ("forecast-accuracy", {}, {"period", "expected", "deviation"}, None),
    ("forecast-heatmap", {}, {"part", "stage", "completeness"}, ("part", {"cell"})),
    ("loss-reasons", {}, {"view"}, None),
    ("three-color-board", {}, {"check", "value", "status", "ids"}, ("check", {"red", "yellow", "green"})),
    ("kpis", {"weeks": 2}, {"metric", "week_start", "value", "n"}, None),
    ("process-health", {"group_by": "team"}, {"group_by", "key", "day", "index"}, None),
    ("interaction-heatmap", {}, set(), None),
    ("diagnosis", {}, {"question", "value", "status", "how"}, None),
]


@pytest.mark.parametrize(("path", "params", "columns", "tags"), CASES, ids=[c[0] for c in CASES])
async def test_analytics_answer_csv(h: Harness, path: str, params: dict[str, object], columns: set[str],
                                    tags: tuple[str, set[str]] | None) -> None:
    org = await h.org()
    rep = org.reps[0]
    customer, deal = await deal_of(h, rep)
    await act(h, rep, customer, deal, at(10, 12), "customer_visit")
    r = await h.client.get(f"/api/v1/analytics/{path}", params={**params, "format": "csv"},
                           headers=org.director.headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"].startswith("attachment")
    text = r.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    header = next(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert columns <= set(header), header
    if tags is not None:
        assert tags[1] <= {row[tags[0]] for row in rows}
    json_body = await h.client.get(f"/api/v1/analytics/{path}", params=params, headers=org.director.headers)
    assert json_body.status_code == 200 and json_body.headers["content-type"].startswith("application/json")


async def test_an_empty_answer_still_has_its_header(h: Harness) -> None:
    org = await h.org()
    for path, must in (("action-effectiveness", {"code", "times_used"}), ("loss-reasons", {"view", "reason"}),
                       ("process-health", {"user_id", "index"}), ("forecast-heatmap", {"part", "stage"})):
        r = await h.client.get(f"/api/v1/analytics/{path}", params={"format": "csv"}, headers=org.director.headers)
        assert r.status_code == 200, r.text
        header = next(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
        assert must <= set(header), (path, header)
