"""Geometry for server-side SVG line charts (the template only draws what this computes)."""

from __future__ import annotations

import math
from dataclasses import dataclass

WIDTH, HEIGHT = 800, 360
LEFT, RIGHT, TOP, BOTTOM = 80, 150, 20, 40  # room for axis labels and the series names at the right


@dataclass(frozen=True)
class Series:
    name: str
    css_class: str
    values: tuple[int, ...]
    points: str  # SVG polyline "x,y x,y ..."
    label_y: float


@dataclass(frozen=True)
class LineChart:
    title: str
    x_labels: tuple[str, ...]
    x_ticks: tuple[tuple[float, str], ...]
    y_ticks: tuple[tuple[float, str], ...]
    series: tuple[Series, ...]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    top: int = TOP
    plot_right: int = WIDTH - RIGHT
    plot_bottom: int = HEIGHT - BOTTOM


def _nice_step(span: float, intervals: int = 5) -> float:
    raw = span / intervals
    magnitude = 10 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)


def short_dollars(value: float) -> str:
    for size, unit in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(value) >= size:
            return f"${value / size:.1f}".rstrip("0").rstrip(".") + unit
    return f"${value:,.0f}"


def line_chart(title: str, x_labels: list[str], series: dict[str, list[int]]) -> LineChart:
    top_value = max([max(values) for values in series.values() if values] + [1])
    step = _nice_step(top_value)
    y_max = step * math.ceil(top_value / step)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(i: int) -> float:
        return LEFT + (plot_w * i / (len(x_labels) - 1) if len(x_labels) > 1 else plot_w / 2)

    def y(value: float) -> float:
        return TOP + plot_h - plot_h * value / y_max

    drawn = []
    for index, (name, values) in enumerate(series.items()):
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        drawn.append(Series(name, f"chart-series-{index % 8 + 1}", tuple(values), points, y(values[-1])))
    # Keep the names at the right end from overlapping: push each at least 12 units below the one above.
    placed, last = [], -math.inf
    for item in sorted(drawn, key=lambda s: s.label_y):
        label_y = max(item.label_y, last + 12)
        placed.append(Series(item.name, item.css_class, item.values, item.points, label_y))
        last = label_y
    ticks = round(y_max / step)
    return LineChart(
        title=title,
        x_labels=tuple(x_labels),
        x_ticks=tuple((x(i), label) for i, label in enumerate(x_labels)),
        y_ticks=tuple((y(step * k), short_dollars(step * k)) for k in range(ticks + 1)),
        series=tuple(sorted(placed, key=lambda s: s.name)),
    )
