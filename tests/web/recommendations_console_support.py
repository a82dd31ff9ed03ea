"""What the recommendations console tests share: the windows and languages walked, the layout checks
every screen must pass, and screenshots named by screen, language and window."""

from playwright.async_api import Page
from web_support import WINDOWS, screenshot

AMINA, YOUSSEF = "amina.organizer@tadamon.ma", "youssef.organizer@tadamon.ma"
WALKS = [(lang, window) for lang in ("ar", "fr") for window in WINDOWS]


async def check_screen(page: Page, screen: str, lang: str, window: str) -> None:
    """Arabic pages run right to left; no screen scrolls sideways on a phone; then the screenshot."""
    assert await page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
    assert await page.get_attribute("html", "lang") == lang
    if window == "phone":
        overflow = await page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{screen} scrolls sideways by {overflow}px on a phone"
    await screenshot(page, f"console-recommendations-{screen}-{lang}-{window}")
