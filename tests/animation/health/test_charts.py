"""The SVG charts: well-formed, accessible, carrying their data points."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from esn.animation.health import charts

SVG = "{http://www.w3.org/2000/svg}"


def _parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))  # noqa: S314 - our own markup


def test_line_chart_has_a_point_per_week_and_series() -> None:
    svg = _parse(
        charts.line_chart(
            "weekly",
            "Posts <per> week",
            "Desc & more",
            ["2025-05-05", "2025-05-12", "2025-05-19"],
            [charts.Series("Posts", [3, 0, 7]), charts.Series("Comments", [1, 2, 5])],
        )
    )
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "weekly-title weekly-desc"
    assert svg.find(f"{SVG}title").text == "Posts <per> week"  # type: ignore[union-attr]
    assert svg.find(f"{SVG}desc").text == "Desc & more"  # type: ignore[union-attr]
    series = svg.findall(f"{SVG}g")
    assert [group.get("data-series") for group in series] == ["Posts", "Comments"]
    values = [[c.get("data-value") for c in group.iter(f"{SVG}circle")] for group in series]
    assert values == [["3", "0", "7"], ["1", "2", "5"]]
    point_titles = [t.text for t in series[0].iter(f"{SVG}title")]
    assert point_titles[2] == "Posts, 2025-05-19: 7"
    # The highest value sits at the top of the plot, zero on the axis.
    circles = list(series[0].iter(f"{SVG}circle"))
    assert float(circles[1].get("cy", "0")) > float(circles[2].get("cy", "0"))
    assert "style" not in str(charts.line_chart("x", "t", "d", ["a"], []))


def test_line_chart_with_nothing_to_draw_is_still_valid() -> None:
    svg = _parse(charts.line_chart("empty", "t", "d", [], [charts.Series("Posts", [])]))
    assert list(svg.iter(f"{SVG}circle")) == []


def test_bar_chart_bars_are_proportional() -> None:
    svg = _parse(
        charts.bar_chart("segments", "Segments", "d", [("Creators", 2), ("Inactive", 8), ("R", 0)])
    )
    rects = list(svg.iter(f"{SVG}rect"))
    assert [r.get("data-value") for r in rects] == ["2", "8", "0"]
    widths = [float(r.get("width", "0")) for r in rects]
    assert widths[1] == 4 * widths[0] and widths[2] == 0


def test_heat_map_escapes_labels_and_keeps_values() -> None:
    labels = ["R&D", "<Sales>"]
    svg = _parse(charts.heat_map("matrix", "Matrix", "d", labels, [[0, 3], [1, 0]]))
    rects = list(svg.iter(f"{SVG}rect"))
    assert [r.get("data-value") for r in rects] == ["0", "3", "1", "0"]
    assert rects[0].get("fill-opacity") == "0"
    assert float(rects[1].get("fill-opacity", "0")) == 1.0
    assert rects[1].find(f"{SVG}title").text == "R&D → <Sales>: 3"  # type: ignore[union-attr]
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert "<Sales>" in texts


def test_heat_levels() -> None:
    assert [charts.heat_level(v, 8) for v in (0, 1, 2, 4, 8)] == [0, 1, 1, 2, 4]
    assert charts.heat_level(3, 0) == 0
