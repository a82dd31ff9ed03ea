"""Every service's /docs page loads Swagger UI from the service itself, never from a CDN, and
every service has the console's audit screen behind the browser session."""

import re
from typing import Any

import pytest
from test_web_basics import SERVICES

from support import Infra, Keys, running, settings_for


@pytest.mark.parametrize(("create", "settings_cls", "page_prefix"), SERVICES)
async def test_docs_page_loads_swagger_from_the_service_and_the_audit_screen_needs_a_session(
        infra: Infra, keys: Keys, create: Any, settings_cls: Any, page_prefix: str) -> None:
    settings = settings_for(settings_cls, infra, keys)
    async with running(create(settings)) as client:
        docs = await client.get("/docs")
        assert docs.status_code == 200
        assets = re.findall(r'(?:src|href)="([^"]+)"', docs.text)
        assert assets and all(a.startswith("/static/swagger/") for a in assets), assets
        for asset in assets:
            loaded = await client.get(asset)
            assert loaded.status_code == 200 and len(loaded.content) > 500, asset
        assert "cdn" not in docs.text.lower()
        assert (await client.get("/static/swagger/index.html")).status_code == 404
        assert (await client.get("/static/swagger/..%2findex.j2")).status_code == 404
        assert (await client.get("/redoc")).status_code == 404

        signed_out = await client.get("/console/audit", follow_redirects=False)
        assert signed_out.status_code == 303
        assert signed_out.headers["location"].startswith(f"{settings.accounts_url}/auth/refresh?next=")
        client.cookies.set("tadamon_access", keys.token("admin", name="Admin"))
        audit = await client.get("/console/audit?lang=ar")
        assert audit.status_code == 200 and 'dir="rtl"' in audit.text and 'id="audit-total"' in audit.text
