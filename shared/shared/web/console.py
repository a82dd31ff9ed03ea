"""What the organizer console pages of every service share: the signed-in person, the navigation
across services, the csrf field of their forms and the way refusals are shown.

Each service serves the console screens of the data it owns, under ``/console``; they call the
same use cases as its API and check the same scopes, read from the browser session's
``tadamon_access`` cookie. Changes are plain form posts that echo the ``tadamon_csrf`` cookie.
"""

from dataclasses import dataclass
from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from shared.auth import CSRF_COOKIE, Principal, check_csrf, session_principal, session_refresh_url
from shared.errors import DomainError, Forbidden
from shared.i18n import translate
from shared.web import Pages, page_language, register_texts

SERVICES = ("registration", "agenda", "recommendations", "marketplace")


@dataclass(frozen=True)
class Console:
    """The console of one service: its templates and its place in the shared navigation."""

    pages: Pages

    def render(self, request: Request, principal: Principal, name: str, context: dict[str, Any] | None = None, *,
               status_code: int = 200) -> HTMLResponse:
        settings = request.app.state.settings
        nav = [(service, f"{getattr(settings, f'{service}_url').rstrip('/')}/console") for service in SERVICES]
        values = {
            "principal": principal, "person": principal.name or principal.sub, "console_nav": nav,
            "signout_url": f"{settings.accounts_url.rstrip('/')}/signout",
            "csrf_token": request.cookies.get(CSRF_COOKIE, ""), **(context or {}),
        }
        return self.pages.render(request, name, values, status_code=status_code)

    def refusal(self, request: Request, principal: Principal, exc: DomainError) -> HTMLResponse:
        message = translate(exc.code, page_language(request), **exc.params)
        return self.render(request, principal, "console_error.html", {"message": message}, status_code=exc.status)


async def console_principal(request: Request) -> Principal | RedirectResponse:
    """The signed-in person, or a redirect through the accounts service that comes back here."""
    principal = await session_principal(request)
    if principal is None:
        return RedirectResponse(session_refresh_url(request), status_code=303)
    return principal


async def checked_post(request: Request, principal: Principal, scope: str) -> None:
    """A console form post: the csrf echo, then the same scope the API route asks for."""
    try:
        await check_csrf(request)
    except HTTPException as exc:
        raise Forbidden("csrf_failed") from exc
    if not principal.holds(scope):
        raise Forbidden("forbidden")


def holds_or_refuse(principal: Principal, scope: str) -> None:
    if not principal.holds(scope):
        raise Forbidden("forbidden")


register_texts({
    "console_title": {"ar": "فضاء المنظمين", "fr": "Console des organisateurs", "en": "Organizer console"},
    "console_nav_label": {"ar": "أقسام فضاء المنظمين", "fr": "Sections de la console", "en": "Console sections"},
    "console_nav_registration": {"ar": "المؤتمرات والتسجيلات", "fr": "Conférences et inscriptions",
                                 "en": "Conferences and registrations"},
    "console_nav_agenda": {"ar": "البرنامج", "fr": "Programme", "en": "Programme"},
    "console_nav_recommendations": {"ar": "التوصيات", "fr": "Recommandations", "en": "Recommendations"},
    "console_nav_marketplace": {"ar": "الأسواق", "fr": "Marchés", "en": "Markets"},
    "console_signed_in_as": {"ar": "متصل باسم", "fr": "Connecté en tant que", "en": "Signed in as"},
    "console_signout": {"ar": "تسجيل الخروج", "fr": "Se déconnecter", "en": "Sign out"},
})


__all__ = ["SERVICES", "Console", "checked_post", "console_principal", "holds_or_refuse"]
