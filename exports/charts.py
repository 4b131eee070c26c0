"""Geometry of the server-side SVG charts, computed exactly (int and Decimal, never float).

Everything here is handed to templates/_charts.html ready to print: scales, ticks, bar
positions and widths, line points and labels, and the dollars of the table that repeats
the numbers for screen readers. The template does no arithmetic. Amounts come in as cents.
No Flask.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal

from money import format_dollars

TENTH = Decimal("0.1")
NO_VALUE = "—"


def _at(value: Decimal | int) -> str:
    """A viewBox coordinate as printed: to a tenth."""
    return str(Decimal(value).quantize(TENTH, rounding=ROUND_HALF_UP))


def _truncate(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def short_dollars(cents: int) -> str:
    """A compact axis or bar label: $950, $12.5K, $12.3M, $1.2B (negative as -$…); $999,960 is $1M, not $1000K."""
    dollars = Decimal(abs(cents)) / 100
    number, unit = dollars.quantize(Decimal(1), rounding=ROUND_HALF_UP), ""
    for size, larger in ((10**3, "K"), (10**6, "M"), (10**9, "B")):
        if number < 1000:
            break
        number, unit = (dollars / size).quantize(TENTH, rounding=ROUND_HALF_UP), larger
    return f"{'-' if cents < 0 else ''}${str(number).removesuffix('.0')}{unit}"


def _full_dollars(cents: int | None) -> str:
    return NO_VALUE if cents is None else format_dollars(cents)


@dataclass(frozen=True)
class Scale:
    """An axis from `low` to `high` cents in steps of `step`, both ends multiples of it, zero included."""

    low: int
    high: int
    step: int

    @property
    def values(self) -> range:
        return range(self.low, self.high + 1, self.step)

    def position(self, cents: int, start: int, length: int) -> Decimal:
        """Where `cents` falls on an axis drawn from `start` over `length` units."""
        return start + Decimal(cents - self.low) * length / (self.high - self.low)


def nice_scale(values: Sequence[int], intervals: int = 5) -> Scale:
    """Include zero; round out to a step of 1, 2, 2.5 or 5 × 10^k dollars giving at most `intervals`."""
    low, high = min([0, *values]), max([0, *values])
    if high == low:
        high = 100  # nothing but zeros: an axis to a dollar
    step = next(
        step
        for exponent in itertools.count()
        for mantissa_cents in (100, 200, 250, 500)
        if (step := mantissa_cents * 10**exponent) * intervals >= high - low
    )
    return Scale(low=low // step * step, high=-(-high // step) * step, step=step)


# Horizontal grouped bars, in viewBox units.
BAR_WIDTH = 800
BAR_LABEL_WIDTH = 210  # the category names, left of the plot
BAR_PLOT_WIDTH = 500
BAR_HEIGHT, BAR_GAP, GROUP_GAP = 16, 2, 14
LEGEND_COLUMNS, LEGEND_COLUMN_WIDTH, LEGEND_ROW_HEIGHT = 4, 195, 22


@dataclass(frozen=True)
class BarSeries:
    name: str
    cents: Sequence[int | None]  # one a category; None where it has no value
    css_class: str | None = None


@dataclass(frozen=True)
class LegendEntry:
    name: str
    css_class: str
    swatch_x: str
    swatch_y: str
    label_x: str
    label_y: str


@dataclass(frozen=True)
class Tick:
    at: str  # where its gridline is drawn
    label_at: str  # where its label is drawn, on the same axis
    label: str


@dataclass(frozen=True)
class Bar:
    css_class: str
    x: str
    y: str
    width: str
    tooltip: str
    value_x: str
    value_y: str
    value_label: str


@dataclass(frozen=True)
class BarGroup:
    category: str
    label: str  # the category name, shortened to fit left of the plot
    label_y: str
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class TableRow:
    label: str
    cells: tuple[str, ...]


@dataclass(frozen=True)
class BarChart:
    id: str
    title: str
    summary: str  # what the chart shows, for screen readers
    series_names: tuple[str, ...]
    rows: tuple[TableRow, ...]  # the same numbers, a row a category
    height: int = 0
    legend: tuple[LegendEntry, ...] = ()
    ticks: tuple[Tick, ...] = ()
    groups: tuple[BarGroup, ...] = ()  # none when there is nothing to draw
    zero_x: str = ""
    plot_top: int = 0
    plot_bottom: int = 0
    tick_label_y: int = 0
    category_label_x: int = BAR_LABEL_WIDTH - 8
    width: int = BAR_WIDTH
    bar_height: int = BAR_HEIGHT

    @property
    def is_empty(self) -> bool:
        return not self.groups


def chart_id(title: str) -> str:
    """A stable id from the title: its letters and digits, other runs of characters as one hyphen."""
    slug = "".join(character if character.isalnum() else " " for character in title.lower())
    return "chart-" + ("-".join(slug.split()) or "x")


def _value(series: BarSeries, index: int) -> int | None:
    return series.cents[index] if index < len(series.cents) else None


def bar_chart(
    title: str, categories: Sequence[str], series: Sequence[BarSeries], id: str | None = None, description: str = ""
) -> BarChart:
    """Horizontal grouped bars: a group per category, a bar per series, each with its value at its end."""
    names = tuple(s.name for s in series)
    count = len(categories)
    summary = (
        f"{description + ' ' if description else ''}Horizontal grouped bar chart of {count} "
        f"{'category' if count == 1 else 'categories'} by {', '.join(names)}, in dollars. "
        "The same numbers are in the table that follows."
    )
    rows = tuple(
        TableRow(str(category), tuple(_full_dollars(_value(s, index)) for s in series))
        for index, category in enumerate(categories)
    )
    chart = BarChart(chart_id(title) if id is None else id, title, summary, names, rows)
    if not categories or not series:
        return chart
    classes = [s.css_class or f"chart-series-{index % 4 + 1}" for index, s in enumerate(series)]
    legend_rows = -(-len(series) // LEGEND_COLUMNS)
    plot_top = LEGEND_ROW_HEIGHT * legend_rows + 10
    group_height = len(series) * BAR_HEIGHT + (len(series) - 1) * BAR_GAP
    plot_bottom = plot_top + count * (group_height + GROUP_GAP)
    scale = nice_scale([value for s in series for index in range(count) if (value := _value(s, index)) is not None])

    def x(cents: int) -> Decimal:
        return scale.position(cents, BAR_LABEL_WIDTH, BAR_PLOT_WIDTH)

    zero = x(0)
    legend = tuple(
        LegendEntry(
            _truncate(s.name, 26),
            classes[index],
            swatch_x=_at(index % LEGEND_COLUMNS * LEGEND_COLUMN_WIDTH),
            swatch_y=_at(index // LEGEND_COLUMNS * LEGEND_ROW_HEIGHT + 3),
            label_x=_at(index % LEGEND_COLUMNS * LEGEND_COLUMN_WIDTH + 18),
            label_y=_at(index // LEGEND_COLUMNS * LEGEND_ROW_HEIGHT + 13),
        )
        for index, s in enumerate(series)
    )
    groups = []
    for index, category in enumerate(categories):
        top = plot_top + index * (group_height + GROUP_GAP) + Decimal(GROUP_GAP) / 2
        bars = []
        for position, s in enumerate(series):
            value = _value(s, index)
            end = x(value or 0)
            y = top + position * (BAR_HEIGHT + BAR_GAP)
            bars.append(
                Bar(
                    classes[position],
                    x=_at(min(zero, end)),
                    y=_at(y),
                    width=_at(abs(end - zero)),
                    tooltip=f"{s.name}, {category}: {_full_dollars(value)}",
                    # Each bar has its own row: the label goes after a positive bar's end, or right of zero.
                    value_x=_at(max(end, zero) + 4),
                    value_y=_at(y + Decimal(BAR_HEIGHT) / 2),
                    value_label=NO_VALUE if value is None else short_dollars(value),
                )
            )
        label = _truncate(str(category), 30)
        groups.append(BarGroup(str(category), label, _at(top + Decimal(group_height) / 2), tuple(bars)))
    return replace(
        chart,
        height=plot_bottom + 26,
        legend=legend,
        ticks=tuple(Tick(_at(x(value)), _at(x(value)), short_dollars(value)) for value in scale.values),
        groups=tuple(groups),
        zero_x=_at(zero),
        plot_top=plot_top,
        plot_bottom=plot_bottom,
        tick_label_y=plot_bottom + 16,
    )


# Lines over a few points (a sensitivity sweep), in viewBox units.
LINE_WIDTH, LINE_HEIGHT = 800, 360
LEFT, RIGHT, TOP, BOTTOM = 80, 150, 20, 40  # room for axis labels and the series names at the right
LABEL_SPACING = 12  # the least distance between two series names at the right end


@dataclass(frozen=True)
class Line:
    name: str
    css_class: str
    points: str  # SVG polyline "x,y x,y ..."
    label_y: str
    cells: tuple[str, ...]  # its values in dollars, for the table


@dataclass(frozen=True)
class LineChart:
    title: str
    x_labels: tuple[str, ...]
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    lines: tuple[Line, ...]
    width: int = LINE_WIDTH
    height: int = LINE_HEIGHT
    left: int = LEFT
    top: int = TOP
    plot_right: int = LINE_WIDTH - RIGHT
    plot_bottom: int = LINE_HEIGHT - BOTTOM
    y_label_x: int = LEFT - 8
    x_label_y: int = LINE_HEIGHT - BOTTOM + 22
    name_x: int = LINE_WIDTH - RIGHT + 8
    marker_label_y: int = TOP - 6
    marker: Tick | None = None  # a vertical line at one point (today), with its label above the plot


def line_chart(
    title: str, x_labels: Sequence[str], series: dict[str, Sequence[int]], marker: tuple[int, str] | None = None
) -> LineChart:
    """A line per series over the same points, each named at its right end; values in cents.

    `marker` (a point's index and a label) draws a vertical line there, such as today's month."""
    scale = nice_scale([value for values in series.values() for value in values])
    plot_width, plot_height = LINE_WIDTH - LEFT - RIGHT, LINE_HEIGHT - TOP - BOTTOM

    def x(index: int) -> Decimal:
        if len(x_labels) < 2:
            return LEFT + Decimal(plot_width) / 2
        return LEFT + Decimal(plot_width * index) / (len(x_labels) - 1)

    def y(cents: int) -> Decimal:
        return scale.position(cents, TOP + plot_height, -plot_height)

    ends = {name: y(values[-1]) for name, values in series.items()}
    # Keep the names at the right end from overlapping: push each at least LABEL_SPACING below the one above.
    label_ys: dict[str, Decimal] = {}
    above: Decimal | None = None
    for name in sorted(ends, key=ends.__getitem__):
        label_ys[name] = above = ends[name] if above is None else max(ends[name], above + LABEL_SPACING)
    lines = [
        Line(
            name,
            f"chart-series-{index % 8 + 1}",
            " ".join(f"{_at(x(i))},{_at(y(value))}" for i, value in enumerate(values)),
            _at(label_ys[name] + 4),  # the text's baseline, for its middle to sit at the line's end
            tuple(format_dollars(value) for value in values),
        )
        for index, (name, values) in enumerate(series.items())
    ]
    return LineChart(
        title=title,
        x_labels=tuple(x_labels),
        x_ticks=tuple(Tick(_at(x(i)), _at(x(i)), label) for i, label in enumerate(x_labels)),
        y_ticks=tuple(Tick(_at(y(value)), _at(y(value) + 4), short_dollars(value)) for value in scale.values),
        lines=tuple(sorted(lines, key=lambda line: line.name)),
        marker=None if marker is None else Tick(_at(x(marker[0])), _at(x(marker[0])), marker[1]),
    )
