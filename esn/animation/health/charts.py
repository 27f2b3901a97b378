"""Small server-side SVG charts: weekly lines, horizontal bars, a heat map.

The page's Content-Security-Policy forbids inline styles, so every colour and
size is an SVG presentation attribute (``fill``, ``fill-opacity``), never a
``style`` attribute. Each chart carries a <title> and a <desc> for screen
readers, and each data point a <title> of its own; the page also shows the same
numbers in a table. Every piece of text is escaped here: the output is safe to
insert as Markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

# Colours readable on light and dark backgrounds, told apart without colour too
# (the lines use different dash patterns and markers).
SERIES_COLOURS = ("#1f6feb", "#d9480f", "#2b8a3e", "#862e9c")
SERIES_DASHES = ("", "6 3", "2 3", "8 3 2 3")
HEAT_COLOUR = "#d9480f"
BAR_COLOUR = "#1f6feb"


@dataclass(frozen=True)
class Series:
    """One line of a line chart: its name and one value per label."""

    name: str
    values: Sequence[int | float]


def _number(value: float) -> str:
    """A coordinate with at most one decimal, for compact markup."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _open(chart_id: str, width: int, height: int, title: str, desc: str) -> list[str]:
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{escape(chart_id)}" class="health-chart"'
        f' viewBox="0 0 {width} {height}" width="100%" role="img"'
        f' aria-labelledby="{escape(title_id)} {escape(desc_id)}">',
        f'<title id="{escape(title_id)}">{escape(title)}</title>',
        f'<desc id="{escape(desc_id)}">{escape(desc)}</desc>',
    ]


def _nice_max(value: float) -> int:
    """The top of the y axis: the smallest 1, 2 or 5 times a power of ten above ``value``."""
    if value <= 0:
        return 1
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def line_chart(
    chart_id: str,
    title: str,
    desc: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    width: int = 640,
    height: int = 240,
) -> Markup:
    """Lines over ``labels`` (e.g. weeks), one per series, with a legend and axis."""
    left, right, top, bottom = 40, 10, 30, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = _nice_max(max((max(s.values, default=0) for s in series), default=0))
    count = len(labels)

    def x(index: int) -> float:
        return left + (plot_w * index / (count - 1) if count > 1 else plot_w / 2)

    def y(value: float) -> float:
        return top + plot_h - plot_h * value / top_value

    parts = _open(chart_id, width, height, title, desc)
    # Axes and the gridline at the top value.
    parts.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}"'
        ' stroke="currentColor" stroke-opacity="0.4"/>'
    )
    for tick in (0, top_value // 2, top_value) if top_value >= 2 else (0, top_value):
        parts.append(
            f'<text x="{left - 4}" y="{_number(y(tick) + 4)}" text-anchor="end"'
            f' font-size="10" fill="currentColor">{tick}</text>'
        )
        parts.append(
            f'<line x1="{left}" y1="{_number(y(tick))}" x2="{left + plot_w}"'
            f' y2="{_number(y(tick))}" stroke="currentColor" stroke-opacity="0.1"/>'
        )
    # A label under the first, the middle and the last point keeps the axis legible.
    for index in sorted({0, count // 2, count - 1}) if count else []:
        parts.append(
            f'<text x="{_number(x(index))}" y="{height - 8}" text-anchor="middle"'
            f' font-size="10" fill="currentColor">{escape(labels[index])}</text>'
        )
    for number, line in enumerate(series):
        colour = SERIES_COLOURS[number % len(SERIES_COLOURS)]
        dash = SERIES_DASHES[number % len(SERIES_DASHES)]
        points = " ".join(f"{_number(x(i))},{_number(y(v))}" for i, v in enumerate(line.values))
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(f'<g class="series" data-series="{escape(line.name)}">')
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}"'
            f' stroke-width="2"{dash_attr}/>'
        )
        for index, value in enumerate(line.values):
            parts.append(
                f'<circle cx="{_number(x(index))}" cy="{_number(y(value))}" r="3"'
                f' fill="{colour}" data-value="{value}"><title>'
                f"{escape(line.name)}, {escape(labels[index])}: {value}</title></circle>"
            )
        parts.append("</g>")
        # Legend along the top.
        legend_x = left + number * 140
        parts.append(
            f'<line x1="{legend_x}" y1="12" x2="{legend_x + 20}" y2="12" stroke="{colour}"'
            f' stroke-width="2"{dash_attr}/>'
            f'<text x="{legend_x + 24}" y="16" font-size="11" fill="currentColor">'
            f"{escape(line.name)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text and attribute escaped above


def bar_chart(
    chart_id: str,
    title: str,
    desc: str,
    bars: Sequence[tuple[str, int | float]],
    *,
    width: int = 640,
    bar_height: int = 22,
) -> Markup:
    """Horizontal bars, one per (label, value), the value written at the bar's end."""
    label_w, gap, right = 160, 6, 60
    height = max(len(bars), 1) * (bar_height + gap) + gap
    top_value = max((value for _label, value in bars), default=0) or 1
    plot_w = width - label_w - right
    parts = _open(chart_id, width, height, title, desc)
    for index, (label, value) in enumerate(bars):
        bar_y = gap + index * (bar_height + gap)
        bar_w = plot_w * value / top_value
        parts.append(
            f'<g class="bar"><text x="{label_w - 6}" y="{bar_y + bar_height - 7}"'
            f' text-anchor="end" font-size="12" fill="currentColor">{escape(label)}</text>'
            f'<rect x="{label_w}" y="{bar_y}" width="{_number(bar_w)}" height="{bar_height}"'
            f' fill="{BAR_COLOUR}" data-value="{value}"><title>{escape(label)}: {value}</title>'
            f"</rect>"
            f'<text x="{_number(label_w + bar_w + 4)}" y="{bar_y + bar_height - 7}"'
            f' font-size="12" fill="currentColor">{value}</text></g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text and attribute escaped above


def heat_level(value: int, top_value: int, levels: int = 5) -> int:
    """Which of ``levels`` intensities (0 = none) a cell gets, relative to the largest."""
    if value <= 0 or top_value <= 0:
        return 0
    return max(1, min(levels - 1, round((levels - 1) * value / top_value)))


def heat_map(
    chart_id: str,
    title: str,
    desc: str,
    labels: Sequence[str],
    matrix: Sequence[Sequence[int]],
    *,
    cell: int = 28,
) -> Markup:
    """A square grid: row ``i``, column ``j`` darker the larger ``matrix[i][j]``.

    Empty cells are outlined, so the pairs that never meet stand out.
    """
    label_w = 150
    size = len(labels)
    width = label_w + size * cell + 10
    height = label_w + size * cell + 10
    top_value = max((max(row, default=0) for row in matrix), default=0)
    parts = _open(chart_id, width, height, title, desc)
    for index, label in enumerate(labels):
        short = label if len(label) <= 22 else label[:21] + "…"
        centre = label_w + index * cell + cell / 2
        parts.append(
            f'<text x="{label_w - 6}" y="{_number(centre + 4)}" text-anchor="end"'
            f' font-size="11" fill="currentColor">{escape(short)}</text>'
            f'<text x="0" y="0" font-size="11" fill="currentColor"'
            f' transform="translate({_number(centre + 4)} {label_w - 6}) rotate(-90)">'
            f"{escape(short)}</text>"
        )
    for row_index, row in enumerate(matrix):
        for column_index, value in enumerate(row):
            level = heat_level(value, top_value)
            opacity = _number(level / 4) if level else "0"
            parts.append(
                f'<rect x="{label_w + column_index * cell}" y="{label_w + row_index * cell}"'
                f' width="{cell - 2}" height="{cell - 2}" fill="{HEAT_COLOUR}"'
                f' fill-opacity="{opacity}" stroke="currentColor" stroke-opacity="0.25"'
                f' data-value="{value}"><title>{escape(labels[row_index])} → '
                f"{escape(labels[column_index])}: {value}</title></rect>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text and attribute escaped above
