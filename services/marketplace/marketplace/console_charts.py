"""The console's charts of a market's figures (``shared.web.charts``): drawn from what the use
cases return, in the page's language. Organizers' figures, exact."""

from collections.abc import Sequence

from markupsafe import Markup

from marketplace.domain import Attendance
from marketplace.figures import SalesAggregates
from marketplace.overview import MarketSales
from shared.formats import day_text
from shared.i18n import translate
from shared.web import register_texts
from shared.web.charts import bar_chart, grouped_bar_chart


def attendance_chart(attendance: Attendance, lang: str) -> Markup:
    """Per opening day, the exhibitors expected beside those checked in."""
    days = [day_text(d.day, lang) for d in attendance.days]
    return grouped_bar_chart(days, [(translate("console_expected", lang), [d.expected for d in attendance.days]),
                                    (translate("console_checked_in", lang), [d.checked_in for d in attendance.days])],
                             title=translate("console_attendance", lang), lang=lang)


def category_chart(aggregates: SalesAggregates, lang: str) -> Markup:
    bars = [(translate(f"ui_sector_{f.key}", lang), f.amount_mad or 0.0) for f in aggregates.by_category]
    return bar_chart(bars, title=translate("console_sales", lang), lang=lang, unit=translate("console_mad", lang))


def market_chart(sales: Sequence[MarketSales], lang: str) -> Markup:
    bars = [(s.market.name.pick(lang), s.total_mad) for s in sales]
    return bar_chart(bars, title=translate("console_sales_per_market", lang), lang=lang,
                     unit=translate("console_mad", lang))


register_texts({"console_mad": {"ar": "د.م.", "fr": "MAD", "en": "MAD"}})
