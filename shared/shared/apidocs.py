"""The ``/docs`` page (Swagger UI) with its script and style served by the service itself.

FastAPI's default page loads Swagger UI from a public CDN, which a ministry network or an
offline venue may not reach; the ``swagger-ui-bundle`` package ships the same files.
ReDoc (also CDN-only) is left out: ``/docs`` and ``/openapi.json`` are the contract's pages.
"""

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import FileResponse, HTMLResponse, Response
from swagger_ui_bundle import swagger_ui_path

SWAGGER_DIR = Path(swagger_ui_path)
SWAGGER_FILES = {"swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"}
PREFIX = "/static/swagger"


def install_docs(app: FastAPI) -> None:
    """``/docs`` from local files; the app must be built with ``docs_url=None, redoc_url=None``."""

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json", title=f"{app.title} · API",
            oauth2_redirect_url="/docs/oauth2-redirect", swagger_js_url=f"{PREFIX}/swagger-ui-bundle.js",
            swagger_css_url=f"{PREFIX}/swagger-ui.css", swagger_favicon_url=f"{PREFIX}/favicon-32x32.png")

    @app.get("/docs/oauth2-redirect", include_in_schema=False)
    async def oauth2_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get(PREFIX + "/{name}", include_in_schema=False)
    async def swagger_asset(name: str) -> Response:
        if name not in SWAGGER_FILES:  # only the named files: nothing else of the package is served
            return Response(status_code=404)
        return FileResponse(SWAGGER_DIR / name, headers={"Cache-Control": "public, max-age=86400"})


__all__ = ["install_docs"]
