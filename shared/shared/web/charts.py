"""Charts drawn on the server as SVG: no script, no outside file, readable when printed.

Texts reach the drawing only through ``Markup.format``, which escapes them.

Each chart is a ``<figure>``: the drawing (``role="img"`` with a ``<title>`` and a ``<desc>``)
followed by a ``<details>`` holding the same figures as a table, for screen readers and
printouts. Numbers and days are written per language (``shared.formats``); in Arabic the
categories and time run from right to left and the value axis stands on the right. The
fills differ in lightness, so the series stay apart in greyscale.
"""

import math
import uuid
from collections.abc import Sequence
from datetime import date, datetime

from markupsafe import Markup

from shared import formats
from shared.i18n import RTL_LANGUAGES, translate
from shared.web import register_texts

WIDTH, HEIGHT = 640, 300
TOP, BOTTOM, AXIS_SIDE, FAR_SIDE = 24, 56, 64, 16
# Dark to light: told apart by lightness alone once printed in grey.
FILLS = ("#1f3b4d", "#5b7f95", "#a9c1cf", "#2f2f2f", "#8c8c8c")
LABEL_CHARS = 16


class Frame:
    """The plot area and the mapping of values to heights, mirrored for right-to-left."""

    def __init__(self, lang: str, top_value: float, slots: int) -> None:
        self.lang = lang
        self.rtl = lang in RTL_LANGUAGES
        self.left = FAR_SIDE if self.rtl else AXIS_SIDE
        self.right = WIDTH - (AXIS_SIDE if self.rtl else FAR_SIDE)
        self.base = HEIGHT - BOTTOM
        self.step = nice_step(top_value)
        self.top_value = max(self.step * math.ceil(top_value / self.step), self.step)
        self.slots = max(slots, 1)

    @property
    def slot(self) -> float:
        return (self.right - self.left) / self.slots

    def slot_start(self, index: int) -> float:
        """The left edge of the ``index``-th category: from the left, or from the right in Arabic."""
        return self.right - self.slot * (index + 1) if self.rtl else self.left + self.slot * index

    def at_share(self, share: float) -> float:
        """The x of a point a ``share`` (0..1) along the time axis, which runs leftwards in Arabic."""
        # Inset, so that the day written under the first and last points stays inside the drawing.
        inset = 28
        run = share * (self.right - self.left - 2 * inset)
        return self.right - inset - run if self.rtl else self.left + inset + run

    def y(self, value: float) -> float:
        return self.base - max(value, 0.0) / self.top_value * (self.base - TOP)

    def value_axis(self, unit: str | None) -> Markup:
        parts = []
        x_line = self.right if self.rtl else self.left
        x_text, anchor = (x_line + 6, "start") if self.rtl else (x_line - 6, "end")
        ticks = round(self.top_value / self.step)
        for i in range(ticks + 1):
            value = self.step * i
            y = self.y(value)
            parts.append(Markup('<line class="chart-grid" x1="{}" x2="{}" y1="{:.1f}" y2="{:.1f}" stroke="#d0d0d0"/>'
                                '<text class="chart-tick" x="{}" y="{:.1f}" text-anchor="{}" font-size="11">{}</text>')
                         .format(self.left, self.right, y, y, x_text, y + 4, anchor, value_text(value, self.lang)))
        if unit:
            side = "left" if self.rtl else "right"
            parts.append(Markup('<text class="chart-unit" x="{}" y="{}" {} font-size="11">{}</text>')
                         .format(x_text, TOP - 10, words_at(self.rtl, side), unit))
        parts.append(Markup('<line class="chart-axis" x1="{}" x2="{}" y1="{}" y2="{}" stroke="#000"/>')
                     .format(self.left, self.right, self.base, self.base))
        return Markup("").join(parts)


def nice_step(top: float) -> float:
    """A round tick step (1, 2, 2.5 or 5 times a power of ten) giving about four ticks up to ``top``."""
    if top <= 0:
        return 1.0
    raw = top / 4
    power = 10.0 ** math.floor(math.log10(raw))
    step: float = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    return step


def value_text(value: float, lang: str, unit: str | None = None) -> str:
    text = formats.number_text(value, lang)
    return f"{text}\u00a0{unit}" if unit else text


def short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[:LABEL_CHARS - 1] + "…"


def words_at(rtl: bool, side: str) -> Markup:
    """Where a text with words sits (its ``side``: left, right or middle edge at x) and its direction.

    The drawing itself is laid out left to right (``direction="ltr"`` on the root, so that
    ``start`` means left); Arabic words are set right to left, so their anchor is turned."""
    if not rtl:
        return Markup('text-anchor="{}"').format({"left": "start", "right": "end"}.get(side, "middle"))
    return Markup('text-anchor="{}" direction="rtl"').format({"left": "end", "right": "start"}.get(side, "middle"))


def _svg(title: str, desc: str, body: Markup, lang: str) -> Markup:
    key = uuid.uuid4().hex[:10]
    return Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" role="img" viewBox="0 0 {w} {h}" width="{w}" '
        'height="{h}" style="max-width:100%;height:auto" aria-labelledby="c{k}-t c{k}-d" font-family="sans-serif" '
        'direction="ltr" lang="{lang}">'
        '<title id="c{k}-t">{title}</title><desc id="c{k}-d">{desc}</desc>{body}</svg>'
    ).format(w=WIDTH, h=HEIGHT, k=key, lang=lang, title=title, desc=desc, body=body)


def _figure(svg: Markup, table: Markup, lang: str, kind: str, title: str) -> Markup:
    """The drawing under its visible caption (printed too), then the figures."""
    direction = "rtl" if lang in RTL_LANGUAGES else "ltr"
    return Markup('<figure class="chart {}-chart" dir="{}"><figcaption>{}</figcaption>{}<details class="chart-data">'
                  '<summary>{}</summary>{}</details></figure>').format(kind, direction, title, svg,
                                                                      translate("chart_data", lang), table)


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> Markup:
    head = Markup("").join(Markup('<th scope="col">{}</th>').format(h) for h in headers)
    body = Markup("").join(
        Markup("<tr>{}</tr>").format(Markup("").join(
            Markup('<th scope="row">{}</th>').format(cells[0]) if i == 0 else Markup("<td>{}</td>").format(cell)
            for i, cell in enumerate(cells)))
        for cells in rows)
    return Markup('<table class="chart-table"><thead><tr>{}</tr></thead><tbody>{}</tbody></table>').format(head, body)


def _empty(title: str, lang: str, kind: str) -> Markup:
    none = translate("chart_no_data", lang)
    body = Markup('<text class="chart-empty" x="{}" y="{}" {} font-size="14">{}</text>').format(
        WIDTH // 2, HEIGHT // 2, words_at(lang in RTL_LANGUAGES, "middle"), none)
    return _figure(_svg(title, none, body, lang), Markup(""), lang, kind, title)


def _category_label(frame: Frame, index: int, label: str) -> Markup:
    x = frame.slot_start(index) + frame.slot / 2
    return Markup('<text class="chart-category" x="{:.1f}" y="{}" {} font-size="11">{}</text>'
                  ).format(x, frame.base + 16, words_at(frame.rtl, "middle"), short(label))


def _bar(frame: Frame, x: float, width: float, value: float, fill: str, name: str, unit: str | None) -> Markup:
    y = frame.y(value)
    shown = value_text(value, frame.lang, unit)
    return Markup('<rect class="chart-bar" x="{:.2f}" y="{:.2f}" width="{:.2f}" height="{:.2f}" fill="{}" '
                  'stroke="#000" stroke-width="0.5" data-value="{}"><title>{}: {}</title></rect>').format(
        x, y, width, frame.base - y, fill, value, name, shown)


def bar_chart(bars: Sequence[tuple[str, float]], *, title: str, lang: str, unit: str | None = None) -> Markup:
    """One bar per category, in the given order (right to left in Arabic), each with its value above it."""
    if not bars:
        return _empty(title, lang, "bar")
    frame = Frame(lang, max(float(v) for _, v in bars), len(bars))
    parts = [frame.value_axis(unit)]
    width = frame.slot * 0.6
    for i, (name, value) in enumerate(bars):
        x = frame.slot_start(i) + (frame.slot - width) / 2
        parts.append(_bar(frame, x, width, float(value), FILLS[0], name, unit))
        parts.append(Markup('<text class="chart-value" x="{:.1f}" y="{:.1f}" text-anchor="middle" font-size="11">'
                            '{}</text>').format(x + width / 2, frame.y(float(value)) - 4, value_text(value, lang)))
        parts.append(_category_label(frame, i, name))
    desc = translate("chart_bar_desc", lang, count=formats.number_text(len(bars), lang),
                     low=value_text(min(v for _, v in bars), lang, unit),
                     high=value_text(max(v for _, v in bars), lang, unit))
    rows = [(name, value_text(value, lang, unit)) for name, value in bars]
    table = _table([translate("chart_category", lang), translate("chart_value", lang)], rows)
    return _figure(_svg(title, desc, Markup("").join(parts), lang), table, lang, "bar", title)


def grouped_bar_chart(groups: Sequence[str], series: Sequence[tuple[str, Sequence[float]]], *, title: str,
                      lang: str) -> Markup:
    """Per group, one bar of each series side by side, with a legend naming the series."""
    values = [float(v) for _, vs in series for v in vs[:len(groups)]]
    if not groups or not values:
        return _empty(title, lang, "grouped")
    frame = Frame(lang, max(values), len(groups))
    parts = [frame.value_axis(None), _legend(frame, [name for name, _ in series])]
    width = frame.slot * 0.8 / len(series)
    for g, group in enumerate(groups):
        start = frame.slot_start(g) + frame.slot * 0.1
        for s, (name, numbers) in enumerate(series):
            value = float(numbers[g]) if g < len(numbers) else 0.0
            place = len(series) - 1 - s if frame.rtl else s
            parts.append(_bar(frame, start + place * width, width, value, FILLS[s % len(FILLS)],
                              f"{group} · {name}", None))
        parts.append(_category_label(frame, g, group))
    desc = translate("chart_grouped_desc", lang, groups=formats.number_text(len(groups), lang),
                     series=formats.list_text([name for name, _ in series], lang))
    rows = [(group, *(value_text(numbers[g], lang) if g < len(numbers) else "" for _, numbers in series))
            for g, group in enumerate(groups)]
    table = _table([translate("chart_category", lang), *(name for name, _ in series)], rows)
    return _figure(_svg(title, desc, Markup("").join(parts), lang), table, lang, "grouped", title)


def _legend(frame: Frame, names: Sequence[str]) -> Markup:
    """The series' swatches in reading order: from the right in Arabic, the swatch before its name."""
    parts = []
    slot = (frame.right - frame.left) / max(len(names), 1)
    for i, name in enumerate(names):
        if frame.rtl:
            swatch = frame.right - slot * i - 10
            x_text, side = swatch - 4, "right"
        else:
            swatch = frame.left + slot * i
            x_text, side = swatch + 14, "left"
        parts.append(Markup('<g class="chart-legend"><rect x="{:.1f}" y="{}" width="10" height="10" fill="{}" '
                            'stroke="#000" stroke-width="0.5"/><text x="{:.1f}" y="{}" {} font-size="11">{}</text>'
                            '</g>').format(swatch, HEIGHT - 18, FILLS[i % len(FILLS)], x_text, HEIGHT - 9,
                                           words_at(frame.rtl, side), short(name)))
    return Markup("").join(parts)


def line_chart(points: Sequence[tuple[date | datetime, float]], *, title: str, lang: str, unit: str | None = None,
               target: float | None = None) -> Markup:
    """Values over time (time runs right to left in Arabic), with a dashed line at ``target`` if given."""
    if not points:
        return _empty(title, lang, "line")
    ordered = sorted(points, key=lambda p: _instant(p[0]))
    frame = Frame(lang, max([float(v) for _, v in ordered] + ([float(target)] if target is not None else [])), 1)
    first, last = _instant(ordered[0][0]), _instant(ordered[-1][0])
    span = (last - first) or 1.0
    xy = [(frame.at_share((_instant(when) - first) / span if len(ordered) > 1 else 0.5), frame.y(float(v)))
          for when, v in ordered]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
    parts = [frame.value_axis(unit), Markup('<polyline class="chart-line" points="{}" fill="none" stroke="{}" '
                                            'stroke-width="2"/>').format(path, FILLS[0])]
    for (x, y), (when, value) in zip(xy, ordered, strict=True):
        parts.append(Markup('<circle class="chart-point" cx="{:.1f}" cy="{:.1f}" r="3" fill="{}" data-value="{}">'
                            '<title>{}: {}</title></circle>').format(x, y, FILLS[0], value, _when_text(when, lang),
                                                                    value_text(value, lang, unit)))
    parts += _time_ticks(frame, xy, ordered)
    if target is not None:
        parts.append(_target_line(frame, float(target), unit))
    desc = translate("chart_line_desc", lang, first=_when_text(ordered[0][0], lang),
                     last=_when_text(ordered[-1][0], lang), value=value_text(ordered[-1][1], lang, unit))
    rows = [(_when_text(when, lang), value_text(value, lang, unit)) for when, value in ordered]
    table = _table([translate("chart_when", lang), translate("chart_value", lang)], rows)
    return _figure(_svg(title, desc, Markup("").join(parts), lang), table, lang, "line", title)


def _instant(when: date | datetime) -> float:
    if isinstance(when, datetime):
        return when.timestamp()
    return datetime(when.year, when.month, when.day).timestamp()


def _when_text(when: date | datetime, lang: str) -> str:
    return formats.day_text(when, lang)


def _time_ticks(frame: Frame, xy: Sequence[tuple[float, float]],
                ordered: Sequence[tuple[date | datetime, float]]) -> list[Markup]:
    """At most six day labels under the points, evenly picked, first and last included."""
    count = len(ordered)
    picked = sorted({round(i * (count - 1) / 5) for i in range(6)}) if count > 6 else list(range(count))
    where = words_at(frame.rtl, "middle")
    return [Markup('<text class="chart-when" x="{:.1f}" y="{}" {} font-size="11">{}</text>').format(
        xy[i][0], frame.base + 16, where, formats.short_day_text(ordered[i][0], frame.lang)) for i in picked]


def _target_line(frame: Frame, target: float, unit: str | None) -> Markup:
    y = frame.y(target)
    x_text, side = (frame.left + 4, "left") if frame.rtl else (frame.right - 4, "right")
    words = translate("chart_target", frame.lang, value=value_text(target, frame.lang, unit))
    return Markup('<g class="chart-target"><line x1="{}" x2="{}" y1="{:.1f}" y2="{:.1f}" stroke="#000" '
                  'stroke-dasharray="6 4"/><text x="{}" y="{:.1f}" {} font-size="11">{}</text></g>'
                  ).format(frame.left, frame.right, y, y, x_text, y - 4, words_at(frame.rtl, side), words)


register_texts({
    "chart_data": {"ar": "الأرقام", "fr": "Les chiffres", "en": "The figures"},
    "chart_no_data": {"ar": "لا توجد معطيات بعد.", "fr": "Pas encore de données.", "en": "No data yet."},
    "chart_category": {"ar": "الفئة", "fr": "Catégorie", "en": "Category"},
    "chart_value": {"ar": "القيمة", "fr": "Valeur", "en": "Value"},
    "chart_when": {"ar": "التاريخ", "fr": "Date", "en": "Date"},
    "chart_target": {"ar": "الهدف: {value}", "fr": "Objectif : {value}", "en": "Target: {value}"},
    "chart_bar_desc": {"ar": "{count} أعمدة، من {low} إلى {high}.", "fr": "{count} barres, de {low} à {high}.",
                       "en": "{count} bars, from {low} to {high}."},
    "chart_grouped_desc": {"ar": "{groups} مجموعات، لكل منها: {series}.", "fr": "{groups} groupes, chacun : {series}.",
                           "en": "{groups} groups, each: {series}."},
    "chart_line_desc": {"ar": "من {first} إلى {last}؛ آخر قيمة: {value}.",
                        "fr": "Du {first} au {last} ; dernière valeur : {value}.",
                        "en": "From {first} to {last}; last value: {value}."},
})


__all__ = ["bar_chart", "grouped_bar_chart", "line_chart"]
