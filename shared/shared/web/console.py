"""What the organizer console pages of every service share: the signed-in person, the navigation
across services, the csrf field of their forms and the way refusals are shown.

Each service serves the console screens of the data it owns, under ``/console``; they call the
same use cases as its API and check the same scopes, read from the browser session's
``tadamon_access`` cookie. Changes are plain form posts that echo the ``tadamon_csrf`` cookie.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from shared import audit
from shared.auth import ADMIN, CSRF_COOKIE, Principal, check_csrf, session_principal, session_refresh_url
from shared.errors import DomainError, Forbidden
from shared.i18n import translate
from shared.web import WEB_DIR, Pages, page_language, register_texts

# The services with console screens, in the navigation's order; each link goes to the
# ``/console`` of the service at ``<service>_url`` (the accounts service's one shows teams).
SERVICES = ("registration", "agenda", "recommendations", "marketplace", "accounts")


def console_nav(settings: object) -> list[tuple[str, str]]:
    """(service, url of its console) for each service whose address the settings know."""
    nav = []
    for service in SERVICES:
        base = str(getattr(settings, f"{service}_url", "") or "")
        if base:
            nav.append((service, f"{base.rstrip('/')}/console"))
    return nav


@dataclass(frozen=True)
class Console:
    """The console of one service: its templates and its place in the shared navigation."""

    pages: Pages

    def render(self, request: Request, principal: Principal, name: str, context: dict[str, Any] | None = None, *,
               status_code: int = 200) -> HTMLResponse:
        settings = request.app.state.settings
        nav = console_nav(settings)
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


def _day(text: str) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.combine(date.fromisoformat(text), time(), tzinfo=UTC)
    except ValueError as exc:
        raise DomainError("field_bad_date") from exc


def audit_console_router() -> APIRouter:
    """``/console/audit`` of a service: its audit log for administrators, as ``GET /admin/audit`` reads it."""
    router = APIRouter(include_in_schema=False)

    @router.get("/console/audit", response_class=HTMLResponse)
    async def audit_log(
        request: Request, actor: Annotated[str, Query(max_length=200)] = "",
        object_id: Annotated[str, Query(max_length=200)] = "", since: Annotated[str, Query(max_length=10)] = "",
        until: Annotated[str, Query(max_length=10)] = "", page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    ) -> Response:
        who = await console_principal(request)
        if isinstance(who, RedirectResponse):
            return who
        console = Console(Pages(WEB_DIR / "templates", service=request.app.state.settings.service_name))
        try:
            holds_or_refuse(who, ADMIN)
            last = _day(until)
            found = await audit.search(request.app.state.platform.db, actor=actor or None, object_type=None,
                                       object_id=object_id or None, since=_day(since),
                                       until=last + timedelta(days=1) if last else None, page=page, page_size=50)
        except DomainError as exc:
            return console.refusal(request, who, exc)
        filters = {"actor": actor, "object_id": object_id, "since": since, "until": until}
        return console.render(request, who, "console_audit.html", {
            "found": found, "filters": filters, "pages": max(1, -(-found.total // 50)),
            "query": urlencode({k: v for k, v in filters.items() if v})})

    return router


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
    "console_nav_accounts": {"ar": "الفرق والحسابات", "fr": "Équipes et comptes", "en": "Teams and accounts"},
    "console_signed_in_as": {"ar": "متصل باسم", "fr": "Connecté en tant que", "en": "Signed in as"},
    "console_audit": {"ar": "سجل العمليات", "fr": "Journal d'audit", "en": "Audit log"},
    "console_audit_actor": {"ar": "الشخص (المعرّف)", "fr": "Personne (identifiant)", "en": "Person (id)"},
    "console_audit_object": {"ar": "الكائن (المعرّف)", "fr": "Objet (identifiant)", "en": "Object (id)"},
    "console_audit_since": {"ar": "من يوم", "fr": "Du", "en": "From"},
    "console_audit_until": {"ar": "إلى يوم", "fr": "Au", "en": "To"},
    "console_audit_at": {"ar": "الوقت (UTC)", "fr": "Moment (UTC)", "en": "When (UTC)"},
    "console_audit_action": {"ar": "العملية", "fr": "Action", "en": "Action"},
    "console_audit_from": {"ar": "من عنوان", "fr": "Depuis", "en": "From address"},
    "console_audit_none": {"ar": "لا توجد عملية مطابقة.", "fr": "Aucune action ne correspond.",
                           "en": "No act matches."},
    "console_audit_filter": {"ar": "تصفية", "fr": "Filtrer", "en": "Filter"},
    "console_audit_total": {"ar": "{count} عملية", "fr": "{count} action(s)", "en": "{count} act(s)"},
    "console_team": {"ar": "الفريق والصلاحيات", "fr": "Équipe et droits", "en": "Team and rights"},
    "console_signout": {"ar": "تسجيل الخروج", "fr": "Se déconnecter", "en": "Sign out"},
    # console_pager.html: the pages of a list.
    "console_pager": {"ar": "الصفحة {page} من {pages}", "fr": "Page {page} sur {pages}",
                      "en": "Page {page} of {pages}"},
    "console_pager_previous": {"ar": "الصفحة السابقة", "fr": "Page précédente", "en": "Previous page"},
    "console_pager_next": {"ar": "الصفحة التالية", "fr": "Page suivante", "en": "Next page"},
})


__all__ = ["SERVICES", "Console", "audit_console_router", "checked_post", "console_nav", "console_principal",
           "holds_or_refuse"]
