"""Server-drawn SVG charts, read back with an XML parser: shapes, figures per language, mirroring, escaping."""

import xml.etree.ElementTree as ET
from datetime import date

import pytest

from shared.formats import day_text, number_text, short_day_text
from shared.i18n import translate
from shared.web.charts import FILLS, bar_chart, grouped_bar_chart, line_chart

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))


def bars_of(figure: ET.Element) -> list[ET.Element]:
    return figure.findall(f".//{SVG}rect[@class='chart-bar']")


def texts(figure: ET.Element, cls: str) -> list[ET.Element]:
    return figure.findall(f".//{SVG}text[@class='chart-{cls}']")


def table_cells(figure: ET.Element) -> list[list[str]]:
    return [["".join(cell.itertext()) for cell in row] for row in figure.findall(".//details/table/tbody/tr")]


def test_one_bar_per_category_with_heights_proportional_to_values() -> None:
    figure = parse(bar_chart([("a", 10), ("b", 20), ("c", 40)], title="Inscriptions", lang="fr"))
    bars = bars_of(figure)
    assert len(bars) == 3
    heights = [float(bar.get("height", "0")) for bar in bars]
    assert heights[1] == pytest.approx(2 * heights[0])
    assert heights[2] == pytest.approx(4 * heights[0])
    bases = {round(float(bar.get("y", "0")) + float(bar.get("height", "0")), 2) for bar in bars}
    assert len(bases) == 1  # every bar stands on the same axis


@pytest.mark.parametrize("lang", ["ar", "fr", "en"])
def test_values_and_axis_are_written_in_the_page_language(lang: str) -> None:
    figure = parse(bar_chart([("Rabat", 12345.5), ("Fès", 20000)], title="t", lang=lang, unit="MAD"))
    cells = table_cells(figure)
    assert cells[0] == ["Rabat", f"{number_text(12345.5, lang)}\u00a0MAD"]
    ticks = [t.text for t in texts(figure, "tick")]
    assert number_text(20000, lang) in ticks
    values = [t.text for t in texts(figure, "value")]
    assert values == [number_text(12345.5, lang), number_text(20000, lang)]


def test_english_french_and_arabic_figures_differ_as_their_locales_write_them() -> None:
    written = {lang: table_cells(parse(bar_chart([("x", 12345.5)], title="t", lang=lang)))[0][1]
               for lang in ("ar", "fr", "en")}
    assert written["en"] == "12,345.5"
    assert written["fr"].replace("\u202f", " ").replace("\u00a0", " ") == "12 345,5"
    assert written["ar"] == number_text(12345.5, "ar") and written["ar"] != written["en"]


def test_arabic_words_in_the_drawing_are_set_right_to_left() -> None:
    figure = parse(grouped_bar_chart(["أ"], [("المسجلون", [3]), ("الحاضرون", [2])], title="t", lang="ar"))
    names = figure.findall(f".//{SVG}g[@class='chart-legend']/{SVG}text")
    assert [n.text for n in names] == ["المسجلون", "الحاضرون"]
    assert all(n.get("direction") == "rtl" for n in names)
    xs = [float(n.get("x", "0")) for n in names]
    assert xs[0] > xs[1]  # the first series is named first, at the right


def test_arabic_runs_categories_from_right_to_left() -> None:
    data = [("أول", 1.0), ("ثان", 2.0), ("ثالث", 3.0)]
    for lang, rising in (("fr", True), ("ar", False)):
        xs = [float(bar.get("x", "0")) for bar in bars_of(parse(bar_chart(data, title="t", lang=lang)))]
        assert xs == sorted(xs, reverse=not rising)
        figure = parse(bar_chart(data, title="t", lang=lang))
        assert figure.get("dir") == ("rtl" if lang == "ar" else "ltr")


def test_arabic_line_runs_time_from_right_to_left_with_days_in_arabic() -> None:
    points = [(date(2027, 3, 1), 5.0), (date(2027, 3, 2), 7.0), (date(2027, 3, 3), 6.0)]
    for lang in ("ar", "fr"):
        figure = parse(line_chart(points, title="t", lang=lang))
        xs = [float(c.get("cx", "0")) for c in figure.findall(f".//{SVG}circle")]
        assert xs == sorted(xs, reverse=lang == "ar")
        assert [t.text for t in texts(figure, "when")] == [short_day_text(d, lang) for d, _ in points]
        assert table_cells(figure)[0][0] == day_text(points[0][0], lang)


def test_line_chart_sorts_points_by_time_and_draws_the_target() -> None:
    points = [(date(2027, 3, 3), 30.0), (date(2027, 3, 1), 10.0)]
    figure = parse(line_chart(points, title="t", lang="en", target=25, unit="%"))
    circles = figure.findall(f".//{SVG}circle")
    assert [c.get("data-value") for c in circles] == ["10.0", "30.0"]
    target = figure.find(f".//{SVG}g[@class='chart-target']")
    assert target is not None
    assert "".join(target.itertext()) == translate("chart_target", "en", value="25\u00a0%")


def test_a_label_with_markup_is_shown_as_text_never_run() -> None:
    hostile = '<script>alert("x")</script>'
    markup = str(bar_chart([(hostile, 1)], title=hostile, lang="fr"))
    assert "<script" not in markup
    figure = parse(markup)
    assert figure.find(".//script") is None and figure.find(f".//{SVG}script") is None
    assert figure.findtext(f".//{SVG}title") == hostile
    assert table_cells(figure)[0][0] == hostile


def test_charts_are_described_for_screen_readers_with_their_figures_in_a_table() -> None:
    figure = parse(grouped_bar_chart(["Jour 1", "Jour 2"], [("Inscrits", [10, 12]), ("Présents", [8, 11])],
                                     title="Présence", lang="fr"))
    svg = figure.find(f"{SVG}svg")
    assert svg is not None and svg.get("role") == "img"
    title_id, desc_id = (svg.get("aria-labelledby") or "").split()
    assert svg.findtext(f"{SVG}title") == "Présence" and svg.find(f"{SVG}title[@id='{title_id}']") is not None
    assert svg.find(f"{SVG}desc[@id='{desc_id}']") is not None
    assert figure.findtext("figcaption") == "Présence"  # seen on the page and on paper too
    assert table_cells(figure) == [["Jour 1", "10", "8"], ["Jour 2", "12", "11"]]
    assert len(bars_of(figure)) == 4


def test_series_fills_stay_apart_in_greyscale() -> None:
    figure = parse(grouped_bar_chart(["g"], [("a", [1]), ("b", [2]), ("c", [3])], title="t", lang="en"))
    fills = [bar.get("fill", "") for bar in bars_of(figure)]

    def grey(colour: str) -> float:
        r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
        return 0.299 * r + 0.587 * g + 0.114 * b

    levels = sorted(grey(f) for f in fills)
    assert all(b - a > 40 for a, b in zip(levels, levels[1:], strict=False))
    assert set(fills) <= set(FILLS)


@pytest.mark.parametrize("lang", ["ar", "fr", "en"])
def test_empty_data_says_there_is_no_data_yet(lang: str) -> None:
    for markup in (bar_chart([], title="t", lang=lang), line_chart([], title="t", lang=lang),
                   grouped_bar_chart([], [], title="t", lang=lang)):
        figure = parse(markup)
        assert figure.findtext(f".//{SVG}text[@class='chart-empty']") == translate("chart_no_data", lang)
        assert not bars_of(figure)
