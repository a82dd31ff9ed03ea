"""Every service keeps its OpenAPI pages, serves the shared layout's files (and its icon) safely, and keeps pages
out of the API."""

from typing import Any

import pytest

from agenda.app import create_app as agenda_app
from agenda.settings import Settings as AgendaSettings
from marketplace.app import create_app as marketplace_app
from marketplace.settings import Settings as MarketplaceSettings
from recommendations.app import create_app as recommendations_app
from recommendations.settings import Settings as RecommendationsSettings
from registration.app import create_app as registration_app
from registration.settings import Settings as RegistrationSettings
from support import Infra, Keys, running, settings_for

SERVICES: list[tuple[Any, Any, str]] = [
    (registration_app, RegistrationSettings, "/register/"),
    (agenda_app, AgendaSettings, "/programme/"),
    (recommendations_app, RecommendationsSettings, "/progress"),
    (marketplace_app, MarketplaceSettings, "/exhibitor"),
]


@pytest.mark.parametrize(("create", "settings_cls", "page_prefix"), SERVICES)
async def test_service_keeps_its_openapi_pages_and_serves_the_layout_files_without_leaving_their_folder(
        infra: Infra, keys: Keys, create: Any, settings_cls: Any, page_prefix: str) -> None:
    async with running(create(settings_for(settings_cls, infra, keys))) as client:
        docs = await client.get("/docs")
        assert docs.status_code == 200 and "swagger" in docs.text.lower()
        paths = (await client.get("/openapi.json")).json()["paths"]
        assert paths and not any(p.startswith(page_prefix) or p.startswith("/static/") for p in paths)

        css = await client.get("/static/web/web.css")
        assert css.status_code == 200 and "Tadamon Arabic" in css.text
        font = await client.get("/static/web/fonts/NotoSansArabic-Regular.ttf")
        assert font.status_code == 200 and len(font.content) > 100_000
        icon = await client.get("/favicon.ico")
        assert icon.status_code == 200 and icon.headers["content-type"] == "image/x-icon"
        assert icon.content.startswith(b"\x00\x00\x01\x00")  # an ICO file
        page = await client.get({"/register/": "/", "/programme/": "/programme/none"}.get(page_prefix, page_prefix))
        assert '<link rel="icon" href="/static/web/favicon.svg"' in page.text
        assert (await client.get("/static/web/favicon.svg")).headers["content-type"].startswith("image/svg")
        for escape in ("/static/web/%2e%2e/__init__.py", "/static/web/fonts/%2e%2e/%2e%2e/__init__.py",
                       "/static/web/..%2f..%2fpdf.py", "/static/nowhere/web.css"):
            assert (await client.get(escape)).status_code == 404, escape


async def test_language_switch_sets_direction_and_is_remembered_by_a_cookie(infra: Infra, keys: Keys) -> None:
    async with running(registration_app(settings_for(RegistrationSettings, infra, keys))) as client:
        arabic = await client.get("/?lang=ar")
        assert '<html lang="ar" dir="rtl">' in arabic.text
        assert arabic.headers["content-language"] == "ar"
        again = await client.get("/")
        assert '<html lang="ar" dir="rtl">' in again.text
        english = await client.get("/?lang=en", headers={"Accept-Language": "fr"})
        assert '<html lang="en" dir="ltr">' in english.text
