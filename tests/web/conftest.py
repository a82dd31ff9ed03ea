from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, Playwright, async_playwright
from web_support import launch


@pytest.fixture(scope="session")
async def playwright() -> AsyncIterator[Playwright]:
    async with async_playwright() as p:
        yield p


@pytest.fixture(scope="session")
async def browser(playwright: Playwright) -> AsyncIterator[Browser]:
    browser = await launch(playwright)
    try:
        yield browser
    finally:
        await browser.close()
