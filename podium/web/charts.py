"""Line charts drawn on the server as SVG: no script, no network, readable by screen readers.

A chart is an ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` summarising the latest
values; each series is one ``<path>`` broken where a value is missing. Long series are thinned
to ``MAX_POINTS`` evenly spaced points (a chart is a few hundred pixels wide).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape

from markupsafe import Markup

MAX_POINTS = 400
_MARGIN_LEFT, _MARGIN_RIGHT, _MARGIN_TOP, _MARGIN_BOTTOM = 56, 12, 28, 28


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    points: Sequence[tuple[int, float | None]]
    """(epoch ms, value) in time order; ``None`` breaks the line."""


def thin(
    points: Sequence[tuple[int, float | None]], limit: int = MAX_POINTS
) -> list[tuple[int, float | None]]:
    """At most ``limit`` points, evenly spaced, the first and last kept."""
    if len(points) <= limit:
        return list(points)
    step = (len(points) - 1) / (limit - 1)
    return [points[round(index * step)] for index in range(limit)]


def _ticks(low: float, high: float, *, integer: bool, count: int = 4) -> list[float]:
    if high == low:
        return [low]
    if integer:
        step = max(1, math.ceil((high - low) / count))
        return [float(value) for value in range(int(low), int(high) + 1, step)]
    return [low + (high - low) * index / count for index in range(count + 1)]


def _format_value(value: float, integer: bool) -> str:
    if integer:
        return str(round(value))
    if value == 0:
        return "0"
    magnitude = abs(value)
    if magnitude >= 1000 or magnitude < 0.001:
        return f"{value:.2e}"
    return f"{value:.3g}"


def _format_time(ms: int, span_ms: int) -> str:
    moment = datetime.fromtimestamp(ms / 1000, tz=UTC)
    if span_ms > 2 * 86_400_000:
        return moment.strftime("%b %d")
    if span_ms > 600_000:
        return moment.strftime("%H:%M")
    return moment.strftime("%H:%M:%S")


def line_chart(
    series: Sequence[Series],
    *,
    chart_id: str,
    title: str,
    y_label: str,
    invert_y: bool = False,
    integer_y: bool = False,
    width: int = 640,
    height: int = 240,
) -> Markup:
    """The SVG of the series; a short paragraph instead when there is nothing to draw."""
    thinned = [Series(one.name, thin(one.points)) for one in series]
    values = [value for one in thinned for _, value in one.points if value is not None]
    times = [moment for one in thinned for moment, value in one.points if value is not None]
    if not values:
        return Markup('<p class="chart-empty">{}</p>').format(f"{title}: no data yet.")
    low, high = min(values), max(values)
    if integer_y:
        low, high = math.floor(low), math.ceil(high)
    if high == low:
        low, high = (low - 1, high + 1) if not integer_y else (max(low - 1, 0), high + 1)
    start, end = min(times), max(times)
    span = max(end - start, 1)
    plot_w = width - _MARGIN_LEFT - _MARGIN_RIGHT
    plot_h = height - _MARGIN_TOP - _MARGIN_BOTTOM

    def x_of(moment: int) -> float:
        return (
            _MARGIN_LEFT + (moment - start) / span * plot_w
            if end > start
            else _MARGIN_LEFT + plot_w / 2
        )

    def y_of(value: float) -> float:
        fraction = (value - low) / (high - low)
        if invert_y:
            fraction = 1 - fraction
        return _MARGIN_TOP + (1 - fraction) * plot_h

    latest = "; ".join(
        f"{one.name} {_format_value(last, integer_y)}"
        for one in thinned
        if (last := next((v for _, v in reversed(one.points) if v is not None), None)) is not None
    )
    parts = [
        f'<svg class="chart" id="{escape(chart_id)}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" '
        f'preserveAspectRatio="xMidYMid meet" data-points="{len(values)}">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(y_label)} from '
        f"{escape(_format_time(start, span))} to {escape(_format_time(end, span))} UTC. "
        f"Latest: {escape(latest)}.</desc>",
    ]
    for tick in _ticks(low, high, integer=integer_y):
        y = y_of(tick)
        parts.append(
            f'<line class="grid" x1="{_MARGIN_LEFT}" x2="{width - _MARGIN_RIGHT}" '
            f'y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="tick" x="{_MARGIN_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(_format_value(tick, integer_y))}</text>"
        )
    for index in range(4 if end > start else 1):
        moment = start + round(span * index / 3) if end > start else start
        anchor = "start" if index == 0 else "end" if index == 3 else "middle"
        parts.append(
            f'<text class="tick" x="{x_of(moment):.1f}" y="{height - 8}" text-anchor="{anchor}">'
            f"{escape(_format_time(moment, span))}</text>"
        )
    legend_x = _MARGIN_LEFT
    for index, one in enumerate(thinned):
        segments: list[str] = []
        pen_down = False
        for moment, value in one.points:
            if value is None:
                pen_down = False
                continue
            command = "L" if pen_down else "M"
            segments.append(f"{command}{x_of(moment):.1f},{y_of(value):.1f}")
            pen_down = True
        parts.append(
            f'<path class="series series-{index}" d="{" ".join(segments)}">'
            f"<title>{escape(one.name)}</title></path>"
        )
        if len(segments) == 1:  # a single point draws no line: show it as a dot
            dot_x, dot_y = segments[0][1:].split(",")
            parts.append(
                f'<circle class="series-dot series-{index}" cx="{dot_x}" cy="{dot_y}" r="3"/>'
            )
        parts.append(
            f'<rect class="swatch series-{index}" x="{legend_x}" y="8" width="12" height="4"/>'
            f'<text class="legend" x="{legend_x + 16}" y="14">{escape(one.name)}</text>'
        )
        legend_x += 24 + 8 * len(one.name)
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text and attribute above is escaped
