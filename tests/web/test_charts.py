"""Server-side SVG charts and rank changes: plain values in, markup or values out."""

from __future__ import annotations

import re

import pytest

from podium.domain.rank_changes import RankChange, rank_change, rank_changes
from podium.web.charts import Series, line_chart, thin


def test_thin_keeps_first_and_last_and_at_most_the_limit() -> None:
    points = [(index, float(index)) for index in range(1_000)]
    thinned = thin(points, 10)
    assert len(thinned) == 10
    assert thinned[0] == points[0]
    assert thinned[-1] == points[-1]
    assert thin(points[:5], 10) == points[:5]


def test_a_chart_draws_one_path_per_series_broken_at_gaps() -> None:
    svg = line_chart(
        [
            Series("recent", [(0, 1.0), (1000, None), (2000, 3.0), (3000, 2.0)]),
            Series("anchor", [(0, 0.5), (3000, 0.7)]),
        ],
        chart_id="c",
        title="Scores",
        y_label="Window scores",
    )
    paths = re.findall(r'<path class="series series-\d" d="([^"]*)"', svg)
    assert len(paths) == 2
    assert paths[0].count("M") == 2  # the gap starts a new line
    assert paths[1].count("L") == 1
    assert 'role="img"' in svg
    assert "Latest: recent 2; anchor 0.7." in svg


def test_names_are_escaped() -> None:
    svg = line_chart(
        [Series("<script>", [(0, 1.0), (1, 2.0)])],
        chart_id="x",
        title='a "quoted" <title>',
        y_label="y",
    )
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert "&lt;title&gt;" in svg


def test_no_values_is_a_sentence_not_an_empty_chart() -> None:
    html = line_chart([Series("rank", [(0, None)])], chart_id="r", title="Rank", y_label="Rank")
    assert "<svg" not in html
    assert "Rank: no data yet." in html


def test_a_rank_chart_has_whole_ticks_with_rank_one_on_top() -> None:
    svg = line_chart(
        [Series("rank", [(0, 3.0), (1, 1.0)])],
        chart_id="r",
        title="Rank",
        y_label="Rank",
        invert_y=True,
        integer_y=True,
    )
    ticks = re.findall(r'text-anchor="end">(\d+)</text>', svg)
    assert ticks == ["1", "2", "3"]
    first_tick_y = float(re.findall(r'<line class="grid" [^>]*y1="([\d.]+)"', svg)[0])
    last_tick_y = float(re.findall(r'<line class="grid" [^>]*y1="([\d.]+)"', svg)[-1])
    assert first_tick_y < last_tick_y  # rank 1 drawn above rank 3


@pytest.mark.parametrize(
    ("current", "reference", "expected"),
    [
        (1, 3, RankChange("up", 2)),
        (4, 2, RankChange("down", -2)),
        (2, 2, RankChange("same")),
        (5, None, RankChange("new")),
    ],
)
def test_rank_change(current: int, reference: int | None, expected: RankChange) -> None:
    assert rank_change(current, reference) == expected


def test_rank_changes_and_their_labels() -> None:
    changes = rank_changes({"a": 1, "b": 2, "c": 3}, {"b": 1, "a": 2})
    assert [changes[m].label for m in "abc"] == ["up 1", "down 1", "new"]
    assert [changes[m].symbol for m in "abc"] == ["▲", "▼", "★"]
