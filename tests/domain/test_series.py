from __future__ import annotations

import math

from podium.domain.series import TimeSeries


def test_as_of_takes_the_latest_point_not_older_than_the_limit() -> None:
    series = TimeSeries.from_points([(3_000, 30.0), (1_000, 10.0), (2_000, 20.0)])
    values = series.as_of([500, 1_000, 1_999, 2_000, 9_000, 3_400], max_age_ms=500)
    assert math.isnan(values[0])  # before the first point
    assert list(values[1:4]) == [10.0, math.nan, 20.0] or (
        values[1] == 10.0 and math.isnan(values[2]) and values[3] == 20.0
    )
    assert math.isnan(values[4])  # the last point is too old
    assert values[5] == 30.0


def test_empty_series_knows_nothing() -> None:
    assert math.isnan(TimeSeries.empty().as_of([1], max_age_ms=10**9)[0])
    assert len(TimeSeries.empty()) == 0
