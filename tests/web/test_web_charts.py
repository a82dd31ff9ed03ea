"""Charts in Chromium with the console's style sheets: drawn at the heights the SVG gives them,
and within a phone's width, in Arabic and French."""

from datetime import date

import pytest
from markupsafe import Markup
from playwright.async_api import Browser
from web_support import screenshot

from shared.web import STATIC_DIR
from shared.web.charts import bar_chart, grouped_bar_chart, line_chart

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def page_with_charts(lang: str) -> str:
    styles = "".join((STATIC_DIR / name).read_text() for name in ("web.css", "console.css"))
    charts = Markup("").join([
        bar_chart([("Rabat", 120), ("Fès", 60), ("Oujda", 30)], title="Inscriptions", lang=lang),
        grouped_bar_chart(["J1", "J2"], [("Inscrits", [10, 12]), ("Présents", [8, 11])], title="Présence", lang=lang),
        line_chart([(date(2027, 3, d), d * 2.5) for d in range(1, 9)], title="Ventes", lang=lang, unit="MAD",
                   target=15),
    ])
    direction = "rtl" if lang == "ar" else "ltr"
    return (f'<!doctype html><html lang="{lang}" dir="{direction}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{styles}</style></head>'
            f'<body><main id="main">{charts}</main></body></html>')


@pytest.mark.parametrize("lang", ["ar", "fr"])
async def test_charts_keep_their_drawn_heights_and_fit_a_phone(browser: Browser, lang: str) -> None:
    context = await browser.new_context(viewport=PHONE)  # type: ignore[arg-type]
    page = await context.new_page()
    await page.set_content(page_with_charts(lang))
    drawn = await page.eval_on_selector_all(
        "rect.chart-bar", "bars => bars.map(b => [b.getBBox().height, Number(b.getAttribute('height'))])")
    assert len(drawn) == 7
    for box, attribute in drawn:
        assert box == pytest.approx(attribute, abs=0.01)  # no page style overrides the geometry
    assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    widths = await page.eval_on_selector_all("svg.chart-svg", "svgs => svgs.map(s => s.getBoundingClientRect().width)")
    assert all(0 < width <= PHONE["width"] for width in widths)
    await screenshot(page, f"charts-{lang}-phone")
    await page.click(".bar-chart details summary")
    assert await page.is_visible(".bar-chart details table")
    await context.close()
